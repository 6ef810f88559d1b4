"""Deny by default: who is logged in, which endpoints are open, and the headers every answer carries."""

from __future__ import annotations

from flask import Flask, Response, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry.extensions import db, login_manager
from registry.models import User

# The only endpoints reachable without logging in.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.set_language", "main.health", "static"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session names the account and its nonce: a changed nonce ends every session."""
    account_id, _, nonce = user_id.partition(":")
    if not account_id.isdigit() or not nonce:
        return None
    user = db.session.scalar(select(User).where(User.id == int(account_id)))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


def require_login() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if current_user.is_authenticated:
        return None
    if request.endpoint is None:  # an unknown URL: 404 for everyone, but never a hint
        return None
    if request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return redirect(url_for("auth.login"))


def set_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if request.endpoint != "static":
        # Pages may hold a person's data: no copy in the browser's or a proxy's cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def unauthorized() -> Response:
        flash(_("Log in to see this page."), "info")
        return redirect(url_for("auth.login"))

    @app.before_request
    def _session_is_permanent() -> None:
        session.permanent = True

    app.before_request(require_login)
    app.after_request(set_headers)
