"""Bearer tokens for the JSON API: made for an account, shown once, stored hashed, revoked."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from registry.domain.errors import InvalidDetails, NotFound
from registry.domain.i18n import N_
from registry.extensions import db
from registry.models import ApiToken, User
from registry.models.base import utcnow
from registry.services import audit

# Every token starts so: a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "mreg_"  # noqa: S105 - a marker, not a secret
TOKEN = re.compile(r"^mreg_[A-Za-z0-9_-]{43}$")
DEFAULT_DAYS = 90
MAX_DAYS = 730
# Writing "last used" on every call would make every read a write; once a minute says enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, *, expires_in_days: int | None = DEFAULT_DAYS,
                 actor: User | None = None, created_by: str | None = None) -> tuple[ApiToken, str]:  # fmt: skip
    """A new token for `user`: the row and the token itself (shown once, never stored)."""
    if not user.active:
        raise InvalidDetails(N_("This account is deactivated: it gets no token."))
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise InvalidDetails(N_("A token lasts from 1 to %(days)s days."), params={"days": MAX_DAYS})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        user=user,
        token_hash=token_hash(token),
        prefix=token[: len(TOKEN_PREFIX) + 6],
        created_at=now,
        created_by=actor.username if actor is not None else created_by,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record("api_token_created", actor=actor, actor_username=created_by, object_type="user",
                 object_id=user.username, details={"token_id": row.id,
                                                   "expires_in_days": expires_in_days})  # fmt: skip
    return row, token


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ))  # fmt: skip


def revoke(token_id: int, *, actor: User | None = None, revoked_by: str | None = None) -> ApiToken:
    """Revoke a token: from its next call on it is refused (401)."""
    row = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if row is None:
        raise NotFound(N_("No token %(id)s."), params={"id": token_id})
    if row.revoked_at is not None:
        raise InvalidDetails(N_("This token was already revoked."))
    row.revoked_at = utcnow()
    row.revoked_by = actor.username if actor is not None else revoked_by
    db.session.flush()
    audit.record("api_token_revoked", actor=actor, actor_username=revoked_by, object_type="user",
                 object_id=row.user.username, details={"token_id": row.id})  # fmt: skip
    return row


def authenticate(token: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token row for a presented bearer token; None for an unknown, revoked or
    expired token, or one whose account was deactivated."""
    if not TOKEN.match(token):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    now = now or utcnow()
    if row is None or not row.usable(now):
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        row.last_used_at = now
    return row
