"""`flask registry backup` and `restore`: a SQLite registry and its photos, copied while in use and
put back exactly; damaged or foreign backups refused without touching the live database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from flask_migrate import upgrade

from registry.extensions import db
from registry.models import Person, User
from registry.services import accounts, backup
from registry.services.uploads import UploadStore
from tests.conftest import PASSWORD, _register, make_app

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(256)) * 4


@pytest.fixture
def registry_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A migrated SQLite registry of its own (whatever database the suite runs on), with three
    people, one of them with a photo."""
    database = tmp_path / "live.sqlite3"
    app = make_app(f"sqlite:///{database}", tmp_path / "instance", UPLOAD_FOLDER=str(tmp_path / "photos"))
    with app.app_context():
        upgrade()
        accounts.add_border_point("MNY", "Manyovu", "TZA")
        accounts.create_user("officer.mny", PASSWORD, "officer", ["MNY"])
        db.session.commit()
        officer = db.session.scalar(db.select(User))
        cases = [_register(officer, {"given_names": name}) for name in ("Aline", "Divine", "Josué")]
        photo = UploadStore(app.config["UPLOAD_FOLDER"]).save(JPEG)
        db.session.get(Person, cases[0].person_id).photo_filename = photo
        db.session.commit()
    yield app, database, photo
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def dump(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        lines = list(connection.iterdump())
    connection.close()
    return lines


def test_restore_brings_back_the_database_and_photos_exactly_as_backed_up(registry_file, tmp_path):
    app, database, photo = registry_file
    runner = app.test_cli_runner()
    result = runner.invoke(args=["registry", "backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert "3 people, 3 cases, 1 photos" in result.output
    with app.app_context():
        db.engine.dispose()
    backed_up = dump(database)
    assert any("Josué" in line for line in backed_up)

    # Work goes on after the backup: a fourth person, and the photo is lost.
    with app.app_context():
        _register(db.session.scalar(db.select(User)), {"given_names": "Espérance"})
        db.session.remove()
        db.engine.dispose()
    (Path(app.config["UPLOAD_FOLDER"]) / photo).unlink()
    assert dump(database) != backed_up

    result = runner.invoke(args=["registry", "restore", "--yes", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert "3 people, 3 cases, 1 photos" in result.output
    assert dump(database) == backed_up
    assert (Path(app.config["UPLOAD_FOLDER"]) / photo).read_bytes() == JPEG
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()
    with app.app_context():
        names = set(db.session.scalars(db.select(Person.given_names)))
    assert names == {"Aline", "Divine", "Josué"}


def test_a_backup_never_overwrites_a_folder_in_use(registry_file, tmp_path):
    app, _database, _photo = registry_file
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    result = app.test_cli_runner().invoke(args=["registry", "backup", str(target)])
    assert result.exit_code == 1
    assert "already exists and is not an empty folder" in result.output
    assert [path.name for path in target.iterdir()] == ["notes.txt"]


def test_a_damaged_backup_is_refused_and_the_database_left_alone(registry_file, tmp_path):
    app, database, photo = registry_file
    runner = app.test_cli_runner()
    assert runner.invoke(args=["registry", "backup", str(tmp_path / "backup")]).exit_code == 0
    with app.app_context():
        _register(db.session.scalar(db.select(User)), {"given_names": "Espérance"})
        db.session.remove()
        db.engine.dispose()
    before = dump(database)
    copied = tmp_path / "backup" / "uploads" / photo
    copied.write_bytes(copied.read_bytes()[:-1] + b"\x00")

    result = runner.invoke(args=["registry", "restore", "--yes", str(tmp_path / "backup")])
    assert result.exit_code == 1
    assert f"uploads/{photo} is missing or damaged in the backup: nothing was restored." in result.output
    assert dump(database) == before


def test_a_folder_that_is_not_a_backup_is_refused(registry_file, tmp_path):
    app, database, _photo = registry_file
    (tmp_path / "random").mkdir()
    (tmp_path / "random" / "registry.sqlite3").write_bytes(b"not a database")
    with app.app_context():
        db.engine.dispose()
    before = dump(database)
    result = app.test_cli_runner().invoke(args=["registry", "restore", "--yes", str(tmp_path / "random")])
    assert result.exit_code == 1
    assert "is not a registry backup (no readable manifest)" in result.output
    assert dump(database) == before


def test_restore_asks_before_replacing_the_database(registry_file, tmp_path):
    app, database, _photo = registry_file
    runner = app.test_cli_runner()
    assert runner.invoke(args=["registry", "backup", str(tmp_path / "backup")]).exit_code == 0
    result = runner.invoke(args=["registry", "restore", str(tmp_path / "backup")], input="n\n")
    assert result.exit_code == 1
    assert "Every change made since the backup will be lost" in result.output


@pytest.mark.parametrize("url", ["postgresql+psycopg://registry@db/registry", "sqlite:///:memory:"])
def test_other_databases_are_sent_to_their_own_tools(url):
    with pytest.raises(backup.BackupRefused, match="pg_dump"):
        backup.sqlite_path(url)
