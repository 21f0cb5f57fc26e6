"""the head of each OPD signs its reports; report jobs keep their scope and data version

Revision ID: e41b7c9d2f10
Revises: d4e8a1c7b2f9
Create Date: 2026-12-04 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e41b7c9d2f10'
down_revision = 'd4e8a1c7b2f9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('opd', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('head_nip', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('head_title', sa.String(length=200), nullable=True))
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opd_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('data_version', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key('fk_report_job_opd_id_opd', 'opd', ['opd_id'], ['id'])
        batch_op.create_index('ix_report_job_kind_data_version', ['kind', 'data_version'])
        batch_op.create_index('ix_report_job_opd_id', ['opd_id'])


def downgrade():
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.drop_index('ix_report_job_opd_id')
        batch_op.drop_index('ix_report_job_kind_data_version')
        batch_op.drop_constraint('fk_report_job_opd_id_opd', type_='foreignkey')
        batch_op.drop_column('data_version')
        batch_op.drop_column('opd_id')
    with op.batch_alter_table('opd', schema=None) as batch_op:
        batch_op.drop_column('head_title')
        batch_op.drop_column('head_nip')
        batch_op.drop_column('head_name')
