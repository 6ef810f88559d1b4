"""Logging in and out, and the language chosen before login."""

from __future__ import annotations

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

from registry.errors import rerender_on_csrf_error
from registry.extensions import limiter
from registry.services import accounts
from registry.web.auth.forms import LanguageForm, LoginForm
from registry.web.common import actor, audit_here, client_ip, safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["REGISTRY"].LOGIN_RATE_LIMIT


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@rerender_on_csrf_error
def login() -> Response | str | tuple[str, int]:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data or "", form.password.data or "", client_ip())
        if user is not None:
            chosen_language = session.get("lang")
            # A new session on login: nothing from before survives but the language chosen.
            session.clear()
            login_user(user)
            if user.locale is None and chosen_language:
                user.locale = chosen_language
            return redirect(safe_next(form.next.data) or url_for("main.index"))
        # The failed attempt's audit row must survive the 401 answer.
        from registry.extensions import db

        db.session.commit()
        form.password.errors.append(_("Unknown username or wrong password."))
        return render_template("auth/login.html", form=form, language_form=_language_form()), 401
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


@bp.post("/logout")
def logout() -> Response:
    audit_here("logout", object_type="user", object_id=actor().id)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
