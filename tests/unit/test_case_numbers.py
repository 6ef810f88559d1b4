"""Case numbers: how they are written and recognised, past a million cases a year too."""

from __future__ import annotations

import pytest

from registry.domain.cases import CASE_NUMBER, format_case_number, looks_like_case_number


@pytest.mark.parametrize("sequence", [1, 42, 999_999, 1_000_000, 12_345_678])
def test_every_number_written_is_recognised(sequence):
    number = format_case_number("MNY", 2026, sequence)
    assert looks_like_case_number(number) and looks_like_case_number(f"  {number.lower()} ")
    assert int(CASE_NUMBER.fullmatch(number)["sequence"]) == sequence


def test_the_millionth_case_of_a_year_grows_a_digit():
    assert format_case_number("MNY", 2026, 999_999) == "MNY-2026-999999"
    assert format_case_number("MNY", 2026, 1_000_000) == "MNY-2026-1000000"


@pytest.mark.parametrize("text", ["", "MNY-2026-00042", "MNY-26-000042", "M-2026-000042", "MNY2026000042",
                                  "MNY-2026-000042-1", "MNY-2026-12345678901", "MNY-2026-00004a", "Niyonzima"])
def test_other_text_is_not_a_case_number(text):
    assert not looks_like_case_number(text)
