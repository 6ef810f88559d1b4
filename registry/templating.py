"""Locale and time zone selection, and what templates may call to show values."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext
from flask_login import current_user

from registry.domain import labels, reference


def select_locale() -> str:
    languages = current_app.config["REGISTRY"].LANGUAGES
    if not has_request_context():
        return "en"
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or "en"


def select_timezone() -> str:
    return current_app.config["REGISTRY"].TIMEZONE


def today() -> date:
    """Today at the border points (the configured time zone), not on the server's clock."""
    return datetime.now(ZoneInfo(current_app.config["REGISTRY"].TIMEZONE)).date()


def current_language() -> str:
    return str(get_locale() or "en")


def label_of(kind: str, code: str | None) -> str:
    return gettext(labels.label(kind, code)) if code else ""


def country_of(code: str | None) -> str:
    if code in reference.SPECIAL_NATIONALITIES:
        return gettext(reference.SPECIAL_NATIONALITIES[code])
    return reference.country_name(code, current_language())


def language_of(code: str | None) -> str:
    return reference.language_name(code, current_language())


def show_date(value: date | None) -> str:
    return format_date(value, "medium") if value else ""


def show_datetime(value: datetime | None) -> str:
    return format_datetime(value, "medium") if value else ""


def show_number(value: float | int | None) -> str:
    """A number as the reader's language writes it (1,234 / 1 234)."""
    return format_decimal(value) if value is not None else ""


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        label_of=label_of,
        country_of=country_of,
        language_of=language_of,
        current_language=current_language,
    )
    app.jinja_env.filters.update(
        show_date=show_date, show_datetime=show_datetime, language_of=language_of, country_of=country_of,
        show_number=show_number,
    )
    app.jinja_env.policies["ext.i18n.trimmed"] = True
