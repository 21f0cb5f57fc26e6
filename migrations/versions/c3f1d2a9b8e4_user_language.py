"""the interface language is an account setting

Revision ID: c3f1d2a9b8e4
Revises: aa2f448bef35
Create Date: 2026-11-30 04:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f1d2a9b8e4'
down_revision = 'aa2f448bef35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='id', nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('language')
