"""The matching view of one source record: folded names, date of birth, where, who.

Built from the loader's normalised record, never from display forms, so 'O'NEILL'
and 'oneill' (and a curly apostrophe) compare as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contactpoint.identity.normalise import fold

SEXES = ("female", "male")


@dataclass(frozen=True, slots=True)
class Profile:
    given: tuple[str, ...]
    #: The family name's words: 'smith jones' for Smith-Jones, so a part can match.
    family: tuple[str, ...]
    former: tuple[str, ...]
    dob: str
    sex: str | None
    postcode: str | None
    nhs: str | None
    upn: str | None
    #: (given, family) of each carer, folded.
    carers: tuple[tuple[str, str], ...]
    source: str = ""

    def __reduce__(self) -> tuple[type[Profile], tuple[object, ...]]:
        # Crosses from the reading worker in every row: a frozen dataclass's own pickling
        # looks its fields up per object, several times slower than this.
        return (Profile, (self.given, self.family, self.former, self.dob, self.sex,
                          self.postcode, self.nhs, self.upn, self.carers, self.source))

    @property
    def first_given(self) -> str:
        return self.given[0] if self.given else ""

    @property
    def family_full(self) -> str:
        return " ".join(self.family)


def profile(record: dict[str, Any], source: str = "") -> Profile:
    address = record.get("address") or {}
    identifiers = record.get("identifiers") or {}
    gender = record.get("gender")
    carers = tuple(
        (fold(c.get("given_names") or "").split(" ")[0], fold(c.get("family_name") or ""))
        for c in record.get("carers") or [])
    return Profile(
        given=tuple(fold(record["given_names"]).split()),
        family=tuple(fold(record["family_name"]).split()),
        former=tuple(f for f in (fold(n) for n in record.get("former_family_names") or []) if f),
        dob=record["date_of_birth"],
        sex=gender if gender in SEXES else None,
        postcode=address.get("postcode"),
        nhs=identifiers.get("nhs_number"),
        upn=identifiers.get("upn"),
        carers=carers,
        source=source,
    )
