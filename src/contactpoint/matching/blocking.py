"""Blocking: which stored records are worth comparing with an incoming one.

Each source record is indexed under several keys, turned into blind-index tokens, so
candidates are found by token equality without any plaintext and without a full scan.
Several passes, so that one wrong field does not hide the right child:

- date of birth with the sound of each name word (given, family, a part of a
  double-barrelled name, and the formal form of a nickname): survives a misspelt or
  swapped name, a partial surname, a nickname;
- year of birth with the sounds of given and family name (in either order): survives a
  wrong day or month;
- postcode with the sound of the given or family name, and postcode with the date of
  birth: survive a wrong date or a changed surname at the same address;
- NHS number and UPN.

Queries widen the date of birth (day and month swapped, a day either side) and the
year (one either side); what is stored stays small.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta

from contactpoint.matching.names import canonical_forms, phonetic
from contactpoint.matching.profile import Profile

Key = tuple[str, ...]


def _name_sounds(p: Profile) -> set[str]:
    words = set(p.given) | set(p.family)
    if p.given:
        words |= canonical_forms(p.first_given)
    return {phonetic(w) for w in words if w} - {""}


def _pair(p: Profile) -> tuple[str, str]:
    first, family = phonetic(p.first_given), phonetic(p.family_full.replace(" ", ""))
    return (first, family) if first <= family else (family, first)


def _dob_variants(dob: str) -> set[str]:
    variants = {dob}
    year, month, day = dob.split("-")
    with suppress(ValueError):  # no such date with day and month swapped
        variants.add(date(int(year), int(day), int(month)).isoformat())
    born = date.fromisoformat(dob)
    for d in (-1, 1):
        with suppress(OverflowError):  # a day either side of 0001-01-01 or 9999-12-31
            variants.add((born + timedelta(days=d)).isoformat())
    return variants


def _keys(p: Profile, dobs: set[str], years: set[str]) -> set[Key]:
    keys: set[Key] = set()
    sounds = _name_sounds(p)
    for dob in dobs:
        keys |= {("blk:dob+name", dob, s) for s in sounds}
    if p.given and p.family:
        pair = _pair(p)
        keys |= {("blk:year+names", year, *pair) for year in years}
    if p.postcode:
        keys |= {("blk:postcode+name", p.postcode, s)
                 for s in {phonetic(p.first_given), phonetic(p.family_full.replace(" ", ""))}
                 if s}
        keys |= {("blk:postcode+dob", p.postcode, dob) for dob in dobs}
    if p.nhs:
        keys.add(("id:nhs_number", p.nhs))
    if p.upn:
        keys.add(("id:upn", p.upn))
    return keys


#: The date of birth alone: never a matching key (too many children share a birthday to
#: compare a record with them all), but what lets a search on a misspelt family name and
#: a date of birth still find the child (search.service).
DOB_ONLY = "blk:dob"
#: The date of birth with the first letter of a family-name word: for a search whose
#: misspelt family name no longer sounds like the child's (a typo seldom changes the
#: first letter), a twentieth of the children born that day. Not a matching key either.
DOB_INITIAL = "blk:dob+initial"


#: The keys only a search asks by: stored for every record, never looked up by matching.
SEARCH_ONLY_KEYS = frozenset({DOB_ONLY, DOB_INITIAL})


def index_keys(p: Profile) -> set[Key]:
    """Keys a stored record is indexed under."""
    return _keys(p, {p.dob}, {p.dob[:4]}) | {(DOB_ONLY, p.dob)} | dob_initial_keys(p)


def dob_initial_keys(p: Profile) -> set[Key]:
    """The date-of-birth-and-initial keys of a record or a search: its date with the first
    letter of each family-name word."""
    return {(DOB_INITIAL, p.dob, word[0]) for word in p.family if word}


def dob_key(dob: str) -> Key:
    """The date-of-birth-only key of a search: that date alone. (Its slips are not
    widened here: a misspelt name with a slipped date as well would weigh four days'
    children, 600 of them at 1,000,000; a given name in the search still finds it.)"""
    return (DOB_ONLY, dob)


def query_keys(p: Profile) -> set[Key]:
    """Keys to look an incoming record up by: the index keys, widened."""
    year = int(p.dob[:4])
    return _keys(p, _dob_variants(p.dob), {str(year - 1), str(year), str(year + 1)})
