"""Writes the audit log: who did what to which record, from where. Rows are never changed."""

from __future__ import annotations

from typing import Any

from registry.extensions import db
from registry.models import AuditEntry, User


def record(
    action: str,
    *,
    actor: User | None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    ip_address: str | None = None,
    details: dict[str, Any] | None = None,
    actor_username: str | None = None,
) -> AuditEntry:
    """Add one audit row to the current transaction. `details` holds field names, never values."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_username=actor.username if actor is not None else actor_username,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        ip_address=ip_address,
        details=details or {},
    )
    db.session.add(entry)
    return entry
