"""case workflow: notes, follow-ups, status change time, event versions

Revision ID: 0301
Revises: 0001
Create Date: 2026-11-28 05:34:50.084522

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0301'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_case_note_author_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_case_note_case_id_case_file'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note'))
    )
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.create_index('ix_case_note_case_at', ['case_id', 'at'], unique=False)

    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_follow_up_case_id_case_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_follow_up_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'], name=op.f('fk_follow_up_done_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up'))
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_case_due', ['case_id', 'due_on'], unique=False)
        batch_op.create_index('ix_follow_up_open_due', ['done_on', 'due_on'], unique=False)

    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_version', sa.Integer(), nullable=True))
    # Before this revision a case's only events were its registration, at version 1.
    op.execute("UPDATE case_event SET case_version = 1 WHERE kind = 'registered'")

    # Added empty, filled from the registration (no status has changed since), then required.
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE case_file SET status_changed_at = registered_at")
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.alter_column('status_changed_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index('ix_case_file_status_changed', ['status', 'status_changed_at', 'border_point_id'], unique=False)
        batch_op.create_index('ix_case_file_status_changed_at', ['status_changed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_status_changed_at')
        batch_op.drop_index('ix_case_file_status_changed')
        batch_op.drop_column('status_changed_at')

    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_column('case_version')

    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_open_due')
        batch_op.drop_index('ix_follow_up_case_due')

    op.drop_table('follow_up')
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.drop_index('ix_case_note_case_at')

    op.drop_table('case_note')
