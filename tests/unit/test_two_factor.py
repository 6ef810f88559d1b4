"""TOTP codes (RFC 6238): valid within a step's drift, never twice."""

from __future__ import annotations

import pyotp

from registry.domain import two_factor

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_000.0


def test_the_current_code_is_accepted_and_names_its_step():
    code = pyotp.TOTP(SECRET).at(NOW)
    assert two_factor.matching_step(SECRET, code, None, now=NOW) == two_factor.current_step(NOW)


def test_a_neighbouring_steps_code_is_accepted_for_clock_drift():
    previous = pyotp.TOTP(SECRET).at(NOW - 30)
    assert two_factor.matching_step(SECRET, previous, None, now=NOW) == two_factor.current_step(NOW) - 1
    too_old = pyotp.TOTP(SECRET).at(NOW - 90)
    assert two_factor.matching_step(SECRET, too_old, None, now=NOW) is None


def test_a_code_already_used_is_refused_and_so_is_an_older_one():
    step = two_factor.current_step(NOW)
    code = pyotp.TOTP(SECRET).at(NOW)
    assert two_factor.matching_step(SECRET, code, step, now=NOW) is None
    older = pyotp.TOTP(SECRET).at(NOW - 30)
    assert two_factor.matching_step(SECRET, older, step, now=NOW) is None
    newer = pyotp.TOTP(SECRET).at(NOW + 30)
    assert two_factor.matching_step(SECRET, newer, step, now=NOW) == step + 1


def test_malformed_codes_are_refused():
    for code in ("", "12345", "1234567", "abcdef", "12 34 5x"):
        assert two_factor.matching_step(SECRET, code, None, now=NOW) is None


def test_spaces_typed_in_a_code_are_ignored():
    code = pyotp.TOTP(SECRET).at(NOW)
    assert two_factor.matching_step(SECRET, f"{code[:3]} {code[3:]}", None, now=NOW) is not None


def test_the_provisioning_uri_names_the_account_and_the_issuer():
    uri = two_factor.provisioning_uri(SECRET, "grace", "Migrant Registry")
    assert uri.startswith("otpauth://totp/Migrant%20Registry:grace?") and f"secret={SECRET}" in uri
