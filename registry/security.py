"""Deny by default: who is logged in, how long a session lasts, and the headers every answer carries.

Who may use which page is the access matrix (registry/access.py), enforced here before every view.
"""

from __future__ import annotations

import time

from flask import (
    Flask,
    Request,
    Response,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_babel import gettext
from flask_login import current_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import ClientDisconnected

from registry import access
from registry.api.auth import API_PREFIX, is_api_request
from registry.extensions import db, login_manager
from registry.models import User
from registry.models.base import READ_ONLY
from registry.services import audit

# The only endpoints reachable without logging in (derived from the access matrix).
PUBLIC_ENDPOINTS = access.PUBLIC_ENDPOINTS

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# Session keys: when the password (and second factor) were checked, and the last request.
AUTH_AT = "auth_at"
SEEN_AT = "seen_at"
# The idle clock moves at most this often: the session cookie is signed and sent again only when
# something in it changes, so a page asked for within a minute of the last leaves it as it was.
# A session may therefore end up to this many seconds before its idle timeout, never after.
SEEN_AT_STEP = 60


# The account and its border points in one statement (the relationship alone would ask a second
# question): every request but the public ones starts here, so the statement is built once.
_ACCOUNT = select(User).where(User.id == bindparam("id")).options(joinedload(User.border_points))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session names the account and its nonce: a changed nonce ends every session."""
    account_id, _, nonce = user_id.partition(":")
    if not account_id.isdigit() or not nonce:
        return None
    user = db.session.scalars(_ACCOUNT, {"id": int(account_id)}).unique().one_or_none()
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


def start_session() -> None:
    """Called right after login_user(): the idle and absolute clocks start now."""
    now = int(time.time())
    session[AUTH_AT] = now
    session[SEEN_AT] = now


def expire_idle_and_old_sessions() -> None:
    """A session unused for SESSION_IDLE_MINUTES, or older than SESSION_HOURS, ends."""
    if request.endpoint == "static" or is_api_request() or not current_user.is_authenticated:
        return
    settings = current_app.config["REGISTRY"]
    now = int(time.time())
    auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
    idle = seen_at is None or now - int(seen_at) > settings.SESSION_IDLE_MINUTES * 60
    too_old = auth_at is None or now - int(auth_at) > settings.SESSION_HOURS * 3600
    if idle or too_old:
        from registry.services import audit

        audit.record("session_expired", actor=current_user._get_current_object(),
                     ip_address=request.remote_addr,
                     details={"reason": "idle" if idle else "absolute"})  # fmt: skip
        language = session.get("lang")
        logout_user()
        session.clear()
        if language:
            session["lang"] = language
        flash(gettext("Your session has expired. Log in again."), "info")
        return
    if now - int(seen_at) >= SEEN_AT_STEP:
        session[SEEN_AT] = now


def redirect_to_login() -> Response:
    if request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return redirect(url_for("auth.login"))


def redirect_to_password_change() -> Response:
    return redirect(url_for("account.password"))


def set_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if request.endpoint != "static":
        # Pages may hold a person's data: no copy in the browser's or a proxy's cache.
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS, even if not configured.

    The JSON API neither reads nor writes it: a call is its bearer token's, whatever cookie the
    client holds (registry/api/auth.py says why).
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(API_PREFIX):
            return self.null_session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if self.is_null_session(session):
            return None
        return super().save_session(app, session, response)

    def get_cookie_secure(self, app: Flask) -> bool:
        from flask import has_request_context

        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure
        )


# Pages that only read (and record that they were seen): on SQLite they read in a snapshot that
# never waits for, nor holds, the database's one write lock; their audit rows, and the rows they
# add with `audit.add_after_reading` (a printout's verification code), are written after, in a
# short transaction of their own (see services/audit.commit_snapshot). Any other request's
# transaction takes the write lock when it begins (models/base.py). A printout takes tens of
# milliseconds to build: holding the write lock meanwhile made every officer's next write wait.
SNAPSHOT_PAGES = frozenset({"cases.index", "cases.show", "workflow.queue", "workflow.my_cases",
                            "registrations.new", "cases.summary_pdf", "cases.slip_pdf",
                            "cases.declaration_pdf"})  # fmt: skip


# Forms that check a great deal before they write (a registration: validation, the photo, the
# duplicate check): the checks read in a snapshot too, and the view calls `audit.leave_snapshot()`
# just before writing, so that the write lock is held for the writing alone.
CHECKED_BEFORE_WRITING = frozenset({"registrations.new"})


def read_in_a_snapshot() -> None:
    if db.engine.dialect.name != "sqlite":
        return
    if ((request.method in ("GET", "HEAD") and request.endpoint in SNAPSHOT_PAGES)
            or (request.method == "POST" and request.endpoint in CHECKED_BEFORE_WRITING)):  # fmt: skip
        session = db.session()
        session.info[audit.SNAPSHOT] = True
        session.connection(execution_options={READ_ONLY: True})


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_cut_off_bodies() -> None:
    """A form whose body stopped short of its announced length is refused whole.

    gunicorn hands the application what arrived before a dropped connection, and the form parser
    reads it as if complete: "given_names=Jean-Pi" would be registered as "Jean-Pi". Reading the
    body first (at most MAX_CONTENT_LENGTH, kept for the form parser) and counting it closes that.
    """
    if request.mimetype not in FORM_TYPES or not request.content_length:
        return
    received = len(request.get_data(cache=True))
    if received < request.content_length:
        raise ClientDisconnected()


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    app.session_interface = SessionInterface()

    @login_manager.unauthorized_handler
    def unauthorized() -> Response:
        flash(gettext("Log in to see this page."), "info")
        return redirect(url_for("auth.login"))

    app.before_request(refuse_cut_off_bodies)
    app.before_request(read_in_a_snapshot)  # before the user is loaded: that is the first query

    @app.before_request
    def _session_is_permanent() -> None:
        # Set only when it is not yet: setting it marks the session changed, to be sent again.
        if not session.permanent and not is_api_request():
            session.permanent = True

    app.before_request(expire_idle_and_old_sessions)
    app.before_request(access.enforce)
    app.after_request(set_headers)
