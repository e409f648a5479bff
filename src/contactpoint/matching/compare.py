"""Comparing two profiles field by field: the comparison levels of a Fellegi-Sunter model.

Each comparison maps a pair of records to a level (0 is the strongest agreement) or to
None when either side lacks the field (a null level carries no evidence). The levels'
weights are estimated from the data (matching.training); this module only observes.
Pure Python; rapidfuzz's Jaro-Winkler is the string similarity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rapidfuzz.distance import OSA, JaroWinkler

from contactpoint.identity.normalise import postcode_district, postcode_sector
from contactpoint.matching.names import phonetic, same_name_family
from contactpoint.matching.profile import Profile

Level = int | None


def _jw(a: str, b: str) -> float:
    return JaroWinkler.similarity(a, b)


def one_typo_apart(x: str, y: str) -> bool:
    """One letter changed, dropped, added, or two neighbours swapped (Damerau, OSA)."""
    return x != y and OSA.distance(x, y, score_cutoff=1) == 1


def short_form(x: str, y: str) -> bool:
    """One name cut short from the other (Cat, Catriona; Dom, Dominic): three letters at
    least, two letters cut at least (one letter more or less is a typo, or another name:
    Aisha, Aishah)."""
    short, full = sorted((x, y), key=len)
    return len(short) >= 3 and len(full) >= len(short) + 2 and full.startswith(short)


def _second_names_differ(a: Profile, b: Profile) -> bool:
    # Siblings may share a first name (Muhammad Ali, Muhammad Hassan): both give a second
    # name and the second names are not one typo apart.
    if len(a.given) < 2 or len(b.given) < 2 or a.given[1] == b.given[1]:
        return False
    return not one_typo_apart(a.given[1], b.given[1])


def given_name(a: Profile, b: Profile) -> Level:
    x, y = a.first_given, b.first_given
    if not x or not y:
        return None
    if x == y or same_name_family(x, y):
        # Brothers Muhammad Ali and Mohammed Hassan are no nickname of each other.
        if _second_names_differ(a, b):
            return 7
        return 0 if x == y else 1
    if x in b.given[1:] or y in a.given[1:] or short_form(x, y):
        return 1
    if one_typo_apart(x, y):
        return 2
    similarity = _jw(x, y)
    if similarity >= 0.92:
        return 3
    if phonetic(x) == phonetic(y):
        return 4
    if similarity >= 0.80:
        return 5
    if x[0] == y[0] and (len(x) == 1 or len(y) == 1):
        return 6
    return 8


def family_name(a: Profile, b: Profile) -> Level:
    x, y = a.family_full, b.family_full
    if not x or not y:
        return None
    if x == y:
        return 0
    if set(a.family) & set(b.family) or x.replace(" ", "") == y.replace(" ", ""):
        return 1  # a part of a double-barrelled or hyphenated name, or spacing
    similarity = _jw(x, y)
    if similarity >= 0.92:
        return 2
    if phonetic(x.replace(" ", "")) == phonetic(y.replace(" ", "")):
        return 3
    if x in b.former or y in a.former or set(a.former) & set(b.former):
        return 4
    if similarity >= 0.80:
        return 5
    return 6


def names_swapped(a: Profile, b: Profile) -> Level:
    """0 when given and family names are exchanged between the two records."""
    if not (a.given and b.given and a.family and b.family):
        return None
    straight = a.first_given == b.first_given and a.family_full == b.family_full
    crossed = a.first_given in b.family and b.first_given in a.family
    return 0 if crossed and not straight else 1


def date_of_birth(a: Profile, b: Profile) -> Level:
    """How two dates of birth differ, by the mistakes a system makes writing one date:
    day and month swapped, a day out, one wrong digit in the year or month."""
    if a.dob == b.dob:
        return 0
    ya, ma, da = a.dob.split("-")
    yb, mb, db = b.dob.split("-")
    if ya == yb and ma == db and da == mb:
        return 1
    try:
        gap = abs((date.fromisoformat(a.dob) - date.fromisoformat(b.dob)).days)
    except ValueError:
        gap = 999
    if gap == 1:
        return 2
    if da == db and (ya == yb) != (ma == mb):
        return 3  # the year or the month alone is wrong
    if ya == yb and ma == mb:
        return 4
    return 5


def postcode(a: Profile, b: Profile) -> Level:
    if not a.postcode or not b.postcode:
        return None
    if a.postcode == b.postcode:
        return 0
    if postcode_sector(a.postcode) == postcode_sector(b.postcode):
        return 1
    if postcode_district(a.postcode) == postcode_district(b.postcode):
        return 2
    return 3


def sex(a: Profile, b: Profile) -> Level:
    if not a.sex or not b.sex:
        return None
    return 0 if a.sex == b.sex else 1


def nhs_number(a: Profile, b: Profile) -> Level:
    if not a.nhs or not b.nhs:
        return None
    return 0 if a.nhs == b.nhs else 1


def pupil_number(a: Profile, b: Profile) -> Level:
    if not a.upn or not b.upn:
        return None
    return 0 if a.upn == b.upn else 1


def household(a: Profile, b: Profile) -> Level:
    """Where the child lives and with whom, as one comparison.

    Postcode and carers are not independent (a family shares both, and so do
    siblings): counted separately they would add up to a match between brothers.
    """
    place = postcode(a, b)
    shared_carer = (bool(set(a.carers) & set(b.carers))
                    if a.carers and b.carers else None)
    if place is None and shared_carer is None:
        return None
    if place == 0:
        return 0 if shared_carer else 1
    if shared_carer:
        return 2
    if shared_carer is False:
        # Both list carers and none is shared: another family, or a child who moved to
        # other carers; far rarer for one child than a postcode not yet updated.
        return 5
    if place in (1, 2):
        return 3
    return 4


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[str, ...]
    observe: Callable[[Profile, Profile], Level]


COMPARISONS: tuple[Comparison, ...] = (
    Comparison("given_name", ("exact", "nickname, short form or other given name",
                              "one typo apart", "jaro-winkler >= 0.92", "same sound",
                              "jaro-winkler >= 0.80", "initial",
                              "same first name, different second name", "different"),
               given_name),
    Comparison("family_name", ("exact", "part of the name", "jaro-winkler >= 0.92",
                               "same sound", "former name", "jaro-winkler >= 0.80",
                               "different"), family_name),
    Comparison("names_swapped", ("given and family swapped", "not swapped"), names_swapped),
    Comparison("date_of_birth", ("exact", "day and month swapped", "a day apart",
                                 "only the year or the month wrong", "same year and month",
                                 "different"), date_of_birth),
    Comparison("household", ("same postcode and a carer", "same postcode",
                              "a carer, postcode elsewhere or unknown",
                              "same sector or district", "different",
                              "postcode elsewhere, carers listed and none shared"),
               household),
    Comparison("sex", ("same", "different"), sex),
    Comparison("nhs_number", ("same", "different"), nhs_number),
    Comparison("upn", ("same", "different"), pupil_number),
)
INDEX = {c.name: i for i, c in enumerate(COMPARISONS)}


def observe(a: Profile, b: Profile) -> tuple[Level, ...]:
    """The comparison vector of a pair. Symmetric: observe(a, b) == observe(b, a)."""
    levels = [c.observe(a, b) for c in COMPARISONS]
    if levels[INDEX["names_swapped"]] == 0:
        # The swap explains both name disagreements; count it once, as the swap.
        levels[INDEX["given_name"]] = levels[INDEX["family_name"]] = None
    return tuple(levels)
