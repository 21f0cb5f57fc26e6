"""the head of an OPD is one of its users: a flag and the user's NIP for the signature block

Revision ID: a3c8e1f5d7b2
Revises: f2a7c4e9b1d6
Create Date: 2026-12-04 11:25:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a3c8e1f5d7b2'
down_revision = 'f2a7c4e9b1d6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_head', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('nip', sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('nip')
        batch_op.drop_column('is_head')
