"""map views built ahead by the job: unfiltered groups at low zoom, the first list page

Revision ID: e5f9b2d8c3a1
Revises: e41b7c9d2f10
Create Date: 2026-12-04 10:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5f9b2d8c3a1'
down_revision = 'e41b7c9d2f10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'map_view',
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('view', sa.String(length=40), nullable=False),
        sa.Column('state', sa.String(length=64), nullable=False),
        sa.Column('body_gz', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'view', name=op.f('pk_map_view')),
    )


def downgrade():
    op.drop_table('map_view')
