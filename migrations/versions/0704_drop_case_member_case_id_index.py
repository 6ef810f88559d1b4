"""case member: drop the index on case_id alone

The unique constraint on (case_id, person_id) has its own index, which begins with case_id: every
look-up of a case's members, and the cascade when a case is deleted, already reads it. The second
index only cost each membership written (a million rows in a large registry) and its space.

Revision ID: 0704
Revises: 0703
Create Date: 2026-11-28 19:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0704'
down_revision = '0703'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_case_member_case_id', table_name='case_member')


def downgrade():
    op.create_index('ix_case_member_case_id', 'case_member', ['case_id'], unique=False)
