"""follow-ups someone answers for (owner, completion, verification, reopening, Rakor month) and notifications

Revision ID: b7d4e2f9c1a3
Revises: 5c1e7d2a9b40
Create Date: 2026-12-04 10:20:00.000000

The state values are written out here, not imported from webapp.vocabulary: a migration is a
snapshot. On SQLite a changed CHECK constraint needs the table rebuilt (batch mode copies it) with
foreign keys off around the copy, as in 5c1e7d2a9b40.
"""
from alembic import op
import sqlalchemy as sa
import webapp.types  # noqa: F401


revision = 'b7d4e2f9c1a3'
down_revision = '5c1e7d2a9b40'
branch_labels = None
depends_on = None

OLD_STATES = ('open', 'in_progress', 'done', 'cancelled')
NEW_STATES = ('open', 'in_progress', 'done', 'verified', 'reopened', 'cancelled')
KINDS = ('assigned', 'due_soon', 'overdue', 'returned', 'deadline_near', 'digest', 'done', 'reopened')
EMAIL_STATES = ('pending', 'sending', 'sent', 'failed', 'off')


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _foreign_keys(on: bool) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.get_context().autocommit_block():
            op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    try:
        with op.batch_alter_table('follow_up', schema=None) as batch_op:
            batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('completed_at', webapp.types.UTCDateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('completed_late', sa.Boolean(), nullable=False, server_default=sa.false()))
            batch_op.add_column(sa.Column('verified_at', webapp.types.UTCDateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('reopen_reason', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('rakor_month', sa.String(length=7), nullable=True))
            batch_op.create_index(batch_op.f('ix_follow_up_owner_id'), ['owner_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_follow_up_rakor_month'), ['rakor_month'], unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_follow_up_owner_id_user'), 'user', ['owner_id'], ['id'])
            batch_op.create_foreign_key(batch_op.f('fk_follow_up_verified_by_id_user'), 'user', ['verified_by_id'], ['id'])
            batch_op.drop_constraint(batch_op.f('ck_follow_up_status'), type_='check')
            batch_op.create_check_constraint(batch_op.f('ck_follow_up_status'), _in('status', NEW_STATES))
        # Work reported done before this change: its completion day is the last change of the row.
        op.execute("UPDATE follow_up SET completed_at = updated_at WHERE status = 'done'")
        op.execute("UPDATE follow_up SET completed_late = (CAST(updated_at AS DATE) > due_date) WHERE status = 'done'"
                   if op.get_bind().dialect.name == 'postgresql' else
                   "UPDATE follow_up SET completed_late = (date(updated_at) > due_date) WHERE status = 'done'")
        with op.batch_alter_table('user', schema=None) as batch_op:
            batch_op.add_column(sa.Column('email_notifications', sa.Boolean(), nullable=False, server_default=sa.true()))
    finally:
        _foreign_keys(True)
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='kind', native_enum=False, create_constraint=True, length=16), nullable=False),
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('url', sa.String(length=300), nullable=True),
        sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('read_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('email_state', sa.Enum(*EMAIL_STATES, name='email_state', native_enum=False, create_constraint=True,
                                         length=16), nullable=False),
        sa.Column('email_attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('email_sent_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('email_error', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
        sa.UniqueConstraint('user_id', 'key', name='uq_notification_user_key'),
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_created_at'), ['created_at'], unique=False)


def downgrade():
    op.drop_table('notification')
    _foreign_keys(False)
    try:
        op.execute("UPDATE follow_up SET status = 'done' WHERE status = 'verified'")
        op.execute("UPDATE follow_up SET status = 'in_progress' WHERE status = 'reopened'")
        with op.batch_alter_table('user', schema=None) as batch_op:
            batch_op.drop_column('email_notifications')
        with op.batch_alter_table('follow_up', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_follow_up_status'), type_='check')
            batch_op.create_check_constraint(batch_op.f('ck_follow_up_status'), _in('status', OLD_STATES))
            batch_op.drop_constraint(batch_op.f('fk_follow_up_verified_by_id_user'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f('fk_follow_up_owner_id_user'), type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_follow_up_rakor_month'))
            batch_op.drop_index(batch_op.f('ix_follow_up_owner_id'))
            for column in ('rakor_month', 'reopen_reason', 'verified_by_id', 'verified_at', 'completed_late',
                           'completed_at', 'owner_id'):
                batch_op.drop_column(column)
    finally:
        _foreign_keys(True)
