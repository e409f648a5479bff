"""Identifiers: the index's own ContactPoint ID and those issued by other bodies.

python-stdnum carries the published check algorithms (NHS number mod 11, the DfE's
UPN check letter, Damm); this module decides which we accept and how we print them.
"""

from __future__ import annotations

import secrets

from stdnum import damm
from stdnum.exceptions import ValidationError
from stdnum.gb import nhs, upn

__all__ = [
    "InvalidIdentifier",
    "format_contactpoint_id",
    "new_contactpoint_id",
    "nhs_check_digit",
    "normalise_contactpoint_id",
    "normalise_nhs_number",
    "normalise_upn",
]


class InvalidIdentifier(ValueError):
    """An identifier fails its format or check. The message never repeats the value."""


def normalise_nhs_number(value: str) -> str:
    """Return the 10-digit NHS number, or raise InvalidIdentifier (mod 11 check)."""
    try:
        return str(nhs.validate(value))
    except ValidationError as exc:
        raise InvalidIdentifier(f"NHS number fails its mod 11 check or format ({exc})") from None


def nhs_check_digit(body: str) -> str | None:
    """The mod 11 check digit for the first nine digits, or None when none exists (10).

    python-stdnum validates NHS numbers but does not compute the digit, which the
    synthetic population and test factories need.
    """
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
    check = (11 - remainder) % 11
    return None if check == 10 else str(check)


def normalise_upn(value: str) -> str:
    """Return the 13-character Unique Pupil Number, or raise InvalidIdentifier.

    Checks the format and the DfE check letter. Unlike python-stdnum's `validate` it does
    not insist the local-authority number is on stdnum's 2011 list: authorities have been
    created since (and more will be), and refusing their pupils' numbers would hide
    matches.
    """
    number = upn.compact(value)
    if len(number) != 13 or not number[1:12].isdigit() or not number.isascii():
        raise InvalidIdentifier("UPN must be a letter, 11 digits and a digit or letter")
    try:
        expected = upn.calc_check_digit(number[1:])
    except ValueError:
        raise InvalidIdentifier("UPN has a character no UPN may hold") from None
    if expected != number[0]:
        raise InvalidIdentifier("UPN fails its check letter")
    return number


def new_contactpoint_id() -> str:
    """A fresh ContactPoint ID: 9 random digits and a Damm check digit.

    Random (from the OS CSPRNG), never sequential and never derived from personal data,
    so ids cannot be guessed, enumerated or linked back to a person. The first digit is
    never 0 (ids survive spreadsheets), and ids that would also pass the NHS number check
    are skipped so that neither can be mistaken for the other.
    """
    while True:
        body = str(secrets.randbelow(900_000_000) + 100_000_000)
        check = damm.calc_check_digit(body)
        if nhs_check_digit(body) != check:
            return body + check


def normalise_contactpoint_id(value: str) -> str:
    """Accept '123 456 7890' or '123-456-7890'; raise InvalidIdentifier otherwise."""
    compact = "".join(ch for ch in value if ch not in " -")
    if len(compact) != 10 or not compact.isascii() or not compact.isdigit():
        raise InvalidIdentifier("a ContactPoint ID is 10 digits")
    if compact[0] == "0" or not damm.is_valid(compact):
        raise InvalidIdentifier("ContactPoint ID fails its check digit")
    return compact


def format_contactpoint_id(value: str) -> str:
    return f"{value[:3]} {value[3:6]} {value[6:]}"
