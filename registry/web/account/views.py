"""The account's settings: the language of the interface."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh

from registry.errors import rerender_on_csrf_error
from registry.services import accounts
from registry.templating import current_language, endonym
from registry.web.account.forms import BROWSER, LanguageChoiceForm
from registry.web.common import actor, client_ip, safe_next

bp = Blueprint("account", __name__, url_prefix="/account")


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
