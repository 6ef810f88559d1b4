"""case name token: the name search index filed by border point

Each word of each case member's names with the case's border point and registration time
(registry/models/case.py, CaseNameToken): a name search within a user's border points reads only
their entries, not every person of that name in the country. Filled here from the words, the
memberships and the cases in one statement; then kept by triggers on those three tables.

Revision ID: 0703
Revises: 0702
Create Date: 2026-11-28 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0703'
down_revision = '0702'
branch_labels = None
depends_on = None

SearchKey = sa.String(length=80).with_variant(sa.String(length=80, collation='C'), 'postgresql')
KEY = ['border_point_id', 'token', 'registered_at', 'case_id', 'person_id']

# Every word of every member of every case: what the triggers keep (the generator's large loads
# on SQLite run it too, registry/synthetic.py, having dropped the triggers for the load).
FILL = """INSERT INTO case_name_token (border_point_id, token, registered_at, case_id, person_id)
    SELECT c.border_point_id, t.token, c.registered_at, c.id, t.person_id
    FROM person_name_token t
    JOIN case_member m ON m.person_id = t.person_id
    JOIN case_file c ON c.id = m.case_id"""


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    columns = [
        sa.Column('border_point_id', sa.Integer(), nullable=False),
        sa.Column('token', SearchKey, nullable=False),
        sa.Column('registered_at', sa.DateTime(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
    ]
    if postgresql:
        # The rows first, then the indexes, each built by one sort: far cheaper than a million
        # insertions at random places.
        op.create_table('case_name_token', *columns)
        op.execute(FILL)
        op.create_primary_key('pk_case_name_token', 'case_name_token', KEY)
    else:
        # SQLite cannot add a primary key afterwards (the key is the table itself).
        op.create_table('case_name_token', *columns,
                        sa.PrimaryKeyConstraint(*KEY, name=op.f('pk_case_name_token')),
                        sqlite_with_rowid=False)
        op.execute(FILL)
    op.create_index('ix_case_name_token_person_case', 'case_name_token', ['person_id', 'case_id'], unique=False)
    for statement in (POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS):
        op.execute(statement)
    if postgresql:
        # Outside the transaction, as VACUUM must be (what came before is committed first): until
        # the visibility map says the new pages hold only visible rows, a search's index-only
        # scan also reads each entry's row, twice the work.
        with op.get_context().autocommit_block():
            op.execute("VACUUM ANALYZE case_name_token")
    else:
        op.execute("ANALYZE case_name_token")


SQLITE_TRIGGERS = [
    """CREATE TRIGGER case_name_token_word_added AFTER INSERT ON person_name_token BEGIN
         INSERT INTO case_name_token (border_point_id, token, registered_at, case_id, person_id)
         SELECT c.border_point_id, NEW.token, c.registered_at, c.id, NEW.person_id
         FROM case_member m JOIN case_file c ON c.id = m.case_id WHERE m.person_id = NEW.person_id;
       END""",
    """CREATE TRIGGER case_name_token_word_removed AFTER DELETE ON person_name_token BEGIN
         DELETE FROM case_name_token WHERE person_id = OLD.person_id AND token = OLD.token;
       END""",
    """CREATE TRIGGER case_name_token_word_changed AFTER UPDATE ON person_name_token BEGIN
         DELETE FROM case_name_token WHERE person_id = OLD.person_id AND token = OLD.token;
         INSERT INTO case_name_token (border_point_id, token, registered_at, case_id, person_id)
         SELECT c.border_point_id, NEW.token, c.registered_at, c.id, NEW.person_id
         FROM case_member m JOIN case_file c ON c.id = m.case_id WHERE m.person_id = NEW.person_id;
       END""",
    """CREATE TRIGGER case_name_token_member_added AFTER INSERT ON case_member BEGIN
         INSERT INTO case_name_token (border_point_id, token, registered_at, case_id, person_id)
         SELECT c.border_point_id, t.token, c.registered_at, c.id, NEW.person_id
         FROM case_file c JOIN person_name_token t ON t.person_id = NEW.person_id WHERE c.id = NEW.case_id;
       END""",
    """CREATE TRIGGER case_name_token_member_removed AFTER DELETE ON case_member BEGIN
         DELETE FROM case_name_token WHERE person_id = OLD.person_id AND case_id = OLD.case_id;
       END""",
    """CREATE TRIGGER case_name_token_member_changed AFTER UPDATE OF case_id, person_id ON case_member
       WHEN NEW.case_id IS NOT OLD.case_id OR NEW.person_id IS NOT OLD.person_id
       BEGIN
         DELETE FROM case_name_token WHERE person_id = OLD.person_id AND case_id = OLD.case_id;
         INSERT INTO case_name_token (border_point_id, token, registered_at, case_id, person_id)
         SELECT c.border_point_id, t.token, c.registered_at, c.id, NEW.person_id
         FROM case_file c JOIN person_name_token t ON t.person_id = NEW.person_id WHERE c.id = NEW.case_id;
       END""",
    # A transfer: the case's entries move to its new border point. Found through its members,
    # whose (person, case) the index holds.
    """CREATE TRIGGER case_name_token_case_moved AFTER UPDATE OF border_point_id, registered_at ON case_file
       WHEN NEW.border_point_id IS NOT OLD.border_point_id OR NEW.registered_at IS NOT OLD.registered_at
       BEGIN
         UPDATE case_name_token SET border_point_id = NEW.border_point_id, registered_at = NEW.registered_at
         WHERE case_id = NEW.id AND person_id IN (SELECT person_id FROM case_member WHERE case_id = NEW.id);
       END""",
]

# On PostgreSQL, words and memberships are followed once per statement (their rows gathered in
# transition tables): the generator's bulk load then costs one join per table and batch, not a
# trigger call per row. Their functions join by nested loops over the indexes only: a session
# keeps a function's plans, and one made for a batch of 40,000 rows (merge joins reading whole
# indexes) then took 0.8 s for each single member added after it.
POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION case_name_token_words_changed() RETURNS trigger LANGUAGE plpgsql
       SET enable_hashjoin = off SET enable_mergejoin = off AS $$
       BEGIN
         IF TG_OP <> 'INSERT' THEN
           DELETE FROM case_name_token n USING removed r WHERE n.person_id = r.person_id AND n.token = r.token;
         END IF;
         IF TG_OP <> 'DELETE' THEN
           INSERT INTO case_name_token (border_point_id, token, registered_at, case_id, person_id)
           SELECT c.border_point_id, a.token, c.registered_at, c.id, a.person_id
           FROM added a JOIN case_member m ON m.person_id = a.person_id JOIN case_file c ON c.id = m.case_id;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER case_name_token_words_added AFTER INSERT ON person_name_token
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION case_name_token_words_changed()""",
    """CREATE TRIGGER case_name_token_words_removed AFTER DELETE ON person_name_token
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION case_name_token_words_changed()""",
    """CREATE TRIGGER case_name_token_words_updated AFTER UPDATE ON person_name_token
        REFERENCING OLD TABLE AS removed NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION case_name_token_words_changed()""",
    """CREATE FUNCTION case_name_token_members_changed() RETURNS trigger LANGUAGE plpgsql
       SET enable_hashjoin = off SET enable_mergejoin = off AS $$
       BEGIN
         IF TG_OP <> 'INSERT' THEN
           DELETE FROM case_name_token n USING removed r WHERE n.person_id = r.person_id AND n.case_id = r.case_id;
         END IF;
         IF TG_OP <> 'DELETE' THEN
           INSERT INTO case_name_token (border_point_id, token, registered_at, case_id, person_id)
           SELECT c.border_point_id, t.token, c.registered_at, c.id, a.person_id
           FROM added a JOIN case_file c ON c.id = a.case_id JOIN person_name_token t ON t.person_id = a.person_id;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER case_name_token_members_added AFTER INSERT ON case_member
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION case_name_token_members_changed()""",
    """CREATE TRIGGER case_name_token_members_removed AFTER DELETE ON case_member
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION case_name_token_members_changed()""",
    """CREATE TRIGGER case_name_token_members_updated AFTER UPDATE ON case_member
        REFERENCING OLD TABLE AS removed NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION case_name_token_members_changed()""",
    # A transfer: the case's entries move to its new border point (see SQLITE_TRIGGERS).
    """CREATE FUNCTION case_name_token_case_moved() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE case_name_token SET border_point_id = NEW.border_point_id, registered_at = NEW.registered_at
         WHERE case_id = NEW.id AND person_id IN (SELECT person_id FROM case_member WHERE case_id = NEW.id);
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER case_name_token_case_moved AFTER UPDATE OF border_point_id, registered_at ON case_file
        FOR EACH ROW WHEN (NEW.border_point_id IS DISTINCT FROM OLD.border_point_id
                           OR NEW.registered_at IS DISTINCT FROM OLD.registered_at)
        EXECUTE FUNCTION case_name_token_case_moved()""",
]

