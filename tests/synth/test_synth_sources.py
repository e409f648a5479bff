"""Each source sees only the children it would, as of its own snapshot date."""

from __future__ import annotations

from collections import Counter
from datetime import date

from synth_population import TODAY, Population

from contactpoint.synth import SOURCES
from contactpoint.synth.geography import LOCAL_AUTHORITIES
from contactpoint.synth.people import academic_age, age_on
from contactpoint.synth.sources import last_school_census


def coverage(population: Population, source: str) -> float:
    people = {population.truth[(source, row["source_id"])] for row in population.rows[source]}
    return len(people) / len(population.children)


def test_coverage_per_source(population: Population):
    assert 0.97 < coverage(population, "nhs_demographics") <= 1.0
    assert 0.60 < coverage(population, "school_census") < 0.72
    assert 0.75 < coverage(population, "child_benefit") < 0.92
    assert 0.01 < coverage(population, "social_care") < 0.05
    assert 0.07 < coverage(population, "early_years") < 0.16


def test_school_census_has_only_pupils_of_school_age_in_state_schools(population: Population):
    census = last_school_census(TODAY)
    for row in population.rows["school_census"]:
        child = population.true_child("school_census", row)
        assert 4 <= academic_age(child.date_of_birth, census) <= 17
        assert not child.household.independent_school
        assert not child.home_educated
        assert [s["type"] for s in row["services"]] == ["school"]
        assert row["identifiers"]["nhs_number"] is None


def test_early_years_has_only_children_before_or_just_into_reception(population: Population):
    for row in population.rows["early_years"]:
        child = population.true_child("early_years", row)
        assert academic_age(child.date_of_birth, TODAY) <= 4
        involvement = row["services"][0]
        assert involvement["type"] == "early_years"
        if academic_age(child.date_of_birth, TODAY) == 4:
            assert involvement["end_date"] is not None


def test_social_care_comes_only_from_councils_that_send_it(population: Population):
    sending = {la.code for la in LOCAL_AUTHORITIES if la.sends_social_care}
    assert 5 <= len(sending) <= 15
    for row in population.rows["social_care"]:
        assert row["source_id"][:9] in sending
        assert population.true_child("social_care", row).social_care is not None


def test_services_match_the_childs_age(population: Population):
    minimum_age = {
        "youth_offending": 10,
        "camhs": 11,
        "sexual_health": 13,
        "substance_misuse": 13,
        "school_nurse": 5,
    }
    for source in SOURCES:
        for row in population.rows[source]:
            child = population.true_child(source, row)
            age = age_on(child.date_of_birth, TODAY)
            for involvement in row["services"]:
                assert age >= minimum_age.get(involvement["type"], 0), involvement["type"]
                if involvement["type"] == "health_visitor":
                    assert age < 5
                if involvement["start_date"]:
                    assert (
                        child.date_of_birth
                        <= date.fromisoformat(involvement["start_date"])
                        <= TODAY
                    )
                if involvement["end_date"] and involvement["start_date"]:
                    assert involvement["start_date"] <= involvement["end_date"]


def test_child_benefit_lists_the_claimant_only(population: Population):
    for row in population.rows["child_benefit"]:
        child = population.true_child("child_benefit", row)
        assert child.household.claims_child_benefit
        assert len(row["carers"]) == 1
        assert row["services"] == []
        assert row["identifiers"] == {"nhs_number": None, "upn": None}


def test_a_source_sees_a_child_once_except_two_councils_after_a_move(population: Population):
    for source in SOURCES:
        seen = Counter(
            population.truth[(source, row["source_id"])] for row in population.rows[source]
        )
        limit = 2 if source == "social_care" else 1
        assert max(seen.values()) <= limit, source

    two_councils: dict[str, set[str]] = {}
    for row in population.rows["social_care"]:
        person = population.truth[("social_care", row["source_id"])]
        two_councils.setdefault(person, set()).add(row["source_id"][:9])
    seen = Counter(
        population.truth[("social_care", row["source_id"])]
        for row in population.rows["social_care"]
    )
    assert all(len(two_councils[person]) == 2 for person, rows in seen.items() if rows == 2)


def test_address_status_follows_what_happened(population: Population):
    statuses = Counter()
    for source in SOURCES:
        for row in population.rows[source]:
            child = population.true_child(source, row)
            statuses[row["address_status"]] += 1
            if row["address_status"] == "left_england":
                assert child.household.emigrated_on is not None
            if row["address_status"] == "none_known":
                assert row["address"] is None
    assert {"current", "last_known", "none_known", "left_england"} <= set(statuses)


def test_moves_leave_out_of_date_addresses_in_some_sources(population: Population):
    stale = current = 0
    for source in SOURCES:
        for row in population.rows[source]:
            household = population.true_child(source, row).household
            if household.previous_address and row["address"] and row["address_status"] == "current":
                recorded = row["address"]["postcode"].replace(" ", "").upper()
                if recorded == household.previous_address.postcode.replace(" ", ""):
                    stale += 1
                elif recorded == household.address.postcode.replace(" ", ""):
                    current += 1
    assert stale > 0.05 * (stale + current)
    assert current > stale
