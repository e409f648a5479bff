"""Turning what a source knows about a child into a feed record, mistakes included.

The field order is fixed (it is the order of the Feed record in CONTRACTS.md) so that
the same inputs always serialise to the same bytes.
"""

from __future__ import annotations

import random
from datetime import date

from contactpoint.synth import mistakes
from contactpoint.synth.dates import days
from contactpoint.synth.geography import Address
from contactpoint.synth.habits import RecordingHabits
from contactpoint.synth.identifiers import corrupt_nhs_number, corrupt_upn
from contactpoint.synth.organisations import Organisation
from contactpoint.synth.people import Adult, Child
from contactpoint.synth.seeding import MixingPermutation, below, between

ROWS_PER_CHUNK_LIMIT = 8192  # source ids are unique while a chunk has fewer rows per source
SOURCE_ID_BITS = 27  # 2**27 ids (nine digits): 8,192 rows a chunk for 32 million children
_NO_ADDRESS = ("none_known", "left_england")


# Every time of day from 07:00:00 to 18:59:59, formatted once (formatting per row was slow).
_OFFICE_HOURS = tuple(
    f"T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
    for second in range(7 * 3600, 19 * 3600)
)


def timestamp(day: date, rng: random.Random) -> str:
    """An ISO UTC time on that day in office hours, as batch loads stamp records."""
    return day.isoformat() + _OFFICE_HOURS[int(rng.random() * len(_OFFICE_HOURS))]


def service(
    kind: str,
    organisation: Organisation,
    start: date | None,
    *,
    end: date | None = None,
    practitioner: str | None = None,
    lead: bool = False,
    caf: bool = False,
    consent: str | None = None,
) -> dict:
    return {
        "type": kind,
        "organisation": organisation.name,
        "organisation_code": organisation.code,
        "practitioner": practitioner,
        "phone": organisation.phone,
        "email": organisation.email,
        "start_date": start.isoformat() if start else None,
        "end_date": end.isoformat() if end else None,
        "lead_professional": lead,
        "caf": caf,
        "consent": consent,
    }


