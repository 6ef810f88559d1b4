"""One typed configuration, read from defaults, then the environment, then instance/config.py."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "REGISTRY_"


@dataclass
class Settings:
    """Every setting the registry reads, with its default. Environment: REGISTRY_<NAME>."""

    DATABASE_URL: str = ""  # default: sqlite:///<instance>/registry.sqlite3
    SECRET_KEY: str = ""  # default: generated once into instance/secret_key
    SECRET_KEY_FALLBACKS: tuple[str, ...] = ()  # former keys, still accepted for sessions while rotating
    TIMEZONE: str = "Africa/Dar_es_Salaam"
    ORGANISATION_NAME: str = "Migrant Registry"
    ORGANISATION_LOGO: str = ""  # a PNG or JPEG file printed at the top of every document
    BASE_URL: str = ""  # the registry's own address for QR codes; default: the request's host
    RATELIMIT_STORAGE_URI: str = "memory://"  # redis://host:6379/0 so that every worker shares limits
    RATE_LIMIT_DEFAULT: str = "600 per minute"  # every page, per address
    LOGIN_RATE_LIMIT: str = "120 per minute"  # login attempts per address, failed or not
    API_RATE_LIMIT: str = "300 per minute"  # JSON API calls per token
    LOGIN_FAILURES_PER_ACCOUNT: int = 5  # the next one within the window is refused, for that account
    LOGIN_FAILURES_PER_ADDRESS: int = 50  # a border point's officers may share one address
    LOGIN_FAILURE_WINDOW_SECONDS: int = 60
    CASES_PER_PAGE: int = 25
    # The case list counts matches up to this many; beyond, it says "more than" (never a guess).
    CASES_COUNT_LIMIT: int = 1_000
    BATCH_PRINT_LIMIT: int = 500  # case sheets printed at once from the list, at most
    # Rows of an XLSX export, at most (a worksheet holds 1,048,575): openpyxl writes about 2,400
    # rows a second of CPU, and the file is sent only once whole. Beyond, the export points to CSV.
    XLSX_MAX_ROWS: int = 100_000
    STALE_CASE_DAYS: int = 14  # an open case whose status has not changed for this long is in the queue
    SESSION_HOURS: int = 12  # absolute: a login lasts at most this long
    SESSION_IDLE_MINUTES: int = 30  # a session unused this long ends
    RETENTION_DAYS: int = 730  # after a case is closed, before `anonymise-expired` blanks it
    AUDIT_KEY: str = ""  # keys the hashes of search terms; default: generated into instance/audit_key
    UPLOAD_FOLDER: str = ""  # default: <instance>/uploads
    COOKIE_SECURE: bool = False
    TRUSTED_PROXIES: int = 0  # how many reverse proxies (nginx) stand in front and set X-Forwarded-*
    ENV: str = "development"  # "production" refuses demo data
    LANGUAGES: tuple[str, ...] = ("en", "fr", "sw")

    @property
    def looks_like_production(self) -> bool:
        """Declared production, or configured as only a server behind HTTPS is: demo accounts with a
        published password must never reach such a registry, whatever REGISTRY_ENV says."""
        return self.ENV == "production" or self.COOKIE_SECURE or self.TRUSTED_PROXIES > 0 or (
            self.BASE_URL.startswith("https://"))

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Settings:
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = environ.get(ENV_PREFIX + field.name)
            if raw is None:
                continue
            default = getattr(cls, field.name)
            if isinstance(default, bool):
                values[field.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif isinstance(default, int):
                values[field.name] = int(raw)
            elif isinstance(default, tuple):
                values[field.name] = tuple(part.strip() for part in raw.split(",") if part.strip())
            else:
                values[field.name] = raw
        return cls(**values)


def secret_key_from_instance(instance_path: Path, name: str = "secret_key") -> str:
    """Read a key kept in instance/, creating it (owner-only) on first run."""
    key_file = instance_path / name
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def flask_config(settings: Settings, instance_path: Path) -> dict[str, Any]:
    """Translate the registry's settings into the keys Flask and its extensions read."""
    database_url = settings.DATABASE_URL or f"sqlite:///{instance_path / 'registry.sqlite3'}"
    from datetime import timedelta

    return {
        "REGISTRY": settings,
        "SECRET_KEY": settings.SECRET_KEY or secret_key_from_instance(instance_path),
        "SECRET_KEY_FALLBACKS": list(settings.SECRET_KEY_FALLBACKS),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.COOKIE_SECURE,
        "SESSION_COOKIE_NAME": "registry_session",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=settings.SESSION_HOURS),
        # The cookie is sent again only when the session changes (security.SEEN_AT_STEP): it
        # expires SESSION_HOURS after the login, as the session itself does.
        "SESSION_REFRESH_EACH_REQUEST": False,
        # The CSRF token lives as long as the session: a form left open for hours still submits.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": settings.COOKIE_SECURE,
        "RATELIMIT_STORAGE_URI": settings.RATELIMIT_STORAGE_URI,
        # Several registries (or test runs) may share one Redis: their counts stay apart.
        "RATELIMIT_KEY_PREFIX": "registry",
        # Redis down must not take the registry down: each worker counts in memory meanwhile,
        # and goes back to Redis when it answers again.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": not settings.RATELIMIT_STORAGE_URI.startswith("memory://"),
        "RATELIMIT_SWALLOW_ERRORS": not settings.RATELIMIT_STORAGE_URI.startswith("memory://"),
        # X-RateLimit-* only on the JSON API's answers (registry/api/views.py): on every page they
        # cost two more questions to Redis for headers no browser reads.
        "RATELIMIT_HEADERS_ENABLED": False,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": settings.TIMEZONE,
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        "PASSWORD_HASH_PARAMS": {},
        "RATELIMIT_DEFAULT": settings.RATE_LIMIT_DEFAULT,
        "AUDIT_KEY": settings.AUDIT_KEY or secret_key_from_instance(instance_path, "audit_key"),
        "UPLOAD_FOLDER": settings.UPLOAD_FOLDER or str(instance_path / "uploads"),
    }


def engine_options(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        # One connection per thread; the busy timeout is set on connect (see models/base.py).
        from registry.models.base import TurnTakingConnection

        return {"connect_args": {"timeout": 30, "check_same_thread": False, "factory": TurnTakingConnection}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}
