"""The organisations that work with children: schools, GP practices, settings, teams.

Made up, but shaped like the real directories: schools and early-years settings carry
Ofsted-style URNs, GP practices and NHS trusts ODS-style codes, and every one belongs to
a local authority. Schools, practices and settings belong to a postcode district, so
children are served by the ones near where they live.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from contactpoint.synth.geography import District, LocalAuthority, drama_phone
from contactpoint.synth.seeding import stream

ORGANISATION_TYPES = (
    "local_authority",
    "school",
    "early_years",
    "gp_practice",
    "nhs_trust",
    "social_care",
    "youth_offending",
    "police",
    "voluntary",
    "other",
)

_SAINTS = [
    "Mary",
    "John",
    "Joseph",
    "Peter",
    "Paul",
    "Anne",
    "Michael",
    "Patrick",
    "Thomas",
    "Margaret",
    "Bede",
    "Chad",
    "Hilda",
]
_ODS_REGION_LETTERS = "ABCDEFGHJKLMNPY"


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    type: str
    authority_code: str
    phone: str
    email: str | None


@dataclass(frozen=True)
class DistrictServices:
    """The universal services near one postcode district."""

    primary_schools: tuple[Organisation, ...]
    secondary_schools: tuple[Organisation, ...]
    gp_practices: tuple[Organisation, ...]
    early_years_settings: tuple[Organisation, ...]


@dataclass(frozen=True)
class AuthorityServices:
    """The targeted services of one local authority and its local NHS."""

    social_care_teams: tuple[Organisation, ...]
    youth_offending: Organisation
    community_health: Organisation  # health visiting and school nursing
    camhs: Organisation
    sexual_health: Organisation
    substance_misuse: Organisation
    voluntary: tuple[Organisation, ...]
    police: Organisation


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())[:24]


class _Directory:
    """Hands out unique codes and builds organisations (one per seed)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.all: list[Organisation] = []

    def code(self, prefix: str, low: int, high: int, width: int = 6) -> str:
        while True:
            code = f"{prefix}{self.rng.randint(low, high):0{width}d}"
            if code not in self.used:
                self.used.add(code)
                return code

    def add(self, code: str, name: str, kind: str, authority: LocalAuthority) -> Organisation:
        email = f"office@{_slug(name)}.example.org" if self.rng.random() < 0.8 else None
        organisation = Organisation(
            code, name, kind, authority.code, drama_phone(authority.phone_prefix, self.rng), email
        )
        self.all.append(organisation)
        return organisation


def _primary_name(rng: random.Random, place: str) -> str:
    roll = rng.random()
    if roll < 0.15:
        return f"St {rng.choice(_SAINTS)}'s Catholic Primary School"
    if roll < 0.3:
        return f"{place} Church of England Primary School"
    if roll < 0.45:
        return f"{place} Primary Academy"
    if roll < 0.55:
        return f"{place} Infant and Nursery School"
    return f"{place} Primary School"


def _secondary_name(rng: random.Random, place: str) -> str:
    return rng.choice(
        (
            f"{place} High School",
            f"{place} Academy",
            f"{place} School",
            f"St {rng.choice(_SAINTS)}'s Catholic High School",
            f"{place} College",
        )
    )


def _district_services(directory: _Directory, district: District) -> DistrictServices:
    rng, la = directory.rng, district.authority
    places = district.neighbourhoods
    letter = _ODS_REGION_LETTERS[hash_free_index(la.code, len(_ODS_REGION_LETTERS))]
    return DistrictServices(
        primary_schools=tuple(
            directory.add(
                directory.code("URN:", 100000, 149999),
                _primary_name(rng, places[i % 3]),
                "school",
                la,
            )
            for i in range(5)
        ),
        secondary_schools=tuple(
            directory.add(
                directory.code("URN:", 136000, 149999),
                _secondary_name(rng, places[i]),
                "school",
                la,
            )
            for i in range(2)
        ),
        gp_practices=tuple(
            directory.add(
                directory.code(f"ODS:{letter}", 80000, 89999, width=5),
                rng.choice(
                    (
                        f"{places[i]} Medical Practice",
                        f"{places[i]} Surgery",
                        f"The {places[i]} Health Centre",
                        f"{places[i]} Family Practice",
                    )
                ),
                "gp_practice",
                la,
            )
            for i in range(3)
        ),
        early_years_settings=tuple(
            directory.add(
                directory.code("URN:EY", 300000, 599999),
                rng.choice(
                    (
                        f"Little Acorns Day Nursery ({places[i % 3]})",
                        f"{places[i % 3]} Pre-School",
                        f"{places[i % 3]} Children's Centre Nursery",
                        f"Little Stars {places[i % 3]}",
                        f"{places[i % 3]} Montessori",
                    )
                ),
                "early_years",
                la,
            )
            for i in range(4)
        ),
    )


def hash_free_index(text: str, size: int) -> int:
    """A stable index for a string (Python's hash() is salted per process)."""
    return sum(ord(ch) * (i + 1) for i, ch in enumerate(text)) % size


def _authority_services(
    directory: _Directory, la: LocalAuthority, police: dict[str, Organisation]
) -> AuthorityServices:
    area = la.name.split(",")[0]
    trust = directory.code("ODS:R", 100, 999, width=3)
    if la.police not in police:
        police[la.police] = directory.add(f"POL:{len(police) + 1:02d}", la.police, "police", la)
    return AuthorityServices(
        social_care_teams=tuple(
            directory.add(
                f"LA:{la.code}:CSC{i}",
                f"{area} Children's Social Care - {team} Team",
                "social_care",
                la,
            )
            for i, team in enumerate(
                ("Assessment", "Child in Need", "Child Protection", "Children in Care"), start=1
            )
        ),
        youth_offending=directory.add(
            f"LA:{la.code}:YOT", f"{area} Youth Justice Service", "youth_offending", la
        ),
        community_health=directory.add(
            trust, f"{area} Community Health NHS Trust", "nhs_trust", la
        ),
        camhs=directory.add(
            f"{trust}:CAMHS", f"{area} Child and Adolescent Mental Health Service", "nhs_trust", la
        ),
        sexual_health=directory.add(
            f"{trust}:SH", f"{area} Young People's Sexual Health Clinic", "nhs_trust", la
        ),
        substance_misuse=directory.add(
            directory.code("CHY:", 1000000, 1199999, width=7),
            f"{area} Young People's Drug and Alcohol Service",
            "voluntary",
            la,
        ),
        voluntary=tuple(
            directory.add(directory.code("CHY:", 1000000, 1199999, width=7), name, "voluntary", la)
            for name in (f"{area} Family Action", f"{area} Young Carers")
        ),
        police=police[la.police],
    )


@dataclass(frozen=True)
class ServiceDirectory:
    by_district: tuple[DistrictServices, ...]
    by_authority: dict[str, AuthorityServices]
    organisations: tuple[Organisation, ...]


def build_directory(seed: int, districts: tuple[District, ...]) -> ServiceDirectory:
    directory = _Directory(stream(seed, "organisations"))
    police: dict[str, Organisation] = {}
    by_authority: dict[str, AuthorityServices] = {}
    for district in districts:
        if district.authority.code not in by_authority:
            by_authority[district.authority.code] = _authority_services(
                directory, district.authority, police
            )
    by_district = tuple(_district_services(directory, district) for district in districts)
    return ServiceDirectory(by_district, by_authority, tuple(directory.all))
