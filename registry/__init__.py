"""The migrant registry: create_app() builds the Flask application."""

from __future__ import annotations

import runpy
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from flask import Flask

from registry.config import Settings, flask_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _settings(instance_path: Path, overrides: dict[str, Any]) -> Settings:
    """Defaults, then instance/config.py, then REGISTRY_* environment variables, then overrides."""
    names = {field.name for field in fields(Settings)}
    settings = Settings()
    config_file = instance_path / "config.py"
    if config_file.exists():
        from_file = runpy.run_path(str(config_file))
        settings = replace(settings, **{
            key.removeprefix("REGISTRY_"): value for key, value in from_file.items()
            if key.removeprefix("REGISTRY_") in names
        })  # fmt: skip
    from_env = Settings.from_environment()
    settings = replace(settings, **{
        field.name: getattr(from_env, field.name) for field in fields(Settings)
        if getattr(from_env, field.name) != getattr(Settings(), field.name)
    })  # fmt: skip
    return replace(settings, **{key: value for key, value in overrides.items() if key in names})


def configured_database_url() -> str:
    """The database create_app() will open, read the same way, without building the app:
    gunicorn.conf.py chooses its threads by it."""
    instance_path = PROJECT_ROOT / "instance"
    return _settings(instance_path, {}).DATABASE_URL or f"sqlite:///{instance_path / 'registry.sqlite3'}"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    overrides = dict(test_config or {})
    settings = _settings(Path(app.instance_path), overrides)
    app.config.update(flask_config(settings, Path(app.instance_path)))
    # Flask keys given directly (tests) win over the derived ones.
    app.config.update({key: value for key, value in overrides.items()
                       if key not in {field.name for field in fields(Settings)}})  # fmt: skip

    if settings.TRUSTED_PROXIES:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only then is X-Forwarded-For believed: the audit log records the client's address.
        proxies = settings.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    from registry import access, cli, errors, security, templating
    from registry.extensions import babel, csrf, db, limiter, login_manager, migrate
    from registry.services import passwords

    db.init_app(app)
    # Deny by default comes first: an anonymous request is sent to log in before anything else.
    security.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=templating.select_locale,
                   timezone_selector=templating.select_timezone)  # fmt: skip
    limiter.init_app(app)
    passwords.configure(**app.config["PASSWORD_HASH_PARAMS"])

    templating.init_app(app)
    errors.init_app(app)
    access.init_app(app)
    _register_blueprints(app)
    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from registry.web.account.views import bp as account
    from registry.web.admin.views import bp as admin
    from registry.web.audit.views import bp as audit
    from registry.web.auth.views import bp as auth
    from registry.web.cases.views import bp as cases
    from registry.web.dashboard.views import bp as dashboard
    from registry.web.main.views import bp as main
    from registry.web.manifests.views import bp as manifests
    from registry.web.registrations.views import bp as registrations
    from registry.web.workflow.views import bp as workflow
    from registry.web.rights.views import bp as rights
    from registry.web.household.views import bp as household
    from registry.web.duplicates.views import bp as duplicates

    for blueprint in (main, auth, account, registrations, cases, workflow, dashboard, admin,
                      rights, audit, manifests, household, duplicates):
        app.register_blueprint(blueprint)
    _register_api(app)
    # Where a page declares no icon (a PDF opened in the browser), browsers ask for /favicon.ico:
    # the static files answer it with the registry's icon rather than a 404.
    app.add_url_rule("/favicon.ico", endpoint="static", defaults={"filename": "favicon.svg"})


def _register_api(app: Flask) -> None:
    """The JSON API: bearer tokens instead of sessions, so no CSRF token (its limits per token
    are set in registry/api/views.py)."""
    from registry.api.views import bp as api
    from registry.extensions import csrf

    csrf.exempt(api)
    app.register_blueprint(api)
