"""Idempotency-Key: a POST retried with the same key gets the first answer, not a second person.

The key is claimed (a row inserted and flushed) before the request does anything, in the same
transaction as its work: a second request with the key waits on the unique index until the first
commits, then finds its answer. A refused request (4xx) rolls back, key included, so it can be
sent again. Keys are kept IDEMPOTENCY_HOURS per token; the same key with another body is 422.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Response, request
from flask_babel import gettext
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from registry.api import problems
from registry.extensions import db
from registry.models import IdempotentRequest
from registry.models.base import utcnow

IDEMPOTENCY_HOURS = 24
MAX_KEY_LENGTH = 200
HEADER = "Idempotency-Key"


@dataclass
class Claim:
    row: IdempotentRequest | None = None
    replay: Response | None = None


def _body_hash(body: bytes) -> str:
    # The parsed body, so that spacing or the order of keys does not make another request.
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def _replay(row: IdempotentRequest, request_hash: str) -> Response:
    if row.request_hash != request_hash or row.endpoint != request.endpoint:
        return problems.problem(422, gettext(
            "This Idempotency-Key was already used for another request. Use a new key for a new request."
        ), type_=problems.IDEMPOTENCY_KEY_REUSED)  # fmt: skip
    response = Response(json.dumps(row.response_body), status=row.status_code or 200,
                        mimetype="application/json")  # fmt: skip
    response.headers["Idempotent-Replayed"] = "true"
    if row.location:
        response.headers["Location"] = row.location
    return response


def claim(token_id: int) -> Claim:
    """Claim the request's key for this token, or the answer to replay. No key: nothing to do."""
    key = request.headers.get(HEADER)
    if key is None:
        return Claim()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        return Claim(replay=problems.problem(
            400, gettext("An Idempotency-Key is 1 to %(max)s printable characters.", max=MAX_KEY_LENGTH)
        ))  # fmt: skip
    request_hash = _body_hash(request.get_data())
    forget_expired()
    existing = db.session.scalar(select(IdempotentRequest).where(
        IdempotentRequest.token_id == token_id, IdempotentRequest.key == key))  # fmt: skip
    if existing is not None:
        return Claim(replay=_replay(existing, request_hash))
    row = IdempotentRequest(token_id=token_id, key=key, endpoint=request.endpoint or "",
                            request_hash=request_hash, created_at=utcnow())  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # Another request with this key committed meanwhile: its answer is ours.
        existing = db.session.scalar(select(IdempotentRequest).where(
            IdempotentRequest.token_id == token_id, IdempotentRequest.key == key))  # fmt: skip
        if existing is None or existing.status_code is None:
            raise
        return Claim(replay=_replay(existing, request_hash))
    return Claim(row=row)


def remember(claim: Claim, status: int, body: dict[str, Any], location: str | None = None) -> None:
    """Keep the answer for the key's retries (committed with the request's work)."""
    if claim.row is None:
        return
    claim.row.status_code = status
    claim.row.response_body = body
    claim.row.location = location
    db.session.flush()


def forget_expired() -> int:
    """Delete keys older than IDEMPOTENCY_HOURS (any token); returns how many."""
    cutoff = utcnow() - timedelta(hours=IDEMPOTENCY_HOURS)
    result = db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
