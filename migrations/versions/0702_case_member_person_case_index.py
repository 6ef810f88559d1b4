"""case member: the person's index also holds the case; cases by id with their registration

The searches and the vulnerability filter go from people to their cases (person_id -> case_id):
with case_id in the index, each step reads the index alone, not also the table's row. Then the
matching cases are sorted by registration: (id, registered_at, border_point_id) gives each one's
moment and scope without reading its wide row.

Revision ID: 0702
Revises: 0801
Create Date: 2026-11-28 09:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0702'
down_revision = '0801'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_case_member_person_case', 'case_member', ['person_id', 'case_id'], unique=False)
    op.drop_index('ix_case_member_person_id', table_name='case_member')
    op.create_index('ix_case_file_id_registered', 'case_file', ['id', 'registered_at', 'border_point_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_case_file_id_registered', table_name='case_file')
    op.create_index('ix_case_member_person_id', 'case_member', ['person_id'], unique=False)
    op.drop_index('ix_case_member_person_case', table_name='case_member')
