"""What name and phone search compare: words of folded names, phone digits last first."""

from __future__ import annotations

import pytest

from registry.domain.names import fold, name_tokens, phone_digits_reversed, phone_search_key


def test_name_tokens_are_the_distinct_words_of_the_folded_names():
    assert name_tokens(fold("Jean-Pierre NDAYISHIMIYE jean")) == ["jean", "pierre", "ndayishimiye"]
    assert name_tokens(fold("Zoé Ñdayishimiye")) == ["zoe", "ndayishimiye"]
    assert name_tokens(fold("محمد")) == ["mhmd"]
    assert name_tokens("") == [] and name_tokens(None) == []


def test_a_very_long_word_is_cut():
    assert name_tokens("a" * 500) == ["a" * 40]


@pytest.mark.parametrize("phone, key", [
    ("+255 712 345 678", "876543217552"),
    ("(0712) 345-678", "8765432170"),
    ("", None),
    (None, None),
    ("no digits", None),
])  # fmt: skip
def test_phone_digits_reversed(phone, key):
    assert phone_digits_reversed(phone) == key


@pytest.mark.parametrize("text, key", [
    ("0712 345 678", "876543217"),  # the trunk 0 dropped: a suffix of the stored number
    ("+255712345678", "876543217552"),
    ("712-345-678", "876543217"),
    ("12345", None),  # too few digits to mean one number
    ("Aline 0712345678", None),  # not a phone number
    ("MNY-2026-000042", None),
    ("%", None),
])  # fmt: skip
def test_phone_search_key(text, key):
    assert phone_search_key(text) == key


def test_a_number_typed_without_country_code_is_a_prefix_of_the_stored_key():
    stored = phone_digits_reversed("+257 79 123 456")
    assert stored.startswith(phone_search_key("79 123 456"))
