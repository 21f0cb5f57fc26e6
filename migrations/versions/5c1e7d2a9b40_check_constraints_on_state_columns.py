"""CHECK constraints on the state columns: the database refuses a state the app does not know

Revision ID: 5c1e7d2a9b40
Revises: 03d7c3dbcb22
Create Date: 2026-11-30 04:30:00.000000

The values are written out here, not imported from webapp.vocabulary: a migration is a snapshot.
On SQLite a CHECK constraint needs the table rebuilt (Alembic's batch mode copies it). Foreign keys
are switched off around the copy, as SQLite asks for any table rebuild: with them on, dropping the
old `submission` table would cascade to its attachments.
"""
from alembic import op

revision = '5c1e7d2a9b40'
down_revision = '03d7c3dbcb22'
branch_labels = None
depends_on = None

#: table → [(constraint name without the ck_<table>_ prefix, column, allowed values)]
CHECKS = {
    'submission': [
        ('status', 'status', ('incomplete', 'complete')),
        ('review_state', 'review_state', ('received', 'approved', 'returned', 'rejected')),
    ],
    'attachment': [('state', 'state', ('pending', 'received', 'processed', 'failed'))],
    'report_job': [('state', 'state', ('queued', 'running', 'ready', 'failed'))],
    'follow_up': [('status', 'status', ('open', 'in_progress', 'done', 'cancelled'))],
    'user': [('role', 'role', ('admin', 'bappeda', 'camat', 'opd', 'monitor'))],
    'opd_report': [('state', 'state', ('draft', 'submitted', 'returned'))],
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _set_sqlite_foreign_keys(on: bool) -> None:
    # PRAGMA foreign_keys is ignored inside a transaction: leave it for the pragma.
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _alter(add: bool) -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        _set_sqlite_foreign_keys(False)
    try:
        for table, checks in CHECKS.items():
            with op.batch_alter_table(table, schema=None) as batch_op:
                for name, column, values in checks:
                    full_name = op.f(f'ck_{table}_{name}')
                    if add:
                        batch_op.create_check_constraint(full_name, _condition(column, values))
                    else:
                        batch_op.drop_constraint(full_name, type_='check')
        if sqlite:
            broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
            if broken:
                raise RuntimeError(f'foreign keys broken by the table rebuild: {broken[:5]}')
    finally:
        if sqlite:
            _set_sqlite_foreign_keys(True)


def upgrade():
    _alter(add=True)


def downgrade():
    _alter(add=False)