DROP_SQLITE_TRIGGERS = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("case_name_token_word_added", "case_name_token_word_removed", "case_name_token_word_changed",
                 "case_name_token_member_added", "case_name_token_member_removed",
                 "case_name_token_member_changed", "case_name_token_case_moved")
]
DROP_POSTGRESQL_TRIGGERS = [
    "DROP TRIGGER IF EXISTS case_name_token_words_added ON person_name_token",
    "DROP TRIGGER IF EXISTS case_name_token_words_removed ON person_name_token",
    "DROP TRIGGER IF EXISTS case_name_token_words_updated ON person_name_token",
    "DROP TRIGGER IF EXISTS case_name_token_members_added ON case_member",
    "DROP TRIGGER IF EXISTS case_name_token_members_removed ON case_member",
    "DROP TRIGGER IF EXISTS case_name_token_members_updated ON case_member",
    "DROP TRIGGER IF EXISTS case_name_token_case_moved ON case_file",
    "DROP FUNCTION IF EXISTS case_name_token_words_changed()",
    "DROP FUNCTION IF EXISTS case_name_token_members_changed()",
    "DROP FUNCTION IF EXISTS case_name_token_case_moved()",
]


def downgrade():
    bind = op.get_bind()
    for statement in (DROP_POSTGRESQL_TRIGGERS if bind.dialect.name == "postgresql" else DROP_SQLITE_TRIGGERS):
        op.execute(statement)
    op.drop_index('ix_case_name_token_person_case', table_name='case_name_token')
    op.drop_table('case_name_token')
