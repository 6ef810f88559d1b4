"""The code printed in each document's QR link: proves the link was issued by this registry."""

from __future__ import annotations

import base64
import hashlib
import hmac


def verification_code(secret_key: str, case_number: str) -> str:
    """A short keyed code for the case number: no personal data, cannot be guessed."""
    digest = hmac.new(secret_key.encode(), f"verify:{case_number}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode().lower()


def is_valid(secret_key: str, case_number: str, code: str) -> bool:
    return hmac.compare_digest(verification_code(secret_key, case_number), code.lower())
