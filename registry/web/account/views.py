"""One's own account: the password (forced after a temporary one), the second factor, the language."""

from __future__ import annotations

import base64

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
from flask_babel import refresh
from flask_login import login_user

from registry.domain import two_factor
from registry.domain.errors import InvalidDetails
from registry.errors import rerender_on_csrf_error, translated
from registry.security import start_session
from registry.services import accounts
from registry.templating import current_language, endonym
from registry.web.account.forms import (
    BROWSER,
    DisableTwoFactorForm,
    EnableTwoFactorForm,
    LanguageChoiceForm,
    PasswordChangeForm,
)
from registry.web.common import actor, client_ip, safe_next

bp = Blueprint("account", __name__, url_prefix="/account")
# The secret offered while the user sets up their app; saved on the account once a code matches.
PENDING_SECRET = "pending_totp_secret"  # noqa: S105 - the session key's name, not a secret


def _show_errors(form, error: InvalidDetails) -> None:  # type: ignore[no-untyped-def]
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, _(message)]
    if not error.fields:
        flash(translated(error), "danger")


@bp.route("/password", methods=["GET", "POST"])
@rerender_on_csrf_error
def password() -> Response | str | tuple[str, int]:
    user = actor()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(user, form.current_password.data or "", form.password.data or "",
                                     client_ip())  # fmt: skip
        except InvalidDetails as error:
            _show_errors(form, error)
            return render_template("account/password.html", form=form), 422
        # The other sessions ended with the old nonce; this one carries on under the new one.
        login_user(user)
        start_session()
        flash(_("Your password has been changed. Your other sessions have ended."), "success")
        return redirect(url_for("main.index"))
    status = 200 if request.method == "GET" else (400 if form.csrf_token.errors else 422)
    return render_template("account/password.html", form=form), status


def _qr_data_uri(text: str, border: int = 4) -> str:
    """An SVG QR code as a data: URI (the CSP allows data: images, not inline scripts)."""
    from registry.documents.base import _qr_modules  # the printed documents' fast encoder

    modules = _qr_modules(text)
    size = len(modules) + 2 * border
    runs = []
    for y, row in enumerate(modules):
        start = None
        for x, dark in enumerate((*row, False)):
            if dark and start is None:
                start = x
            elif not dark and start is not None:
                runs.append(f"M{start + border} {y + border}h{x - start}v1h-{x - start}z")
                start = None
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
           f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(runs)}" fill="#000"/></svg>')
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@bp.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@rerender_on_csrf_error
def two_factor_page() -> Response | str | tuple[str, int]:
    user = actor()
    if user.totp_enabled:
        return render_template("account/two_factor.html", enabled=True, form=DisableTwoFactorForm())
    secret = session.get(PENDING_SECRET) or two_factor.new_secret()
    session[PENDING_SECRET] = secret
    form = EnableTwoFactorForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.enable_two_factor(user, secret, form.code.data or "", client_ip())
        except InvalidDetails as error:
            _show_errors(form, error)
            status = 422
        else:
            session.pop(PENDING_SECRET, None)
            flash(_("The second factor is on: each login now asks for a code."), "success")
            return redirect(url_for("account.two_factor"))
    elif request.method == "POST":
        status = 400 if form.csrf_token.errors else 422
    issuer = current_app.config["REGISTRY"].ORGANISATION_NAME
    uri = two_factor.provisioning_uri(secret, user.username, issuer)
    return render_template("account/two_factor.html", enabled=False, form=form, secret=secret,
                           qr=_qr_data_uri(uri)), status  # fmt: skip


@bp.post("/two-factor/disable")
def disable_two_factor() -> Response | tuple[str, int]:
    user = actor()
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        try:
            accounts.disable_two_factor(user, form.password.data or "", client_ip())
        except InvalidDetails as error:
            _show_errors(form, error)
        else:
            flash(_("The second factor is off."), "info")
            return redirect(url_for("account.two_factor"))
    return render_template("account/two_factor.html", enabled=True, form=form), 422


@bp.route("/language", methods=["GET", "POST"])
@rerender_on_csrf_error
def language() -> Response | str | tuple[str, int]:
    user = actor()
    form = LanguageChoiceForm()
    if request.method == "GET":
        form.lang.data = user.locale or BROWSER
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_template("account/language.html", form=form)
    if form.validate_on_submit():
        accounts.set_language(user, form.chosen_locale, current_app.config["REGISTRY"].LANGUAGES,
                              ip_address=client_ip())  # fmt: skip
        refresh()  # this answer already speaks the language chosen
        flash(_("The interface is now in %(language)s.", language=endonym(current_language())),
              "success")  # fmt: skip
        return redirect(safe_next(form.next.data) or url_for("account.language"))
    form.next.data = safe_next(form.next.data) or ""  # the Cancel link: never another site
    status = 400 if form.csrf_token.errors else 422
    return render_template("account/language.html", form=form), status
