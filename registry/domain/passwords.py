"""The password policy: at least 12 characters, not one of the most common passwords, not the username."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

from registry.domain.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 1024
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# Stripped from both ends before the list is consulted: "password2026!" is still "password".
PADDING = string.digits + string.punctuation + string.whitespace


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str) -> bool:
    """In the list, in it once padding is removed, a repetition of a listed one, or only padding."""
    lowered = password.lower()
    common = common_passwords()
    core = lowered.strip(PADDING)
    if lowered in common or core in common or not core:
        return True
    if len(set(lowered)) <= 2:  # "aaaaaaaaaaaa", "abababababab"
        return True
    for size in range(1, len(core) // 2 + 1):
        if len(core) % size == 0 and core[:size] * (len(core) // size) == core:
            if core[:size] in common or size <= 3:
                return True
    return False


def problems(password: str, username: str = "") -> list[str]:
    """The rules the password breaks, as untranslated messages (empty: acceptable)."""
    if len(password) < MIN_LENGTH:
        return [N_("A password has at least 12 characters.")]
    if len(password) > MAX_LENGTH:
        return [N_("A password has at most 1024 characters.")]
    if len(username) >= 4 and username.lower() in password.lower():
        return [N_("A password must not contain the username.")]
    if is_common(password):
        return [N_("This password is too common or too easy to guess. A few unrelated words "
                   "make a good password.")]  # fmt: skip
    return []
