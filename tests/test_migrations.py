"""Every migration, on an empty database of the suite's kind (SQLite, or PostgreSQL when
REGISTRY_TEST_DATABASE_URL is set): up one by one to the newest, the same schema as the models,
then down one by one to nothing, and up again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from registry.extensions import db
from registry.models import Base
from tests.conftest import make_app


@pytest.fixture
def empty_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a database of its own: a new SQLite file, or a new PostgreSQL schema."""
    if not database_url.startswith("postgresql"):
        app = make_app(f"sqlite:///{tmp_path / 'migrations.sqlite3'}", tmp_path / "instance")
        yield app
        with app.app_context():
            db.engine.dispose()
        return
    schema = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in database_url else "?"
    app = make_app(f"{database_url}{separator}options=-csearch_path%3D{schema}", tmp_path / "instance")
    yield app
    with app.app_context():
        db.engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def revisions(app: Flask) -> list[str]:
    """Every revision, oldest first."""
    config = app.extensions["migrate"].migrate.get_config()
    scripts = ScriptDirectory.from_config(config)
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def current(app: Flask) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def drift() -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def leftovers() -> set[str]:
    """Tables, and on SQLite indexes and triggers, that outlive a downgrade to nothing."""
    names = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            names |= set(connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') "
                "AND name NOT LIKE 'sqlite_%'").scalars())  # fmt: skip
        else:
            names |= set(connection.execute(text(
                "SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace"
            )).scalars())  # fmt: skip
            names |= set(connection.execute(text(
                "SELECT typname FROM pg_type WHERE typnamespace = current_schema()::regnamespace "
                "AND typtype = 'e'")).scalars())  # fmt: skip
    return names


def test_every_migration_up_then_down_leaves_the_models_schema_then_nothing(empty_app):
    with empty_app.app_context():
        chain = revisions(empty_app)
        assert len(chain) >= 4 and len(set(chain)) == len(chain)
        for revision in chain:
            upgrade(revision=revision)
            assert current(empty_app) == revision
        assert drift() == []

        for revision in reversed(chain[:-1]):
            downgrade(revision="-1")
            assert current(empty_app) == revision
        downgrade(revision="base")
        assert current(empty_app) is None
        assert leftovers() == set()

        upgrade()
        assert current(empty_app) == chain[-1]
        assert drift() == []
