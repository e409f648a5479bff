"""The API's input patterns are no looser than the rules behind them: what a pattern
lets through, the service takes (so a request the description calls valid is not
refused for that field)."""

from __future__ import annotations

from typing import Annotated

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field as PydanticField
from pydantic import TypeAdapter, ValidationError

from contactpoint.api import fields
from contactpoint.errors import BadRequest, free_text
from contactpoint.identity.normalise import check_name, normalise_postcode

# Letters of several scripts, combining marks, the punctuation names use, and what they
# must not hold (digits, symbols, controls, invisible formatting).
_ALPHABET = st.sampled_from(list(
    "aZéßŁøΩжлআ中ก"  # letters
    "\u0301\u0308\u0327"  # combining marks
    "'’‘-‐‑. "  # name punctuation
    "09@#_!\t\x00\x85\u200b\u202e"))  # refused
_TEXTS = st.text(_ALPHABET, max_size=12)


def _matches(pattern: str, value: str) -> bool:
    """As a client validating against the description would judge it (ECMA regex)."""
    return jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid(value)


def _pydantic_takes(pattern: str, value: str) -> bool:
    """As the server judges it before the operation runs (pydantic, Rust regex)."""
    try:
        TypeAdapter(Annotated[str, PydanticField(pattern=pattern)]).validate_python(value)
    except ValidationError:
        return False
    return True


@settings(max_examples=300, derandomize=True, database=None)
@given(_TEXTS)
def test_a_name_the_pattern_takes_is_a_name(value):
    assert _matches(fields.NAME, value) == _pydantic_takes(fields.NAME, value)
    if _matches(fields.NAME, value):
        check_name(value)


@settings(max_examples=300, derandomize=True, database=None)
@given(_TEXTS)
def test_text_the_pattern_takes_is_clean_text(value):
    for pattern in (fields.TEXT, fields.STATED):
        assert _matches(pattern, value) == _pydantic_takes(pattern, value)
    if _matches(fields.TEXT, value):
        free_text(value, "reason")
    if _matches(fields.STATED, value):
        assert free_text(value, "reason")


@pytest.mark.parametrize("value", ["LS1 4AP", "ls14ap", "SW1A 1AA", "M1 1AE", "b33 8th"])
def test_postcodes_the_pattern_takes_are_postcodes(value):
    assert _matches(fields.POSTCODE, value)
    normalise_postcode(value)


@pytest.mark.parametrize("value", ["LS1", "LS1 4A", "1S1 4AP", "LS1  4AP", "LS1 4AP!"])
def test_the_postcode_pattern_refuses_what_is_not_one(value):
    assert not _matches(fields.POSTCODE, value)


@pytest.mark.parametrize("value", ["O'Neill", "Jean-Luc", "St. John", "Zoë", "Łucja",
                                   "Nguyễn", "Сергей", "Ó Briain"])
def test_real_names_are_taken(value):
    assert _matches(fields.NAME, value)


@pytest.mark.parametrize("value", ["", " Ann", "-Ann", "Ann2", "Robert'); DROP", "A\u200bnn"])
def test_what_is_not_a_name_is_refused(value):
    assert not _matches(fields.NAME, value)
    assert not _pydantic_takes(fields.NAME, value)


def test_free_text_refuses_what_the_pattern_refuses():
    assert not _matches(fields.TEXT, "a\x00b")
    with pytest.raises(BadRequest):
        free_text("a\x00b", "reason")
