"""The start page, the health check and the QR-code verification link."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, url_for
from sqlalchemy import text

from registry.extensions import db
from registry.web.common import actor

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> Response:
    user = actor()
    if user.is_admin:
        return redirect(url_for("admin.index"))
    # A supervisor's day starts with what waits for them; an officer's with their own cases.
    if user.is_supervisor:
        return redirect(url_for("workflow.queue"))
    return redirect(url_for("workflow.my_cases"))


@bp.get("/health")
def health() -> Response:
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
