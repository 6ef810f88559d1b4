"""Administration: accounts, border points and partners; never people's data."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from registry.domain.errors import Forbidden, InvalidDetails
from registry.domain.i18n import N_
from registry.errors import rerender_on_csrf_error, translated
from registry.extensions import db
from registry.models import BorderPoint, Partner, User
from registry.models.base import utcnow
from registry.services import accounts, api_tokens
from registry.web.admin.forms import BorderPointForm, ConfirmForm, PartnerForm, UserForm
from registry.web.common import actor

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _administrators_only() -> None:
    # The access matrix says so too; kept here as the blueprint's own reminder.
    if not actor().is_admin:
        raise Forbidden(N_("This page is for administrators."))


def _show_errors(form, error: InvalidDetails) -> None:  # type: ignore[no-untyped-def]
    db.session.rollback()
    shown = False
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, _(message)]
            shown = True
    if not shown:
        flash(translated(error), "danger")


def _status(form) -> int:  # type: ignore[no-untyped-def]
    return 400 if form.csrf_token.errors else 422


def _point_choices() -> list[tuple[str, str]]:
    points = db.session.scalars(select(BorderPoint).order_by(BorderPoint.code)).all()
    return [(point.code, str(point)) for point in points]


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/")
def index() -> str:
    users = db.session.scalars(select(User).order_by(User.username)).all()
    points = db.session.scalars(select(BorderPoint).order_by(BorderPoint.code)).all()
    partners = db.session.scalars(select(Partner).order_by(Partner.name)).all()
    return render_template("admin/index.html", users=users, border_points=points, partners=partners)


# --- Accounts -----------------------------------------------------------------------------------


@bp.route("/users/new", methods=["GET", "POST"])
@rerender_on_csrf_error
def new_user() -> Response | str | tuple[str, int]:
    form = UserForm(border_points=_point_choices())
    if request.method == "GET":
        return render_template("admin/user_form.html", form=form, user=None)
    if form.validate_on_submit():
        password = accounts.temporary_password()
        try:
            user = accounts.create_user(
                form.username.data or "", password, form.role.data, form.border_points.data or [],
                all_border_points=form.all_border_points.data, full_name=form.full_name.data or "",
                temporary=True, actor=actor(),
            )
        except InvalidDetails as error:
            _show_errors(form, error)
            return render_template("admin/user_form.html", form=form, user=None), 422
        return render_template("admin/temporary_password.html", user=user, password=password,
                               created=True)  # fmt: skip
    return render_template("admin/user_form.html", form=form, user=None), _status(form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@rerender_on_csrf_error
def edit_user(user_id: int) -> Response | str | tuple[str, int]:
    user = _user(user_id)
    form = UserForm(border_points=_point_choices(), obj=None if request.method == "POST" else user)
    form.username.data = user.username  # not editable: it names the account in the audit log
    if request.method == "GET":
        form.border_points.data = [point.code for point in user.border_points]
        return _user_page(form, user)
    if form.validate_on_submit():
        try:
            changed = accounts.update_user(actor(), user, role=form.role.data,
                                           full_name=form.full_name.data or "",
                                           border_point_codes=form.border_points.data or [],
                                           all_border_points=form.all_border_points.data)  # fmt: skip
        except (InvalidDetails, Forbidden) as error:
            if isinstance(error, Forbidden):
                db.session.rollback()
                flash(translated(error), "danger")
            else:
                _show_errors(form, error)
            return _user_page(form, user), 422
        flash(_("Account %(username)s saved.", username=user.username) if changed
              else _("Nothing was changed."), "success")  # fmt: skip
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return _user_page(form, user), _status(form)


def _user_page(form: UserForm, user: User) -> str:
    return render_template("admin/user_form.html", form=form, user=user, confirm=ConfirmForm(),
                           open_cases=accounts.open_cases_of(user), tokens=api_tokens.tokens_of(user),
                           now=utcnow())  # fmt: skip


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Response:
    """Revoke an API token (made with `flask registry create-token`): refused from its next call."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        token = api_tokens.revoke(token_id, actor=actor())
    except InvalidDetails as error:
        db.session.rollback()
        flash(translated(error), "warning")
        return redirect(url_for("admin.index"))
    flash(_("Token %(prefix)s… of %(username)s revoked.", prefix=token.prefix,
            username=token.user.username), "success")  # fmt: skip
    return redirect(url_for("admin.edit_user", user_id=token.user_id))


