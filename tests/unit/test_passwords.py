"""The password policy (plain Python, no app)."""

from __future__ import annotations

import pytest

from registry.domain.passwords import common_passwords, is_common, problems


def test_the_shipped_list_holds_the_most_common_passwords():
    common = common_passwords()
    assert len(common) >= 10_000 and {"123456", "password", "qwerty", "letmein"} <= common


@pytest.mark.parametrize("password", [
    "123qweasdzxc", "1qaz2wsx3edc", "qwerty123456", "Password2026!", "!!dragon2026!!",
    "passwordpassword", "monkeymonkeymonkey", "aaaaaaaaaaaaa", "abababababab", "123456789012345",
    "abcabcabcabc",
])  # fmt: skip
def test_common_and_predictable_passwords_are_refused(password):
    assert is_common(password)
    assert problems(password) != []


@pytest.mark.parametrize("password", [
    "correct horse battery", "border-demo-2026", "mango tractor violin", "Kigoma rain at dawn 7",
])  # fmt: skip
def test_long_uncommon_passwords_are_accepted(password):
    assert problems(password, "neema") == []


def test_the_rules_in_order():
    assert problems("short") == ["A password has at least 12 characters."]
    assert problems("x" * 1025) == ["A password has at most 1024 characters."]
    assert problems("neema.mushi rules ok", "neema.mushi") == ["A password must not contain the username."]
    assert problems("jo likes long walks", "jo") == []  # a two-letter username is not policed
