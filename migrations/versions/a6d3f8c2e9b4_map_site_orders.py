"""the map's site orders kept beside the positions file: Z-order and name order, sorted once by the job

Revision ID: a6d3f8c2e9b4
Revises: c7d2e8f4a6b1
Create Date: 2026-12-04 17:40:00

Files built before keep a NULL: a web process sorts those for itself, as it did.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a6d3f8c2e9b4'
down_revision = 'c7d2e8f4a6b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('map_snapshot') as batch:
        batch.add_column(sa.Column('sites_order', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('map_snapshot') as batch:
        batch.drop_column('sites_order')
