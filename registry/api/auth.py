"""Who calls the API: the account of a bearer token, never a session cookie.

The API is exempt from CSRF checks because a browser cannot be made to send a bearer token; were
the session cookie accepted too, any site could make an officer's browser call the API.
"""

from __future__ import annotations

from flask import g, request
from werkzeug.exceptions import Unauthorized

from registry.models import User
from registry.services import api_tokens

API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


class TokenRefused(Unauthorized):
    """No token, or one that is unknown, revoked, expired or of a deactivated account."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def authenticate_request() -> User:
    """The token's account, acting for this request with its role and border points."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefused("missing")
    row = api_tokens.authenticate(token.strip())
    if row is None:
        raise TokenRefused("refused")
    g.api_token = row
    # Flask-Login's current user for this request only: nothing is written to a session.
    g._login_user = row.user
    return row.user


def token_id() -> int | None:
    row = g.get("api_token")
    return row.id if row is not None else None
