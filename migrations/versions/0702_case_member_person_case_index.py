"""case member: the person's index also holds the case

The searches and the vulnerability filter go from people to their cases (person_id -> case_id):
with case_id in the index, each step reads the index alone, not also the table's row.

Revision ID: 0702
Revises: 0701
Create Date: 2026-11-28 09:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0702'
down_revision = '0701'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_case_member_person_case', 'case_member', ['person_id', 'case_id'], unique=False)
    op.drop_index('ix_case_member_person_id', table_name='case_member')


def downgrade():
    op.create_index('ix_case_member_person_id', 'case_member', ['person_id'], unique=False)
    op.drop_index('ix_case_member_person_case', table_name='case_member')
