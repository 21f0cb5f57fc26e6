"""an index for the latest visits of each kegiatan: the desks find them kegiatan by kegiatan

Revision ID: b9e2d4c6a8f1
Revises: b9e3f6a1c2d4
Create Date: 2026-12-04 14:15:00

"""
from alembic import op


revision = 'b9e2d4c6a8f1'
down_revision = 'b9e3f6a1c2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_submission_kegiatan_form_recorded', 'submission',
                    ['form_code', 'kegiatan_id', 'review_state', 'recorded_at'])


def downgrade():
    op.drop_index('ix_submission_kegiatan_form_recorded', table_name='submission')
