"""What each source system sees of the population, and when (the councils' own in care_sources).

Each source looks at the truth as of its own snapshot date (the school census day, the
day before today for PDS...) and sees only the children it would: school-age pupils
in state schools, families who claim Child Benefit, children known to the councils
that send social care data, children in early-years settings.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from contactpoint.synth.dates import days
from contactpoint.synth.geography import Address, District
from contactpoint.synth.habits import SOURCE_HABITS
from contactpoint.synth.mistakes import short_form
from contactpoint.synth.organisations import DistrictServices, Organisation
from contactpoint.synth.people import Child, Household, academic_age, age_on
from contactpoint.synth.recording import RecordMaker, carer_entry, service, timestamp
from contactpoint.synth.seeding import MixingPermutation, between, stream
from contactpoint.synth.world import World

SOURCE_ID_PREFIXES = {
    "school_census": "SC-",
    "nhs_demographics": "PDS-",
    "child_benefit": "CHB-",
    "social_care": "{authority}-CSC-",
    "early_years": "EY-",
}


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + days((weekday - first.weekday()) % 7 + 7 * (nth - 1))


def last_school_census(today: date) -> date:
    """The latest census day at least a week ago (October, January and May censuses)."""
    candidates = []
    for year in (today.year - 1, today.year):
        candidates += [
            _nth_weekday(year, 1, 3, 3),
            _nth_weekday(year, 5, 3, 3),
            _nth_weekday(year, 10, 3, 1),
        ]
    return max(day for day in candidates if day <= today - days(7))


def term_start_after(day: date) -> date:
    """The first day of the term after a birthday (funded early-years places start then)."""
    for start in (
        date(day.year, 1, 1),
        date(day.year, 4, 15),
        date(day.year, 9, 1),
        date(day.year + 1, 1, 1),
    ):
        if start > day:
            return start
    return date(day.year + 1, 1, 1)


class SourceView:
    """One source system's view of one chunk; subclasses say who it sees and how."""

    name = ""
    snapshot_lag_days = 1

    def __init__(self, world: World, chunk_index: int, today: date, ids: MixingPermutation) -> None:
        self.world = world
        self.today = today
        self.snapshot = today - days(self.snapshot_lag_days)
        self.rng: random.Random = stream(
            world.seed, "source", self.name, chunk_index, today.isoformat()
        )
        self.maker = RecordMaker(self.name, SOURCE_HABITS[self.name], self.rng, ids, chunk_index)

    def rows(self, household: Household) -> list[tuple[str, dict]]:
        raise NotImplementedError

    # --- helpers shared by the sources -------------------------------------------------

    def known_address(self, household: Household, snapshot: date) -> tuple[Address, date | None]:
        """The address this system holds and the day it learnt of it (None: long held)."""
        if household.moved_on and household.previous_address:
            if household.moved_on > snapshot:
                return household.previous_address, None
            learnt = self.maker.knows_move(household.moved_on, snapshot)
            if learnt is None:
                return household.previous_address, None
            return household.address, learnt
        return household.address, None

    def contacts(self, child: Child, limit: int) -> list[dict]:
        return [
            carer_entry(link.adult, link.relationship, link.parental_responsibility)
            for link in child.carers
            if link.adult.lives_with_children
        ][:limit]

    def district_services(self, district: District) -> DistrictServices:
        return self.world.services.by_district[district.index]

    def stamp(self, day: date) -> str:
        return timestamp(min(day, self.snapshot), self.rng)


class SchoolCensus(SourceView):
    name = "school_census"

    def __init__(self, world: World, chunk_index: int, today: date, ids: MixingPermutation) -> None:
        super().__init__(world, chunk_index, today, ids)
        self.snapshot = last_school_census(today)

    def school_on(self, child: Child, day: date) -> tuple[Organisation, date] | None:
        year = academic_age(child.date_of_birth, day)
        if year < 4 or year > 17 or (year >= 16 and not child.in_sixth_form):
            return None
        household = child.household
        district = child.district_on(day - days(20))
        services = self.district_services(district)
        phase_year = 4 if year <= 10 else 11
        entry = date(day.year - (year - phase_year) - (0 if day.month >= 9 else 1), 9, 1)
        if year <= 10:
            school = services.primary_schools[household.primary_pick]
        else:
            school = services.secondary_schools[household.secondary_pick]
        if (
            household.moved_on
            and district is household.district
            and household.previous_address
            and household.previous_address.district is not district
        ):
            entry = max(entry, household.moved_on + days(20))
        return school, entry

    def rows(self, household: Household) -> list[tuple[str, dict]]:
        if household.independent_school or (
            household.emigrated_on and household.emigrated_on <= self.snapshot
        ):
            return []
        out = []
        for child in household.children:
            attending = None if child.home_educated else self.school_on(child, self.snapshot)
            if attending is None:
                continue
            school, entry = attending
            maker = self.maker
            address, _ = self.known_address(household, self.snapshot)
            preferred = None
            if self.rng.random() < 0.08:
                shorter = short_form(child.given_names, self.rng)
                preferred = shorter[0] if shorter else None
            row = maker.record(
                child,
                source_id=maker.new_source_id(SOURCE_ID_PREFIXES[self.name]),
                recorded_at=timestamp(
                    min(
                        self.snapshot + days(between(self.rng, 1, 20)),
                        self.today - days(1),
                    ),
                    self.rng,
                ),
                snapshot=self.snapshot,
                address=address,
                address_status="current",
                identifiers=maker.identifiers(child),
                carers=self.contacts(child, 2)
                if self.rng.random() < maker.habits.carers_recorded
                else [],
                services=[service("school", school, entry)],
                preferred_name=preferred,
            )
            out.append((child.person_id, row))
        return out


