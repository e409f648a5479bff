"""The truth: households of synthetic children, as they really are.

Each source system later sees part of this truth, late and with mistakes (see
``sources`` and ``mistakes``). Households are drawn chunk by chunk from a stream that
depends only on the seed and the chunk's number, so any chunk can be built alone.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from contactpoint.synth.dates import days
from contactpoint.synth.geography import MOBILE_PREFIX, random_address
from contactpoint.synth.mistakes import drop_accents
from contactpoint.synth.name_variants import TWIN_PAIRS
from contactpoint.synth.names import sikh_middle_name, surname_for
from contactpoint.synth.people import (
    Adult,
    CarerLink,
    Child,
    Household,
    SocialCareCase,
    academic_age,
    age_on,
)
from contactpoint.synth.seeding import below, between, pick, stream
from contactpoint.synth.world import World

CHILDREN_PER_CHUNK = 2000
_BIRTHS_IN_HOUSEHOLD = ((1, 0.42), (2, 0.38), (3, 0.14), (4, 0.045), (5, 0.012), (6, 0.003))
TWIN_BIRTH_RATE = 0.0155  # ~3% of children are a twin
TRIPLET_BIRTH_RATE = 0.00017  # ~0.05% of children are a triplet
MOVED_RATE = 0.14  # households that moved home in the last two years
EMIGRATED_RATE = 0.005
NO_FIXED_ABODE_RATE = 0.002
SOCIAL_CARE_RATE = 0.055  # children known to children's social care in the last 4 years
NAME_CHANGE_RATE = 0.012  # children whose surname changed (besides step-families)
INDEPENDENT_SCHOOL_RATE = 0.065  # not in the school census
HOME_EDUCATED_RATE = 0.012
SOURCES_RECORDING_FORMER_NAMES = ("nhs_demographics", "social_care", "school_census")
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


_FAMILY_KINDS = (  # share of households with children (step-families need two births)
    ("two_parents", 0.64),
    ("lone_mother", 0.24),
    ("step_family", 0.07),
    ("lone_father", 0.025),
    ("kinship", 0.015),
)


def _family_kind(roll: float, *, births: int) -> str:
    for kind, share in _FAMILY_KINDS:
        roll -= share
        if roll < 0:
            return "two_parents" if kind == "step_family" and births < 2 else kind
    return "two_parents"


class HouseholdBuilder:
    """Draws the households of one chunk."""

    def __init__(self, world: World, chunk_index: int, today: date) -> None:
        self.world = world
        self.names = world.names
        self.rng = stream(world.seed, "population", chunk_index, today.isoformat())
        self.today = today
        self.chunk_index = chunk_index

    # --- people -------------------------------------------------------------------------

    def adult(self, culture: str, sex: str, family_name: str, rng: random.Random) -> Adult:
        given = self.names.adult_first_name(culture, sex, rng)
        phone = f"{MOBILE_PREFIX}{below(rng, 1000):03d}" if rng.random() < 0.93 else None
        email = None
        if rng.random() < 0.45:
            local = drop_accents(f"{given}.{family_name}").lower().replace(" ", "").replace("'", "")
            email = f"{local}{below(rng, 100)}@{pick(rng, _EMAIL_DOMAINS)}"
        return Adult(given, family_name, sex, phone, email)

    def build(self, children_wanted: int, first_index: int) -> list[Household]:
        return list(self.households(children_wanted, first_index))

    def households(self, children_wanted: int, first_index: int) -> Iterator[Household]:
        """Households one after another until they hold the children wanted."""
        index, remaining, number = first_index, children_wanted, 0
        while remaining > 0:
            household = self.household(number, self.household_size(), remaining, index)
            born = len(household.children)  # counted first: the caller may let go of them
            yield household
            number += 1
            index += born
            remaining -= born

    def household_size(self) -> int:
        roll = self.rng.random()
        for size, share in _BIRTHS_IN_HOUSEHOLD:
            roll -= share
            if roll < 0:
                return size
        return 1

    def household(self, number: int, births: int, limit: int, first_index: int) -> Household:
        rng, world = self.rng, self.world
        district = world.districts[int(world.district_picker.pick(rng))]
        culture = world.culture_pickers[district.authority.code].pick(rng)
        household = Household(number, culture, district, random_address(district, rng))
        household.primary_pick = below(rng, 5)
        household.secondary_pick = below(rng, 2)
        household.gp_pick = below(rng, 3)
        household.early_years_pick = below(rng, 4)
        household.independent_school = rng.random() < INDEPENDENT_SCHOOL_RATE
        household.claims_child_benefit = rng.random() < 0.9
        sizes = self.birth_sizes(births, limit)
        dates = self.birth_dates(len(sizes))
        surname = self.names.family_surname(culture, rng)
        structure = self.family_structure(household, surname, len(sizes))
        for event, (multiple, born) in enumerate(zip(sizes, dates, strict=True)):
            self.add_births(
                household,
                structure,
                event=event,
                multiple=multiple,
                born=born,
                first_index=first_index,
            )
            first_index += multiple
        household.claimant = next(
            (link.adult for link in household.children[0].carers if link.adult.lives_with_children),
            None,
        )
        self.life_events(household)
        return household

    def birth_sizes(self, events: int, limit: int) -> list[int]:
        """Children per birth (1, or 2 for twins, 3 for triplets), never above the limit."""
        births: list[int] = []
        for _ in range(events):
            room = limit - sum(births)
            if room <= 0:
                break
            roll = self.rng.random()
            multiple = 3 if roll < TRIPLET_BIRTH_RATE else 2 if roll < TWIN_BIRTH_RATE else 1
            births.append(multiple if multiple <= room else 1)
        return births

    def birth_dates(self, events: int) -> list[date]:
        """Dates of birth, eldest first, spaced like real siblings, all under 18 today."""
        rng = self.rng
        max_age = 18 * 365 - 1
        gaps = [330 + min(int(rng.expovariate(1 / 700)), 2200) for _ in range(events - 1)]
        while sum(gaps) > max_age - 30:
            gaps = [gap // 2 for gap in gaps]
        youngest_age = below(rng, max_age - sum(gaps))
        ages = [youngest_age + sum(gaps[i:]) for i in range(events)]
        return [self.today - days(age) for age in ages]

    def family_structure(self, household: Household, surname: str, events: int) -> dict:
        """The adults of the household and how each is related to each child."""
        rng, culture = self.rng, household.culture
        roll = rng.random()
        kind = _family_kind(roll, births=events)
        mother_surname = surname_for(
            culture,
            surname if rng.random() < 0.6 else self.names.own_surname(culture, rng),
            "female",
            rng,
            married=True,
        )
        mother = self.adult(culture, "female", mother_surname, rng)
        father = self.adult(culture, "male", surname, rng)
        other: Adult | None = None
        structure = {
            "kind": kind,
            "surname": surname,
            "older_surname": surname,
            "step_from": 0,
            "mother": mother,
            "father": father,
            "other": None,
        }
        if kind == "lone_mother":
            father.lives_with_children = False
            if rng.random() < 0.45:  # children carry their mother's name
                structure["surname"] = structure["older_surname"] = mother_surname
        elif kind == "lone_father":
            mother.lives_with_children = False
        elif kind == "step_family":
            structure["older_surname"] = surname
            structure["step_from"] = between(rng, 1, events - 1)
            step_surname = self.names.family_surname(culture, rng)
            structure["surname"] = step_surname
            other = structure["other"] = self.adult(culture, "male", step_surname, rng)
            mother.family_name = surname_for(culture, step_surname, "female", rng, married=True)
            father.lives_with_children = False
        elif kind == "kinship":
            mother.lives_with_children = father.lives_with_children = False
            grandmother = self.adult(culture, "female", mother_surname, rng)
            grandmother.given_names = (
                self.names.adult_first_name("english", "female", rng)
                if culture == "english"
                else grandmother.given_names
            )
            other = structure["other"] = grandmother
        household.adults = [
            a for a in (mother, father, other) if a and a.lives_with_children
        ]
        return structure

    def carer_links(self, structure: dict, older: bool) -> list[CarerLink]:
        kind, rng = structure["kind"], self.rng
        mother, father, other = structure["mother"], structure["father"], structure["other"]
        father_has_pr = rng.random() < 0.92
        if kind == "kinship":
            return [
                CarerLink(other, "grandmother", rng.random() < 0.7),
                CarerLink(mother, "mother", True),
            ]
        if kind == "step_family" and older:
            return [
                CarerLink(mother, "mother", True),
                CarerLink(other, "stepfather", False),
                CarerLink(father, "father", father_has_pr),
            ]
        if kind == "step_family":
            return [CarerLink(mother, "mother", True), CarerLink(other, "father", True)]
        if kind == "lone_father":
            return [CarerLink(father, "father", True), CarerLink(mother, "mother", True)]
        links = [CarerLink(mother, "mother", True), CarerLink(father, "father", father_has_pr)]
        return links if kind == "two_parents" or rng.random() < 0.5 else links[:1]

    def add_births(
        self,
        household: Household,
        structure: dict,
        *,
        event: int,
        multiple: int,
        born: date,
        first_index: int,
    ) -> None:
        rng, culture = self.rng, household.culture
        older = structure["kind"] == "step_family" and event < structure["step_from"]
        family = structure["older_surname"] if older else structure["surname"]
        sexes = ["female" if rng.random() < 0.488 else "male" for _ in range(multiple)]
        firsts = self.multiple_first_names(culture, sexes)
        carers = self.carer_links(structure, older)  # twins share their carers
        for i in range(multiple):
            sex = sexes[i]
            given = self.names.given_names(culture, sex, rng)
            if firsts:
                given[-1 if given[0] in ("Muhammad", "Mohammed") and len(given) > 1 else 0] = (
                    firsts[i]
                )
            sikh = sikh_middle_name(culture, family, sex)
            if sikh and rng.random() < 0.5:
                given.append(sikh)
            index = first_index + i
            child = Child(
                person_id=f"P{index:08d}",
                index=index,
                household=household,
                given_names=given,
                family_name=surname_for(culture, family, sex, rng),
                sex=sex,
                gender="other" if rng.random() < 0.002 and age_on(born, self.today) >= 12 else sex,
                date_of_birth=born,
                multiple=multiple,
                carers=list(carers),
                nhs_number=self.world.nhs_numbers(index),
                upn=None,
            )
            if older and rng.random() < 0.3:  # took the stepfather's name
                self.change_surname(child, surname_for(culture, structure["surname"], sex, rng))
            elif rng.random() < NAME_CHANGE_RATE:
                self.change_surname(
                    child, surname_for(culture, self.names.family_surname(culture, rng), sex, rng)
                )
            household.children.append(child)

    def multiple_first_names(self, culture: str, sexes: list[str]) -> list[str] | None:
        """Twins' names: distinct, and about one pair in four confusingly alike."""
        rng = self.rng
        if len(sexes) == 1:
            return None
        key = (sexes[0], sexes[1]) if (sexes[0], sexes[1]) in TWIN_PAIRS else (sexes[1], sexes[0])
        if len(sexes) == 2 and key in TWIN_PAIRS and rng.random() < 0.25:
            pair = pick(rng, TWIN_PAIRS[key])
            return list(pair) if key == (sexes[0], sexes[1]) else [pair[1], pair[0]]
        names: list[str] = []
        while len(names) < len(sexes):
            name = self.names.first_name(culture, sexes[len(names)], rng)
            if name not in names:
                names.append(name)
        return names

    def change_surname(self, child: Child, new_surname: str) -> None:
        if new_surname == child.family_name:
            return
        rng = self.rng
        span = (self.today - child.date_of_birth).days
        child.former_family_name = child.family_name
        child.family_name = new_surname
        child.name_changed_on = child.date_of_birth + timedelta(
            days=between(rng, span // 3, span - 1)
        )
        child.former_name_source = pick(rng, SOURCES_RECORDING_FORMER_NAMES)

    # --- what happened to them ------------------------------------------------------------

    def life_events(self, household: Household) -> None:
        rng, today, world = self.rng, self.today, self.world
        youngest = max(child.date_of_birth for child in household.children)
        roll = rng.random()
        if roll < MOVED_RATE and (today - youngest).days > 30:
            household.moved_on = today - timedelta(
                days=between(rng, 7, min(730, (today - youngest).days))
            )
            where = rng.random()
            old = (
                household.district
                if where < 0.55
                else (
                    pick(rng, world.districts_by_authority[household.district.authority.code])
                    if where < 0.85
                    else world.districts[int(world.district_picker.pick(rng))]
                )
            )
            household.previous_address = random_address(old, rng)
        elif roll < MOVED_RATE + EMIGRATED_RATE:
            household.emigrated_on = today - days(between(rng, 20, 700))
        elif roll < MOVED_RATE + EMIGRATED_RATE + NO_FIXED_ABODE_RATE:
            household.no_fixed_abode = True
        for child in household.children:
            self.child_services(household, child)

    def child_services(self, household: Household, child: Child) -> None:
        rng, today = self.rng, self.today
        age = age_on(child.date_of_birth, today)
        child.home_educated = rng.random() < HOME_EDUCATED_RATE
        child.in_sixth_form = rng.random() < 0.45
        entry_age = academic_age(child.date_of_birth, today)
        if entry_age >= 4 and not household.independent_school:
            entry_year = today.year - (entry_age - 4) - (0 if today.month >= 9 else 1)
            district = (
                household.previous_address.district
                if household.previous_address
                else household.district
            )
            child.upn = self.world.upns(child.index, district.authority.dfe_number, entry_year)
        child.registered_with_gp = (today - child.date_of_birth).days > between(
            rng, 14, 70
        ) and rng.random() < 0.985
        child.gp_changed_after_move = rng.random() < 0.75
        child.early_years_draw = rng.random()
        if age < 5 and rng.random() < 0.88:
            child.health_visitor_named = self.practitioner_name() if rng.random() < 0.4 else ""
        child.school_nurse = 5 <= age <= 17 and rng.random() < 0.12
        if rng.random() < SOCIAL_CARE_RATE:
            child.social_care = self.social_care_case(household, child, age)

    def practitioner_name(self) -> str:
        rng = self.rng
        culture = self.world.culture_pickers["E08000035"].pick(rng)
        sex = "female" if rng.random() < 0.8 else "male"
        given = self.names.adult_first_name(culture, sex, rng)
        return f"{given} {self.names.own_surname(culture, rng)}"

    def social_care_case(self, household: Household, child: Child, age: int) -> SocialCareCase:
        rng, today = self.rng, self.today
        days_alive = (today - child.date_of_birth).days
        opened_on = today - days(between(rng, 1, max(2, min(4 * 365, days_alive))))
        closed_on = None
        if rng.random() < 0.4:
            closed_on = min(today - days(1), opened_on + days(between(rng, 60, 540)))
        roll = rng.random()
        category = (
            "early_help"
            if roll < 0.18
            else "child_in_need"
            if roll < 0.73
            else "child_protection"
            if roll < 0.88
            else "looked_after"
        )
        authority = household.district.authority.code
        extras: list[tuple[str, date, str | None]] = []
        for service, min_age, rate, consent_needed in (
            ("youth_offending", 10, 0.18, False),
            ("camhs", 11, 0.12, True),
            ("sexual_health", 13, 0.04, True),
            ("substance_misuse", 13, 0.05, True),
            ("voluntary", 0, 0.10, False),
            ("police", 0, 0.03, False),
        ):
            if age >= min_age and rng.random() < rate:
                consent = (
                    ("young_person" if rng.random() < 0.8 else "harm_exception")
                    if consent_needed
                    else None
                )
                until = closed_on or today
                start = opened_on + timedelta(
                    days=between(rng, 0, max(0, (until - opened_on).days - 1))
                )
                extras.append((service, start, consent))
        case = SocialCareCase(
            authority,
            category,
            opened_on,
            closed_on,
            self.practitioner_name() if rng.random() < 0.85 else None,
            extras,
        )
        previous = household.previous_address
        if (
            previous
            and household.moved_on
            and opened_on < household.moved_on
            and previous.district.authority.code != authority
        ):
            case.earlier_authority_code = previous.district.authority.code
        return case
