"""Synthetic NHS numbers and UPNs are valid, unique, and not in the children's order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from stdnum.gb import nhs, upn

from contactpoint.identity.identifiers import nhs_check_digit as identity_nhs_check_digit
from contactpoint.synth.identifiers import (
    NhsNumberIssuer,
    UpnIssuer,
    corrupt_nhs_number,
    corrupt_upn,
    nhs_check_digit,
    upn_check_letter,
)


def test_nhs_numbers_are_valid_unique_and_english():
    issue = NhsNumberIssuer(42)
    numbers = [issue(index) for index in range(30_000)]
    assert len(set(numbers)) == len(numbers)
    assert all(nhs.is_valid(number) for number in numbers)
    assert all(number[0] in "467" for number in numbers)
    assert sorted(numbers) != numbers


def test_nhs_numbers_are_the_same_for_the_same_seed_only():
    assert NhsNumberIssuer(1)(5) == NhsNumberIssuer(1)(5)
    assert NhsNumberIssuer(1)(5) != NhsNumberIssuer(2)(5)


def test_upns_are_valid_and_unique_within_an_authority_and_year():
    issue = UpnIssuer(42)
    numbers = [issue(index, 383, 2019) for index in range(20_000)]
    assert len(set(numbers)) == len(numbers)
    assert all(upn.is_valid(number) for number in numbers)
    assert all(number[1:4] == "383" and number[8:10] == "19" for number in numbers)


def test_corrupted_identifiers_fail_their_checks():
    number = NhsNumberIssuer(3)(77)
    assert not nhs.is_valid(corrupt_nhs_number(number))
    pupil = UpnIssuer(3)(77, 330, 2020)
    assert not upn.is_valid(corrupt_upn(pupil))


@given(st.integers(0, 999_999_999))
def test_nhs_check_digit_agrees_with_the_identity_package(body):
    expected = identity_nhs_check_digit(f"{body:09d}")
    assert nhs_check_digit(body) == (None if expected is None else int(expected))


@given(st.integers(0, 999_999_999_999))
def test_upn_check_letter_agrees_with_python_stdnum(body):
    assert upn_check_letter(body) == upn.calc_check_digit(f"{body:012d}")
