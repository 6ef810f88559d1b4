"""Suspected duplicates: the supervisor's list, merge (and undo), or "not a duplicate"."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from registry.domain.errors import InvalidDetails, NotAllowed
from registry.errors import translated
from registry.extensions import db
from registry.services import audit, duplicates
from registry.web.common import actor, client_ip
from registry.web.duplicates.forms import DecisionForm, MergeForm

bp = Blueprint("duplicates", __name__, url_prefix="/duplicates")


@bp.get("/")
def review() -> str:
    user = actor()
    pairs = duplicates.review_list(user)
    audit.record("duplicates_view", actor=user, object_type="page", object_id="duplicates.review",
                 ip_address=client_ip(), details={"pairs": [view.pair.id for view in pairs]})  # fmt: skip
    return render_template("duplicates/review.html", pairs=pairs, merges=duplicates.merges_of(user),
                           decision_form=DecisionForm(formdata=None), merge_form=MergeForm(formdata=None))  # fmt: skip


def _refused(error: InvalidDetails | NotAllowed) -> Response:
    db.session.rollback()
    flash(" ".join([translated(error), *(_(m) for m in error.fields.values())]), "danger")
    return redirect(url_for("duplicates.review"))


@bp.post("/<int:pair_id>/not-duplicate")
def not_duplicate(pair_id: int) -> Response:
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Say why (at least 5 characters)."), "danger")
        return redirect(url_for("duplicates.review"))
    try:
        duplicates.mark_not_duplicate(actor(), pair_id, reason=form.reason.data or "", ip_address=client_ip())
    except (InvalidDetails, NotAllowed) as error:
        return _refused(error)
    flash(_("Recorded as two different people; this pair will not be shown again."), "success")
    return redirect(url_for("duplicates.review"))


@bp.post("/<int:pair_id>/merge")
def merge(pair_id: int) -> Response:
    form = MergeForm()
    user = actor()
    pair = duplicates.get_pair(user, pair_id)
    if not form.validate_on_submit() or form.keep.data not in (pair.person_id, pair.other_person_id):
        flash(_("Choose which record to keep and say why."), "danger")
        return redirect(url_for("duplicates.review"))
    merged = pair.other_person_id if form.keep.data == pair.person_id else pair.person_id
    try:
        duplicates.merge_people(user, form.keep.data, merged, reason=form.reason.data or "",
                                ip_address=client_ip(), pair_id=pair.id)  # fmt: skip
    except (InvalidDetails, NotAllowed) as error:
        return _refused(error)
    flash(_("Merged. The other record is kept as an alias; the merge can be undone below."), "success")
    return redirect(url_for("duplicates.review"))


@bp.post("/merges/<int:merge_id>/undo")
def undo_merge(merge_id: int) -> Response:
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Say why (at least 5 characters)."), "danger")
        return redirect(url_for("duplicates.review"))
    try:
        duplicates.undo_merge(actor(), merge_id, reason=form.reason.data or "", ip_address=client_ip())
    except (InvalidDetails, NotAllowed) as error:
        return _refused(error)
    flash(_("Merge undone: both records are as they were, and the pair is open again."), "success")
    return redirect(url_for("duplicates.review"))
