"""The people of the synthetic truth: adults, children, their households, and ages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from contactpoint.synth.geography import Address, District


@dataclass(slots=True, eq=False)
class Adult:
    given_names: str
    family_name: str
    sex: str
    phone: str | None
    email: str | None
    lives_with_children: bool = True


@dataclass(slots=True, eq=False)
class CarerLink:
    adult: Adult
    relationship: str
    parental_responsibility: bool


@dataclass(slots=True, eq=False)
class SocialCareCase:
    authority_code: str
    category: str  # early_help, child_in_need, child_protection, looked_after
    opened_on: date
    closed_on: date | None
    social_worker: str | None
    extra_services: list[tuple[str, date, str | None]]  # service type, start, consent
    earlier_authority_code: str | None = None  # a case also held by the council before a move


@dataclass(slots=True, eq=False)
class Household:
    number: int
    culture: str
    district: District
    address: Address
    previous_address: Address | None = None
    moved_on: date | None = None
    emigrated_on: date | None = None
    no_fixed_abode: bool = False
    independent_school: bool = False
    claims_child_benefit: bool = True
    claimant: Adult | None = None
    adults: list[Adult] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    primary_pick: int = 0
    secondary_pick: int = 0
    gp_pick: int = 0
    early_years_pick: int = 0


@dataclass(slots=True, eq=False)
class Child:
    person_id: str
    index: int
    household: Household
    given_names: list[str]
    family_name: str
    sex: str
    gender: str
    date_of_birth: date
    multiple: int  # 1, or 2 for a twin, 3 for a triplet
    carers: list[CarerLink]
    nhs_number: str | None
    upn: str | None
    former_family_name: str | None = None
    name_changed_on: date | None = None
    former_name_source: str | None = None
    home_educated: bool = False
    in_sixth_form: bool = True
    registered_with_gp: bool = True
    gp_changed_after_move: bool = False
    early_years_draw: float = 1.0
    health_visitor_named: str | None = None
    school_nurse: bool = False
    social_care: SocialCareCase | None = None

    def district_on(self, day: date) -> District:
        household = self.household
        if household.moved_on and household.previous_address and day < household.moved_on:
            return household.previous_address.district
        return household.district


def academic_age(date_of_birth: date, day: date) -> int:
    """Age on 31 August before the academic year of ``day`` begins (it sets the school year)."""
    year_start = day.year if day.month >= 9 else day.year - 1
    return (
        year_start
        - date_of_birth.year
        - (1 if (date_of_birth.month, date_of_birth.day) >= (9, 1) else 0)
    )


def age_on(date_of_birth: date, day: date) -> int:
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )
