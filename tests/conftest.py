"""Fixtures: the app on a migrated database (SQLite, or PostgreSQL when
REGISTRY_TEST_DATABASE_URL is set), a client that behaves like a browser, and factories."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from registry import create_app
from registry.extensions import db
from registry.models import Base, BorderPoint, Case, User
from registry.services import accounts, registration
from registry.services.registration import RegistrationData

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("REGISTRY_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'registry-test.sqlite3'}"


def make_app(database_url: str, instance: Path, **overrides: Any) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "AUDIT_KEY": "test-audit-key-not-for-production",
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    }
    config.update(overrides)
    app = create_app(config)
    app.instance_path = str(instance)
    return app


@pytest.fixture(scope="session")
def _migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Bring the test database to the newest migration once per run."""
    from flask_migrate import upgrade

    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        if database_url.startswith("postgresql"):
            # Start from nothing: a previous run may have left another schema behind.
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return database_url


def _empty_tables() -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{name}"' for name in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()


@pytest.fixture
def app_factory(_migrated: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database with some settings changed."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = make_app(_migrated, tmp_path / "instance", **overrides)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


@pytest.fixture(scope="session")
def _shared_app(_migrated: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    # One app for most tests: building one compiles every template again.
    app = make_app(_migrated, tmp_path_factory.mktemp("instance"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_shared_app: Flask) -> Iterator[Flask]:
    # No app context stays pushed: each request must get its own, as in production (a shared
    # one would share `g`, and so the logged-in user, between requests).
    yield _shared_app
    with _shared_app.app_context():
        db.session.remove()
        _empty_tables()


@dataclass(frozen=True)
class UserRef:
    id: int
    username: str
    role: str


@dataclass(frozen=True)
class CaseRef:
    id: int
    case_number: str
    person_id: int


class Browser:
    """A test client used as a person uses a browser: open the page, fill the form, send it."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.client.get(url, **kwargs)

    def csrf_token(self, url: str = "/login") -> str:
        page = self.client.get(url, follow_redirects=True).get_data(as_text=True)
        match = CSRF.search(page)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def submit(self, url: str, data: dict[str, Any], *, form_url: str | None = None,
               **kwargs: Any):  # type: ignore[no-untyped-def]  # fmt: skip
        """POST `data` with the CSRF token of the page at `form_url` (default: `url`)."""
        fields = {"csrf_token": self.csrf_token(form_url or url), **data}
        return self.client.post(url, data=fields, **kwargs)

    def login(self, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        return self.submit("/login", {"username": username, "password": password})

    def logout(self):  # type: ignore[no-untyped-def]
        return self.submit("/logout", {}, form_url="/")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def browser(client: FlaskClient) -> Browser:
    return Browser(client)


@pytest.fixture
def new_browser(app: Flask) -> Callable[[], Browser]:
    return lambda: Browser(app.test_client())


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def create_border_point(app: Flask) -> Callable[..., str]:
    def factory(code: str = "MNY", name: str = "Manyovu", country: str = "TZA") -> str:
        with app.app_context():
            accounts.add_border_point(code, name, country)
            db.session.commit()
        return code

    return factory


@pytest.fixture
def create_user(app: Flask, create_border_point: Callable[..., str]) -> Callable[..., UserRef]:
    def factory(username: str, role: str = "officer", points: tuple[str, ...] = ("MNY",),
                *, all_border_points: bool = False) -> UserRef:  # fmt: skip
        with app.app_context():
            known = set(db.session.scalars(db.select(BorderPoint.code)))
        for code in points:
            if code not in known:
                create_border_point(code, f"Point {code}")
        with app.app_context():
            user = accounts.create_user(username, PASSWORD, role, list(points),
                                        all_border_points=all_border_points,
                                        full_name=username.title())  # fmt: skip
            db.session.commit()
            return UserRef(user.id, user.username, user.role)

    return factory


@pytest.fixture
def register(app: Flask) -> Callable[..., CaseRef]:
    """Register a person through the service, as `officer`, with sensible defaults."""

    def factory(officer: UserRef, **fields: Any) -> CaseRef:
        with app.app_context():
            return _register(db.session.get(User, officer.id), fields)

    return factory


def _register(officer: User, fields: dict[str, Any]) -> CaseRef:
    data = {
        "border_point": officer.border_points[0].code if officer.border_points else "MNY",
        "given_names": "Aline",
        "family_name": "Ndayishimiye",
        "sex": "female",
        "nationality": "BDI",
        "date_of_birth": date(1990, 5, 17),
        "dob_precision": "exact",
        "consent_given": True,
        "consent_date": date(2026, 1, 5),
        "submission_id": str(uuid.uuid4()),
    }
    data.update(fields)
    case = registration.register(officer, RegistrationData(**data), today=date.today(),
                                 timezone="Africa/Dar_es_Salaam", ip_address="127.0.0.1")  # fmt: skip
    db.session.commit()
    return CaseRef(case.id, case.case_number, case.principal_id)


def sample_photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), exif: bytes | None = None) -> bytes:
    """A small picture made by Pillow, optionally with EXIF (GPS and all)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 120, 40))
    image.save(buffer, fmt, **({"exif": exif} if exif else {}))
    return buffer.getvalue()


@pytest.fixture
def officer(create_user: Callable[..., UserRef]) -> UserRef:
    return create_user("officer.mny", "officer", ("MNY",))


@pytest.fixture
def other_officer(create_user: Callable[..., UserRef]) -> UserRef:
    return create_user("officer.kbg", "officer", ("KBG",))


@pytest.fixture
def supervisor(create_user: Callable[..., UserRef]) -> UserRef:
    return create_user("supervisor.mny", "supervisor", ("MNY",))


@pytest.fixture
def national_supervisor(create_user: Callable[..., UserRef]) -> UserRef:
    return create_user("supervisor", "supervisor", (), all_border_points=True)


@pytest.fixture
def admin(create_user: Callable[..., UserRef]) -> UserRef:
    return create_user("admin", "admin", ())


@pytest.fixture
def today(app: Flask) -> date:
    """Today at the border points (the configured time zone), as the registry sees it."""
    from registry.templating import today as registry_today

    with app.app_context():
        return registry_today()


@pytest.fixture
def move_case(app: Flask, today: date) -> Callable[..., None]:
    """Move a case through the workflow service as `user` (a shortcut to set a test's scene)."""
    from registry.services import workflow

    def move(case_number: str, user: UserRef, to: str, reason: str | None = None,
             **details: Any) -> None:  # fmt: skip
        with app.app_context():
            acting = db.session.get(User, user.id)
            case = db.session.scalar(db.select(Case).filter_by(case_number=case_number))
            workflow.transition(acting, case_number, to, case.version, details, reason, today)
            db.session.commit()

    return move
