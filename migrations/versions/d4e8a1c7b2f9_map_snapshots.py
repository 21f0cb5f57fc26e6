"""map snapshots: prebuilt positions and status per scope, status deltas, generation counter

Revision ID: d4e8a1c7b2f9
Revises: b7d4e2f9c1a3
Create Date: 2026-12-04 10:10:00

"""
from alembic import op
import sqlalchemy as sa
import webapp.types  # noqa: F401


revision = 'd4e8a1c7b2f9'
down_revision = 'b7d4e2f9c1a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'map_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_map_generation')),
    )
    op.create_table(
        'map_snapshot',
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.Column('sites_fingerprint', sa.String(length=64), nullable=False),
        sa.Column('sites_hash', sa.String(length=32), nullable=False),
        sa.Column('sites_gz', sa.LargeBinary(), nullable=False),
        sa.Column('status_version', sa.Integer(), nullable=False),
        sa.Column('status_hash', sa.String(length=32), nullable=False),
        sa.Column('status_gz', sa.LargeBinary(), nullable=False),
        sa.Column('built_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_map_snapshot')),
    )
    op.create_table(
        'map_status_delta',
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('sites_hash', sa.String(length=32), nullable=False),
        sa.Column('changes_gz', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'version', name=op.f('pk_map_status_delta')),
    )


def downgrade():
    op.drop_table('map_status_delta')
    op.drop_table('map_snapshot')
    op.drop_table('map_generation')
