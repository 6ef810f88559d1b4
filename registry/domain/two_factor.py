"""Time-based one-time passwords (RFC 6238, with pyotp): a code is accepted once, never replayed."""

from __future__ import annotations

import hmac
import time

import pyotp

# Codes of the previous and next 30-second step are accepted too: phones' clocks drift.
DRIFT_STEPS = 1
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def matching_step(secret: str, code: str, last_used_step: int | None,
                  now: float | None = None) -> int | None:  # fmt: skip
    """The time step whose code this is, if it is valid and newer than the last one accepted.

    A code already used (its step, or an earlier one, was accepted before) is refused: someone
    who watched it being typed cannot use it again within its 30 seconds.
    """
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return None
    step = current_step(now)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(secret, candidate), code):
            if last_used_step is not None and candidate <= last_used_step:
                return None
            return candidate
    return None
