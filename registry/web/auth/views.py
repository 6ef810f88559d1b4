"""Logging in and out, and the language chosen before login."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from registry.domain.errors import TooManyAttempts
from registry.errors import rerender_on_csrf_error, translated
from registry.extensions import db, limiter
from registry.models import User
from registry.security import start_session
from registry.services import accounts
from registry.web.auth.forms import LanguageForm, LoginForm, TwoFactorForm
from registry.web.common import actor, audit_here, client_ip, safe_next

# The session key of a login whose password was right and whose second factor is awaited.
PENDING_LOGIN = "pending_login"
PENDING_LOGIN_SECONDS = 300

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["REGISTRY"].LOGIN_RATE_LIMIT


def login_limits() -> accounts.LoginLimits:
    settings = current_app.config["REGISTRY"]
    return accounts.LoginLimits(per_account=settings.LOGIN_FAILURES_PER_ACCOUNT,
                                per_address=settings.LOGIN_FAILURES_PER_ADDRESS,
                                window_seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)  # fmt: skip


def _log_in(user: User, next_url: str | None) -> Response:
    chosen_language = session.get("lang")
    # A new session on login: nothing from before survives but the language chosen.
    session.clear()
    login_user(user)
    start_session()
    if user.locale is None and chosen_language:
        user.locale = chosen_language
    if user.must_change_password:
        flash(_("You were given a temporary password: choose your own now."), "info")
        return redirect(url_for("account.password"))
    return redirect(safe_next(next_url) or url_for("main.index"))


def _refused(form: LoginForm | TwoFactorForm, template: str, message: str, status: int):  # type: ignore[no-untyped-def]
    # The failed attempt's audit row (and its count for the throttle) must survive the refusal.
    db.session.commit()
    field = form.password if isinstance(form, LoginForm) else form.code
    field.errors.append(message)
    extra = {"language_form": _language_form()} if isinstance(form, LoginForm) else {}
    return render_template(template, form=form, **extra), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@rerender_on_csrf_error
def login() -> Response | str | tuple[str, int]:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data or "", form.password.data or "",
                                         client_ip(), login_limits())  # fmt: skip
        except TooManyAttempts as error:
            return _refused(form, "auth/login.html", translated(error), 429)
        if user is None:
            return _refused(form, "auth/login.html", _("Unknown username or wrong password."), 401)
        if user.totp_enabled:
            session[PENDING_LOGIN] = {"user": user.get_id(), "at": int(time.time()),
                                      "next": safe_next(form.next.data) or ""}  # fmt: skip
            return redirect(url_for("auth.two_factor"))
        return _log_in(user, form.next.data)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, language_form=_language_form()), status


def _language_form() -> LanguageForm:
    form = LanguageForm()
    from registry.templating import current_language

    form.lang.data = current_language()
    return form


@bp.post("/language")
def set_language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    return redirect(safe_next(request.form.get("next")) or url_for("auth.login"))


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@rerender_on_csrf_error
def two_factor() -> Response | str | tuple[str, int]:
    """The second step of a login for an account with a second factor."""
    pending = session.get(PENDING_LOGIN) or {}
    user = _pending_user(pending)
    if user is None:
        session.pop(PENDING_LOGIN, None)
        flash(_("Log in again."), "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        try:
            accepted = accounts.verify_second_factor(user, form.code.data or "", client_ip(),
                                                     login_limits())  # fmt: skip
        except TooManyAttempts as error:
            session.pop(PENDING_LOGIN, None)
            return _refused(form, "auth/two_factor.html", translated(error), 429)
        if not accepted:
            return _refused(form, "auth/two_factor.html",
                            _("This code is wrong, expired or was already used."), 401)  # fmt: skip
        return _log_in(user, pending.get("next"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/two_factor.html", form=form), status


def _pending_user(pending: dict) -> User | None:  # type: ignore[type-arg]
    from registry.security import load_user

    if not pending or time.time() - int(pending.get("at", 0)) > PENDING_LOGIN_SECONDS:
        return None
    user = load_user(str(pending.get("user", "")))
    return user if user is not None and user.totp_enabled else None


@bp.post("/logout")
def logout() -> Response:
    user = actor()
    audit_here("logout", object_type="user", object_id=user.id)
    # The session cookie is the browser's: a copy kept elsewhere must stop working too.
    user.end_sessions()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
