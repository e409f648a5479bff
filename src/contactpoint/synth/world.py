"""Everything the population is drawn from that does not change between chunks.

Built once per process and seed (about half a second) and shared by every chunk:
the districts and their services, names, who lives where, and the number issuers.
"""

from __future__ import annotations

import csv
import pathlib
from functools import cache

from contactpoint.synth.geography import LOCAL_AUTHORITIES, District, build_districts
from contactpoint.synth.identifiers import NhsNumberIssuer, UpnIssuer
from contactpoint.synth.name_data import CULTURES
from contactpoint.synth.names import NameBook, WeightedPicker
from contactpoint.synth.organisations import ServiceDirectory, build_directory


class World:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.districts: tuple[District, ...] = build_districts(seed)
        self.services: ServiceDirectory = build_directory(seed, self.districts)
        self.names = NameBook()
        self.nhs_numbers = NhsNumberIssuer(seed)
        self.upns = UpnIssuer(seed)
        # Children are spread over districts by their authority's share of children.
        per_authority: dict[str, int] = {}
        for district in self.districts:
            per_authority[district.authority.code] = (
                per_authority.get(district.authority.code, 0) + 1
            )
        self.district_picker = WeightedPicker(
            [str(d.index) for d in self.districts],
            [d.authority.weight / per_authority[d.authority.code] for d in self.districts],
        )
        self.culture_pickers = {
            la.code: WeightedPicker(
                list(CULTURES),
                [c.share * la.culture_boost.get(key, 1.0) for key, c in CULTURES.items()],
            )
            for la in LOCAL_AUTHORITIES
        }
        self.sends_social_care = {la.code: la.sends_social_care for la in LOCAL_AUTHORITIES}
        self.districts_by_authority: dict[str, list[District]] = {}
        for district in self.districts:
            self.districts_by_authority.setdefault(district.authority.code, []).append(district)

    def write_reference(self, folder: pathlib.Path) -> dict[str, int]:
        """The reference CSVs a loader needs to know the places and organisations."""
        folder.mkdir(parents=True, exist_ok=True)
        tables: dict[str, tuple[tuple[str, ...], list[tuple[object, ...]]]] = {
            "local_authorities.csv": (
                ("code", "name"),
                [(la.code, la.name) for la in LOCAL_AUTHORITIES],
            ),
            "postcode_districts.csv": (
                ("district", "authority_code"),
                [(d.outward, d.authority.code) for d in self.districts],
            ),
            "organisations.csv": (
                ("code", "name", "type", "authority_code"),
                [(o.code, o.name, o.type, o.authority_code) for o in self.services.organisations],
            ),
        }
        for name, (header, rows) in tables.items():
            with (folder / name).open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(rows)
        return {name: len(rows) for name, (_, rows) in tables.items()}


@cache
def world_for(seed: int) -> World:
    return World(seed)