class NhsDemographics(SourceView):
    name = "nhs_demographics"

    def rows(self, household: Household) -> list[tuple[str, dict]]:
        out = []
        rng, snapshot = self.rng, self.snapshot
        for child in household.children:
            if child.date_of_birth > snapshot - days(3) or rng.random() < 0.004:
                continue  # birth not yet notified, or never registered with the NHS in England
            address, learnt = self.known_address(household, snapshot)
            status = "current"
            if household.no_fixed_abode:
                status = "none_known"
            elif (
                household.emigrated_on
                and household.emigrated_on <= snapshot
                and rng.random() < 0.75
            ):
                status = "left_england"
            elif rng.random() < 0.004:
                status = "last_known"  # post returned: the address is in doubt
            services, latest = self.health_services(child)
            recorded = max(latest, learnt or latest) + days(between(rng, 1, 60))
            maker = self.maker
            row = maker.record(
                child,
                source_id=maker.new_source_id(SOURCE_ID_PREFIXES[self.name]),
                recorded_at=self.stamp(recorded),
                snapshot=snapshot,
                address=None if status == "none_known" else address,
                address_status=status,
                identifiers=maker.identifiers(child),
                carers=self.contacts(child, 1)
                if rng.random() < maker.habits.carers_recorded
                else [],
                services=services,
                gender=child.sex if child.gender == "other" else child.gender,
            )
            out.append((child.person_id, row))
        return out

    def health_services(self, child: Child) -> tuple[list[dict], date]:
        """GP registration, health visiting and school nursing; and the latest start date."""
        rng, snapshot, household = self.rng, self.snapshot, child.household
        services = []
        latest = child.date_of_birth
        if child.registered_with_gp and not household.emigrated_on:
            district, start = household.district, None
            if (
                household.moved_on
                and household.previous_address
                and child.gp_changed_after_move
                and household.moved_on + days(30) <= snapshot
            ):
                start = household.moved_on + days(between(rng, 7, 30))
            elif household.previous_address:
                district = household.previous_address.district
            if start is None:
                start = child.date_of_birth + days(between(rng, 14, 60))
                if age_on(child.date_of_birth, snapshot) > 4 and rng.random() < 0.5:
                    start = snapshot - timedelta(
                        days=between(rng, 30, (snapshot - start).days + 30)
                    )
                    start = max(start, child.date_of_birth + days(14))
            practice = self.district_services(district).gp_practices[household.gp_pick]
            latest = min(start, snapshot)
            services.append(service("gp", practice, latest))
        authority = self.world.services.by_authority[household.district.authority.code]
        if child.health_visitor_named is not None and age_on(child.date_of_birth, snapshot) < 5:
            services.append(
                service(
                    "health_visitor",
                    authority.community_health,
                    min(snapshot, child.date_of_birth + days(between(rng, 10, 14))),
                    practitioner=child.health_visitor_named or None,
                )
            )
        if child.school_nurse:
            services.append(
                service(
                    "school_nurse",
                    authority.community_health,
                    snapshot - days(between(rng, 20, 900)),
                )
            )
        return services, latest


class ChildBenefit(SourceView):
    name = "child_benefit"
    snapshot_lag_days = 3

    def rows(self, household: Household) -> list[tuple[str, dict]]:
        rng, snapshot = self.rng, self.snapshot
        claimant = household.claimant
        if not household.claims_child_benefit or claimant is None:
            return []
        if household.emigrated_on and household.emigrated_on + days(60) <= snapshot:
            return []  # the claim stopped when the family left
        out = []
        for child in household.children:
            age = age_on(child.date_of_birth, snapshot)
            case = child.social_care
            if (
                child.date_of_birth > snapshot - days(between(rng, 20, 120))
                or (age >= 16 and not child.in_sixth_form)
                or (case and case.category == "looked_after" and case.closed_on is None)
            ):
                continue
            address, learnt = self.known_address(household, snapshot)
            claimed = child.date_of_birth + days(between(rng, 10, 90))
            relationship = (
                next(link.relationship for link in child.carers if link.adult is claimant)
                if any(link.adult is claimant for link in child.carers)
                else "other"
            )
            maker = self.maker
            row = maker.record(
                child,
                source_id=maker.new_source_id(SOURCE_ID_PREFIXES[self.name]),
                recorded_at=self.stamp(max(claimed, learnt or claimed)),
                snapshot=snapshot,
                address=address,
                address_status="current",
                identifiers=maker.identifiers(child),
                carers=[carer_entry(claimant, relationship, True, with_email=False)],
                services=[],
                gender=child.sex,
            )
            out.append((child.person_id, row))
        return out
