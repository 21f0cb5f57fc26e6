"""the narrative under an OPD's RKPD evaluation, reviewed and edited per triwulan or year

Revision ID: b9e3f6a1c2d4
Revises: a3c8e1f5d7b2
Create Date: 2026-12-04 14:05:00

"""
from alembic import op
import sqlalchemy as sa

from webapp.types import UTCDateTime


revision = 'b9e3f6a1c2d4'
down_revision = 'a3c8e1f5d7b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rkpd_narrative',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('opd_id', sa.Integer(), nullable=False),
        sa.Column('driving', sa.Text(), nullable=False),
        sa.Column('inhibiting', sa.Text(), nullable=False),
        sa.Column('next_quarter', sa.Text(), nullable=False),
        sa.Column('next_rkpd', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name='fk_rkpd_narrative_opd_id_opd'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name='fk_rkpd_narrative_updated_by_id_user'),
        sa.PrimaryKeyConstraint('id', name='pk_rkpd_narrative'),
        sa.UniqueConstraint('year', 'quarter', 'opd_id', name='uq_rkpd_narrative_period_opd'),
    )
    op.create_index('ix_rkpd_narrative_opd_id', 'rkpd_narrative', ['opd_id'])


def downgrade():
    op.drop_index('ix_rkpd_narrative_opd_id', table_name='rkpd_narrative')
    op.drop_table('rkpd_narrative')
