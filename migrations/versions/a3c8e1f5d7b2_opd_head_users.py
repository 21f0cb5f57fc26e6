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


def _foreign_keys(on: bool) -> None:
    """On SQLite the user table is rebuilt (batch mode copies it): foreign keys off around the copy,
    as in 5c1e7d2a9b40, or dropping the old table breaks every row pointing at a user."""
    if op.get_bind().dialect.name == 'sqlite':
        with op.get_context().autocommit_block():
            op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    try:
        with op.batch_alter_table('user', schema=None) as batch_op:
            batch_op.add_column(sa.Column('is_head', sa.Boolean(), nullable=False, server_default=sa.false()))
            batch_op.add_column(sa.Column('nip', sa.String(length=30), nullable=True))
    finally:
        _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    try:
        with op.batch_alter_table('user', schema=None) as batch_op:
            batch_op.drop_column('nip')
            batch_op.drop_column('is_head')
    finally:
        _foreign_keys(True)
