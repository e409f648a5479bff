"""What the councils' own systems see: children's social care and early years settings."""

from __future__ import annotations

from datetime import date

from contactpoint.synth.dates import days
from contactpoint.synth.geography import MOBILE_PREFIX, random_address
from contactpoint.synth.organisations import Organisation
from contactpoint.synth.people import Adult, Child, Household, academic_age, age_on
from contactpoint.synth.recording import carer_entry, service
from contactpoint.synth.seeding import below, between
from contactpoint.synth.sources import SOURCE_ID_PREFIXES, SourceView, term_start_after
from contactpoint.synth.world import World


class SocialCare(SourceView):
    name = "social_care"

    def rows(self, household: Household) -> list[tuple[str, dict]]:
        out = []
        for child in household.children:
            case = child.social_care
            if case is None:
                continue
            if _sends(self.world, case.authority_code):
                out.append(
                    (child.person_id, self.case_row(child, case.authority_code, earlier=False))
                )
            if case.earlier_authority_code and _sends(self.world, case.earlier_authority_code):
                out.append(
                    (
                        child.person_id,
                        self.case_row(child, case.earlier_authority_code, earlier=True),
                    )
                )
        return out

    def case_row(self, child: Child, authority_code: str, *, earlier: bool) -> dict:
        rng, maker, household = self.rng, self.maker, child.household
        case = child.social_care
        assert case is not None  # noqa: S101 - rows() only calls this for children with a case
        authority = self.world.services.by_authority[authority_code]
        opened, closed = case.opened_on, case.closed_on
        if earlier:
            address, status = household.previous_address, "last_known"
            closed = min(
                self.snapshot,
                (household.moved_on or self.snapshot) + days(between(rng, 10, 60)),
            )
        else:
            address, _ = self.known_address(household, self.snapshot)
            status = "current"
            if household.no_fixed_abode or rng.random() < 0.02:
                address, status = None, "none_known"
            elif household.emigrated_on and household.emigrated_on <= self.snapshot:
                status = "left_england"
            elif rng.random() < 0.08:
                status = "last_known"
            if household.moved_on and household.previous_address and case.earlier_authority_code:
                opened = min(
                    self.snapshot,
                    max(opened, household.moved_on + days(between(rng, 5, 40))),
                )
                if closed and closed < opened:
                    closed = None  # the case moved with the family and is open in the new council
        team = authority.social_care_teams[_TEAM_FOR_CATEGORY[case.category]]
        lead = case.category in ("child_protection", "looked_after") and rng.random() < 0.8
        services = [
            service(
                "social_care",
                team,
                opened,
                end=closed,
                practitioner=case.social_worker,
                lead=lead,
                caf=case.category == "early_help" and rng.random() < 0.7,
            )
        ]
        if not earlier:
            organisations = {
                "youth_offending": authority.youth_offending,
                "camhs": authority.camhs,
                "sexual_health": authority.sexual_health,
                "substance_misuse": authority.substance_misuse,
                "voluntary": authority.voluntary[0],
                "police": authority.police,
            }
            for kind, started, consent in case.extra_services:
                start = max(started, opened)
                services.append(
                    service(
                        kind,
                        organisations[kind],
                        min(start, closed) if closed else start,
                        end=closed,
                        consent=consent,
                    )
                )
        carers = self.carers(child)
        recorded = (
            (closed + days(between(rng, 0, 10)))
            if closed
            else self.snapshot - days(between(rng, 0, 45))
        )
        return maker.record(
            child,
            source_id=maker.new_source_id(
                SOURCE_ID_PREFIXES[self.name].format(authority=authority_code)
            ),
            recorded_at=self.stamp(max(recorded, opened)),
            snapshot=self.snapshot,
            address=address,
            address_status=status,
            identifiers=maker.identifiers(child),
            carers=carers,
            services=services,
        )

    def carers(self, child: Child) -> list[dict]:
        """Everyone with parental responsibility, with a separate parent's own address."""
        rng = self.rng
        entries = []
        for link in child.carers:
            adult = link.adult
            elsewhere = None
            if not adult.lives_with_children:
                if not link.parental_responsibility and rng.random() < 0.5:
                    continue
                home = random_address(child.household.district, rng)
                elsewhere = {
                    "lines": home.lines(),
                    "town": home.district.town,
                    "postcode": home.postcode,
                    "uprn": None,
                }
            entries.append(
                carer_entry(
                    adult, link.relationship, link.parental_responsibility, address=elsewhere
                )
            )
        case = child.social_care
        if case and case.category == "looked_after" and case.closed_on is None:
            names = self.world.names
            culture = child.household.culture if rng.random() < 0.4 else "english"
            entries.insert(
                0,
                carer_entry(
                    Adult(
                        names.adult_first_name(culture, "female", rng),
                        names.own_surname(culture, rng),
                        "female",
                        f"{MOBILE_PREFIX}{below(rng, 1000):03d}",
                        None,
                    ),
                    "foster_carer",
                    False,
                ),
            )
        return entries


_TEAM_FOR_CATEGORY = {"early_help": 0, "child_in_need": 1, "child_protection": 2, "looked_after": 3}


def _sends(world: World, authority_code: str) -> bool:
    return world.sends_social_care[authority_code]


class EarlyYears(SourceView):
    name = "early_years"
    snapshot_lag_days = 7

    def rows(self, household: Household) -> list[tuple[str, dict]]:
        rng, snapshot = self.rng, self.snapshot
        if household.emigrated_on and household.emigrated_on <= snapshot:
            return []
        out = []
        for child in household.children:
            attending = self.setting(child)
            if attending is None:
                continue
            setting, start, end = attending
            address, learnt = self.known_address(household, snapshot)
            maker = self.maker
            row = maker.record(
                child,
                source_id=maker.new_source_id(SOURCE_ID_PREFIXES[self.name]),
                recorded_at=self.stamp(
                    max(end or start, learnt or start) + days(between(rng, 0, 20))
                ),
                snapshot=snapshot,
                address=address,
                address_status="current",
                identifiers=maker.identifiers(child),
                carers=self.contacts(child, 2),
                services=[service("early_years", setting, start, end=end)],
            )
            out.append((child.person_id, row))
        return out

    def setting(self, child: Child) -> tuple[Organisation, date, date | None] | None:
        """Under-twos in nurseries, funded places from two, nearly all three- and four-year-olds."""
        snapshot, born = self.snapshot, child.date_of_birth
        year = academic_age(born, snapshot)
        age = age_on(born, snapshot)
        end = None
        if year >= 4:  # now in reception: a few settings still list them, closed
            if year > 4 or child.early_years_draw >= 0.08:
                return None
            end = date(snapshot.year if snapshot.month >= 9 else snapshot.year - 1, 8, 31)
            age = 3
        elif child.early_years_draw >= (0.18 if age < 2 else 0.45 if age == 2 else 0.92):
            return None
        if age >= 3:
            start = term_start_after(
                born.replace(year=born.year + 3)
                if (born.month, born.day) != (2, 29)
                else date(born.year + 3, 3, 1)
            )
        elif age == 2:
            start = term_start_after(
                born.replace(year=born.year + 2)
                if (born.month, born.day) != (2, 29)
                else date(born.year + 2, 3, 1)
            )
        else:
            start = born + days(280 + int(child.early_years_draw * 1000) % 170)
        if start > snapshot:
            start = snapshot - days(1 + int(child.early_years_draw * 1000) % 30)
        district = child.district_on(snapshot)
        settings = self.district_services(district).early_years_settings
        return settings[child.household.early_years_pick], max(start, born), end
