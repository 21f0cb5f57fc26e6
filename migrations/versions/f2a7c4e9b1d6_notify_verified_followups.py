"""notifications of verified follow-ups: the owner hears that Bappeda accepted the work

Revision ID: f2a7c4e9b1d6
Revises: e5f9b2d8c3a1
Create Date: 2026-12-04 11:10:00

The kind values are written out here, not imported from webapp.vocabulary: a migration is a snapshot.
"""
from alembic import op


revision = 'f2a7c4e9b1d6'
down_revision = 'e5f9b2d8c3a1'
branch_labels = None
depends_on = None

OLD_KINDS = ('assigned', 'due_soon', 'overdue', 'returned', 'deadline_near', 'digest', 'done', 'reopened')
NEW_KINDS = OLD_KINDS + ('verified',)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _kinds(values) -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notification_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notification_kind'), _in('kind', values))


def upgrade():
    _kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notification WHERE kind = 'verified'")
    _kinds(OLD_KINDS)
