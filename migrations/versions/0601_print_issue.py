"""print issue: one row per printed document, its random verification code

Revision ID: 0601
Revises: 0401
Create Date: 2026-11-28 08:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0601'
down_revision = '0401'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('print_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('document', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_print_issue_case_id_case_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_print_issue_issued_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_issue')),
    sa.UniqueConstraint('code', name=op.f('uq_print_issue_code'))
    )
    with op.batch_alter_table('print_issue', schema=None) as batch_op:
        batch_op.create_index('ix_print_issue_case_document', ['case_id', 'document', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('print_issue', schema=None) as batch_op:
        batch_op.drop_index('ix_print_issue_case_document')
    op.drop_table('print_issue')
