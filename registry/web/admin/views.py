"""Administration: accounts and border points, never people's data."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from registry.domain.errors import Forbidden
from registry.domain.i18n import N_
from registry.extensions import db
from registry.models import BorderPoint, User
from registry.web.common import actor

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _administrators_only() -> None:
    if not actor().is_admin:
        raise Forbidden(N_("This page is for administrators."))


@bp.get("/")
def index() -> str:
    users = db.session.scalars(select(User).order_by(User.username)).all()
    points = db.session.scalars(select(BorderPoint).order_by(BorderPoint.code)).all()
    return render_template("admin/index.html", users=users, border_points=points)