@bp.post("/users/<int:user_id>/reset-password")
def reset_password(user_id: int) -> str | Response:
    user = _user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    password = accounts.reset_password(actor(), user)
    return render_template("admin/temporary_password.html", user=user, password=password, created=False)


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
def deactivate_user(user_id: int) -> str | Response | tuple[str, int]:
    """GET asks for confirmation, showing the open cases; POST deactivates."""
    user = _user(user_id)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("admin/deactivate.html", user=user, form=form,
                               open_cases=accounts.open_cases_of(user))  # fmt: skip
    if not form.validate_on_submit():
        abort(400)
    try:
        open_cases = accounts.deactivate(actor(), user)
    except Forbidden as error:
        db.session.rollback()
        flash(translated(error), "danger")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    flash(_("Account %(username)s deactivated: its sessions have ended.", username=user.username),
          "success")  # fmt: skip
    return render_template("admin/deactivate.html", user=user, form=form, open_cases=open_cases,
                           done=True)  # fmt: skip


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int) -> str:
    user = _user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    password = accounts.reactivate(actor(), user)
    return render_template("admin/temporary_password.html", user=user, password=password, created=False)


# --- Border points ------------------------------------------------------------------------------


def _save_point(form: BorderPointForm, point: BorderPoint | None) -> Response | tuple[str, int]:
    code = point.code if point is not None else form.code.data or ""
    if point is None and db.session.scalar(select(BorderPoint.id).where(BorderPoint.code == code.strip().upper())):
        form.code.errors = [*form.code.errors, _("A border point with this code exists already.")]
        return render_template("admin/border_point_form.html", form=form, point=point), 422
    try:
        saved = accounts.add_border_point(code, form.name.data or "", form.country.data or "",
                                          form.region.data or None, active=form.active.data,
                                          actor=actor())  # fmt: skip
    except InvalidDetails as error:
        _show_errors(form, error)
        return render_template("admin/border_point_form.html", form=form, point=point), 422
    flash(_("Border point %(point)s saved.", point=str(saved)), "success")
    return redirect(url_for("admin.index"))


@bp.route("/border-points/new", methods=["GET", "POST"])
@rerender_on_csrf_error
def new_border_point() -> Response | str | tuple[str, int]:
    form = BorderPointForm()
    if form.validate_on_submit():
        return _save_point(form, None)
    status = 200 if request.method == "GET" else _status(form)
    return render_template("admin/border_point_form.html", form=form, point=None), status


@bp.route("/border-points/<point_code>", methods=["GET", "POST"])
@rerender_on_csrf_error
def edit_border_point(point_code: str) -> Response | str | tuple[str, int]:
    point = db.session.scalar(select(BorderPoint).where(BorderPoint.code == point_code.upper()))
    if point is None:
        abort(404)
    form = BorderPointForm(obj=point if request.method == "GET" else None)
    form.code.data = point.code  # the prefix of its case numbers: never changes
    if form.validate_on_submit():
        return _save_point(form, point)
    status = 200 if request.method == "GET" else _status(form)
    return render_template("admin/border_point_form.html", form=form, point=point), status


# --- Partners (the reference list of organisations a case may be shared with) -----------------


@bp.route("/partners/new", methods=["GET", "POST"])
@rerender_on_csrf_error
def new_partner() -> Response | str | tuple[str, int]:
    return _partner_page(None)


@bp.route("/partners/<int:partner_id>", methods=["GET", "POST"])
@rerender_on_csrf_error
def edit_partner(partner_id: int) -> Response | str | tuple[str, int]:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        abort(404)
    return _partner_page(partner)


def _partner_page(partner: Partner | None) -> Response | str | tuple[str, int]:
    form = PartnerForm(obj=partner if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            accounts.save_partner(actor(), partner, name=form.name.data or "", kind=form.kind.data,
                                  agreement_reference=form.agreement_reference.data,
                                  active=form.active.data)  # fmt: skip
        except InvalidDetails as error:
            _show_errors(form, error)
            return render_template("admin/partner_form.html", form=form, partner=partner), 422
        flash(_("Partner %(name)s saved.", name=form.name.data), "success")
        return redirect(url_for("admin.index"))
    status = 200 if request.method == "GET" else _status(form)
    return render_template("admin/partner_form.html", form=form, partner=partner), status
