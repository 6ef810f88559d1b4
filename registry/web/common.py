"""What every view needs: the acting user, the client's address, and audit rows for this request."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_login import current_user

from registry.models import User
from registry.services import audit


def actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def client_ip() -> str | None:
    return request.remote_addr


def timezone() -> str:
    return current_app.config["REGISTRY"].TIMEZONE


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def audit_here(action: str, **kwargs: Any) -> None:
    audit.record(action, actor=actor(), ip_address=client_ip(), **kwargs)
