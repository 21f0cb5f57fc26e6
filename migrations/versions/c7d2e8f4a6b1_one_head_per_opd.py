"""one head per OPD: a partial unique index on user(opd_id) where is_head

Revision ID: c7d2e8f4a6b1
Revises: b9e2d4c6a8f1
Create Date: 2026-12-04 14:30:00

An OPD that has more than one head already keeps one: the active one first, then the one marked
earliest (the lowest id); the others stop heading it before the index is made.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7d2e8f4a6b1'
down_revision = 'b9e2d4c6a8f1'
branch_labels = None
depends_on = None

user = sa.table('user', sa.column('id', sa.Integer), sa.column('opd_id', sa.Integer),
                sa.column('is_head', sa.Boolean), sa.column('active', sa.Boolean))


def upgrade():
    bind = op.get_bind()
    heads = bind.execute(sa.select(user.c.id, user.c.opd_id).where(user.c.is_head.is_(True),
                                                                    user.c.opd_id.is_not(None))
                         .order_by(user.c.opd_id, user.c.active.desc(), user.c.id)).all()
    kept, extra = set(), []
    for user_id, opd_id in heads:
        if opd_id in kept:
            extra.append(user_id)
        kept.add(opd_id)
    if extra:
        bind.execute(sa.update(user).where(user.c.id.in_(extra)).values(is_head=False))
    op.create_index('uq_user_opd_head', 'user', ['opd_id'], unique=True,
                    sqlite_where=sa.text('is_head'), postgresql_where=sa.text('is_head'))


def downgrade():
    op.drop_index('uq_user_opd_head', table_name='user')
