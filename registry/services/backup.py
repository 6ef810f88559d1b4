"""Backing up and restoring a SQLite registry: the database through SQLite's online backup API,
and the uploaded photos, into one folder with a manifest of checksums.

    backup/2026-11-28/
      registry.sqlite3    a consistent copy, taken while officers keep working
      uploads/            every stored photo
      manifest.json       when, the schema revision, row counts, SHA-256 of every file

The database is copied first and the photos after it: a photo is written before the registration
that names it commits, and never changed, so every photo the copied database names is in the
folder. Restoring checks every checksum and the copy's integrity before touching the live
database, then copies the backup into it page by page through the same API (readers see the old
or the new database, never a mix), and puts back the photos that are missing. A PostgreSQL
registry is backed up with pg_dump (docs/deployment.md).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from registry.domain.errors import DomainError
from registry.domain.i18n import N_
from registry.services.uploads import is_stored_name

DATABASE_FILE = "registry.sqlite3"
UPLOADS = "uploads"
MANIFEST = "manifest.json"
COUNTED_TABLES = ("person", "case_file", "case_event", "audit_entry", "user_account")


class BackupRefused(DomainError):
    """The backup or the restore cannot be done as asked; nothing was changed."""


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    revision: str | None
    rows: dict[str, int]
    photos: int
    missing_photos: tuple[str, ...]


def sqlite_path(database_url: str) -> Path:
    """The database file of a sqlite:/// URL; refused for any other database."""
    if not database_url.startswith("sqlite:///") or database_url in {"sqlite:///", "sqlite:///:memory:"}:
        raise BackupRefused(N_("Only a SQLite registry is backed up this way: back up PostgreSQL "
                               "with pg_dump (see docs/deployment.md)."))  # fmt: skip
    return Path(database_url.removeprefix("sqlite:///"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _describe(connection: sqlite3.Connection) -> tuple[str | None, dict[str, int], list[str]]:
    """The schema revision, row counts and the photo names a database holds."""
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    revision = None
    if "alembic_version" in tables:
        found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = found[0] if found else None
    rows = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608 - names from the fixed list above
            for name in COUNTED_TABLES if name in tables}  # fmt: skip
    photos = []
    if "person" in tables:
        photos = [row[0] for row in connection.execute(
            "SELECT photo_filename FROM person WHERE photo_filename IS NOT NULL")]  # fmt: skip
    return revision, rows, photos


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def backup(database_url: str, upload_folder: str | Path, destination: str | Path,
           *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> BackupReport:  # fmt: skip
    """Copy the live database and its photos into `destination`, a new or empty folder."""
    source = sqlite_path(database_url)
    folder = Path(destination)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupRefused(N_("%(path)s already exists and is not an empty folder: choose a new one."),
                            params={"path": str(folder)})  # fmt: skip
    if not source.exists():
        raise BackupRefused(N_("There is no database at %(path)s."), params={"path": str(source)})
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    copy = folder / DATABASE_FILE
    with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(copy) as target:
        # Page by page, in steps, so that writers are held up only for a moment at a time.
        live.backup(target, pages=1024)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        revision, rows, named_photos = _describe(target)
    live.close()
    target.close()

    uploads = Path(upload_folder)
    (folder / UPLOADS).mkdir(mode=0o700)
    files: dict[str, str] = {DATABASE_FILE: _sha256(copy)}
    copied = 0
    for photo in sorted(uploads.iterdir()) if uploads.is_dir() else []:
        if is_stored_name(photo.name) and photo.is_file():
            shutil.copy2(photo, folder / UPLOADS / photo.name)
            files[f"{UPLOADS}/{photo.name}"] = _sha256(folder / UPLOADS / photo.name)
            copied += 1
    missing = tuple(sorted(name for name in set(named_photos) if f"{UPLOADS}/{name}" not in files))
    manifest = {"taken_at": now().isoformat(timespec="seconds"), "revision": revision, "rows": rows,
                "files": files, "missing_photos": list(missing)}  # fmt: skip
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return BackupReport(folder, revision, rows, copied, missing)


def read_manifest(source: str | Path) -> dict:  # type: ignore[type-arg]
    """The manifest of a backup folder after checking every file against it."""
    folder = Path(source)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files: dict[str, str] = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupRefused(N_("%(path)s is not a registry backup (no readable manifest)."),
                            params={"path": str(folder)}) from error  # fmt: skip
    if DATABASE_FILE not in files:
        raise BackupRefused(N_("The backup's manifest names no database."))
    for name, checksum in files.items():
        path = folder / name
        if (name != DATABASE_FILE and not (name.startswith(f"{UPLOADS}/")
                                           and is_stored_name(name.removeprefix(f"{UPLOADS}/")))):
            raise BackupRefused(N_("The backup's manifest names an unexpected file: %(name)s."),
                                params={"name": name[:80]})  # fmt: skip
        if not path.is_file() or _sha256(path) != checksum:
            raise BackupRefused(N_("%(name)s is missing or damaged in the backup: nothing was restored."),
                                params={"name": name})  # fmt: skip
    return manifest  # type: ignore[no-any-return]


def restore(database_url: str, upload_folder: str | Path, source: str | Path) -> BackupReport:
    """Replace the live database with the backup's and put back its photos."""
    target = sqlite_path(database_url)
    folder = Path(source)
    manifest = read_manifest(folder)
    copy = folder / DATABASE_FILE
    if _integrity(copy) != "ok":
        raise BackupRefused(N_("The backup's database fails SQLite's integrity check: nothing was restored."))
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(copy) as backup_db, sqlite3.connect(target, timeout=30) as live:
        backup_db.backup(live)
        live.execute("PRAGMA journal_mode=WAL")
        revision, rows, _photos = _describe(live)
    backup_db.close()
    live.close()

    uploads = Path(upload_folder)
    uploads.mkdir(parents=True, exist_ok=True, mode=0o700)
    restored = 0
    for name in manifest["files"]:
        if name.startswith(f"{UPLOADS}/"):
            photo = name.removeprefix(f"{UPLOADS}/")
            if not (uploads / photo).exists():
                shutil.copy2(folder / name, uploads / photo)
            restored += 1
    return BackupReport(folder, revision, rows, restored, tuple(manifest.get("missing_photos", ())))
