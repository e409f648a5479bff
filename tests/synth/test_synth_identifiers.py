"""Synthetic NHS numbers and UPNs are valid, unique, and not in the children's order."""

from __future__ import annotations

from stdnum.gb import nhs, upn

from contactpoint.synth.identifiers import NhsNumberIssuer, UpnIssuer, corrupt_nhs_number, corrupt_upn


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