class RecordMaker:
    """Builds one source's rows for one chunk, counting each mistake it makes."""

    def __init__(
        self,
        source: str,
        habits: RecordingHabits,
        rng: random.Random,
        ids: MixingPermutation,
        chunk_index: int,
    ) -> None:
        self.source = source
        self.habits = habits
        self.rng = rng
        self.ids = ids
        self.next_key = chunk_index * ROWS_PER_CHUNK_LIMIT
        self.key_limit = self.next_key + ROWS_PER_CHUNK_LIMIT
        self.mistakes: dict[str, int] = {}

    def new_source_id(self, prefix: str) -> str:
        if self.next_key >= self.key_limit:
            raise OverflowError(f"{self.source}: too many rows in one chunk for unique ids")
        number = self.ids(self.next_key)
        self.next_key += 1
        return f"{prefix}{number:09d}"

    def made(self, mistake: str) -> None:
        self.mistakes[mistake] = self.mistakes.get(mistake, 0) + 1

    def knows_move(self, moved_on: date, snapshot: date) -> date | None:
        """The day this system learnt of a move, or None if it has not (yet)."""
        habits, rng = self.habits, self.rng
        if rng.random() < habits.address_never_updated:
            return None
        learnt = moved_on + days(int(rng.expovariate(1 / habits.address_update_days)))
        return learnt if learnt <= snapshot else None

    def names(self, child: Child, snapshot: date) -> tuple[list[str], str, list[str]]:
        """Given names, family name and former names as this system holds them."""
        family, former = child.family_name, []
        if child.former_family_name and child.name_changed_on:
            stale = (
                child.name_changed_on > snapshot
                or self.rng.random() < self.habits.name_change_never_updated
            )
            if stale:
                family = child.former_family_name
            elif child.former_name_source == self.source:
                former = [child.former_family_name]
        return list(child.given_names), family, former

    def written_names(self, child: Child, snapshot: date) -> tuple[list[str], str, list[str]]:
        """The names as someone keyed them: short forms, halves, slips of the finger."""
        habits, rng, made = self.habits, self.rng, self.made
        random = rng.random  # bound once: this runs for every row
        given, family, former = self.names(child, snapshot)
        if len(given) > 1 and random() < habits.middle_names_dropped:
            given = given[:1]
        if random() < habits.short_form:
            shorter = mistakes.short_form(given, rng)
            if shorter:
                given = shorter
                made("short_form")
        if "-" in family and random() < habits.surname_part:
            family = mistakes.surname_part(family, rng) or family
            made("surname_part")
        if random() < habits.punctuation:
            changed = mistakes.punctuation(family, rng)
            if changed is not None:
                family = changed
                made("punctuation")
        if random() < habits.given_typo:
            given[0] = mistakes.typo(given[0], rng)
            made("given_typo")
        if random() < habits.family_typo:
            family = mistakes.typo(family, rng)
            made("family_typo")
        return given, family, former

    def record(
        self,
        child: Child,
        *,
        source_id: str,
        recorded_at: str,
        snapshot: date,
        address: Address | None,
        address_status: str | None,
        identifiers: dict,
        carers: list[dict],
        services: list[dict],
        preferred_name: str | None = None,
        gender: str | None = None,
    ) -> dict:
        habits, made = self.habits, self.made
        random = self.rng.random  # bound once: this runs for every row
        given, family, former = self.written_names(child, snapshot)
        given_text = " ".join(given)
        if random() < habits.names_swapped:
            given_text, family = family, given_text
            made("names_swapped")
        fold = random() < habits.accents_dropped
        if fold and not (given_text + family).isascii():
            given_text, family = mistakes.drop_accents(given_text), mistakes.drop_accents(family)
            former = [mistakes.drop_accents(name) for name in former]
            made("accents_dropped")
        caps = random() < habits.all_caps
        if caps:
            given_text, family, former = (
                given_text.upper(),
                family.upper(),
                [n.upper() for n in former],
            )
            preferred_name = preferred_name.upper() if preferred_name else None
        elif random() < habits.family_caps:
            family = family.upper()
            made("family_caps")
        if fold or caps:
            for carer in carers:
                carer["given_names"] = _fold_case(carer["given_names"], fold, caps)
                carer["family_name"] = _fold_case(carer["family_name"], fold, caps)
        if gender is None:
            gender = child.gender
        if random() < habits.gender_missing:
            gender = None if random() < 0.5 else "unspecified"
            made("gender_missing")
        recorded_address = self.address(address, fold, caps)
        return {
            "source_id": source_id,
            "action": "upsert",
            "recorded_at": recorded_at,
            "given_names": given_text,
            "family_name": family,
            "former_family_names": former,
            "preferred_name": preferred_name,
            "date_of_birth": self.date_of_birth(child, snapshot),
            "gender": gender,
            "address": recorded_address,
            "address_status": address_status
            if recorded_address or address_status in _NO_ADDRESS
            else None,
            "identifiers": identifiers,
            "carers": carers,
            "services": services,
        }

    def date_of_birth(self, child: Child, snapshot: date) -> str | None:
        """As recorded: sometimes day and month swapped or a day out, never in the future."""
        habits, rng = self.habits, self.rng
        born = child.date_of_birth
        if rng.random() < habits.bad_row:
            kind = below(rng, 3)
            self.made(
                ("bad_row_no_date_of_birth", "bad_row_impossible_date", "bad_row_too_old")[kind]
            )
            if kind == 0:
                return None
            if kind == 1:
                return mistakes.impossible_date(born, rng)
            return born.replace(
                year=born.year - between(rng, 25, 40), day=min(born.day, 28)
            ).isoformat()
        if rng.random() < habits.day_month_swapped:
            swapped = mistakes.swap_day_and_month(born)
            if swapped and swapped <= snapshot:
                self.made("day_month_swapped")
                return swapped.isoformat()
        if rng.random() < habits.day_off_by_one:
            slipped = mistakes.day_off_by_one(born, rng)
            if slipped <= snapshot:
                self.made("day_off_by_one")
                return slipped.isoformat()
        return born.isoformat()

    def address(self, address: Address | None, fold: bool, caps: bool) -> dict | None:
        habits, rng = self.habits, self.rng
        if address is None:
            return None
        if rng.random() < habits.address_missing:
            self.made("address_missing")
            return None
        lines, postcode = address.lines(), address.postcode
        if rng.random() < habits.address_abbreviated:
            lines = mistakes.abbreviate(lines, rng)
            self.made("address_abbreviated")
        if rng.random() < habits.postcode_format:
            postcode = mistakes.postcode_format(postcode, rng)
            self.made("postcode_format")
        town = address.district.town
        if fold or caps:
            lines = [_fold_case(line, fold, caps) for line in lines]
            town = _fold_case(town, fold, caps)
        return {
            "lines": lines,
            "town": town,
            "postcode": postcode,
            "uprn": address.uprn
            if self.source == "nhs_demographics" and rng.random() < 0.8
            else None,
        }

    def identifiers(self, child: Child) -> dict:
        habits, rng = self.habits, self.rng
        nhs = (
            child.nhs_number if child.nhs_number and rng.random() < habits.nhs_number_held else None
        )
        upn = child.upn if child.upn and rng.random() < habits.upn_held else None
        if (nhs or upn) and rng.random() < habits.invalid_identifier:
            self.made("invalid_identifier")
            if nhs:
                nhs = corrupt_nhs_number(nhs)
            else:
                upn = corrupt_upn(upn or "")
        return {"nhs_number": nhs, "upn": upn}


def _fold_case(text: str, fold: bool, caps: bool) -> str:
    if fold and not text.isascii():
        text = mistakes.drop_accents(text)
    return text.upper() if caps else text


def carer_entry(
    adult: Adult,
    relationship: str,
    responsibility: bool,
    *,
    with_email: bool = True,
    address: dict | None = None,
) -> dict:
    return {
        "given_names": adult.given_names,
        "family_name": adult.family_name,
        "relationship": relationship,
        "parental_responsibility": responsibility,
        "phone": adult.phone,
        "email": adult.email if with_email else None,
        "address": address,
    }
