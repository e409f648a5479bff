"""The truth looks like England's children: families, multiple births, names, ages."""

from __future__ import annotations

from collections import Counter
from datetime import date

from synth_population import SEED, TODAY, Population

from contactpoint.synth.people import age_on
from contactpoint.synth.population import HouseholdBuilder
from contactpoint.synth.world import world_for


def test_ages_run_from_newborn_to_seventeen_roughly_evenly(population: Population):
    ages = Counter(age_on(child.date_of_birth, TODAY) for child in population.children.values())
    assert set(ages) == set(range(18))
    shares = [ages[age] / len(population.children) for age in range(18)]
    assert min(shares) > 0.03
    assert max(shares) < 0.08


def test_twins_share_surname_birthday_address_and_carers_but_not_first_names(
    population: Population,
):
    sets: dict[tuple, list] = {}
    for child in population.children.values():
        if child.multiple > 1:
            sets.setdefault((id(child.household), child.date_of_birth), []).append(child)
    twins = [members for members in sets.values() if len(members) == 2]
    assert len(twins) == population.summary.twin_sets
    twin_share = 2 * len(twins) / len(population.children)
    assert 0.02 < twin_share < 0.04  # about 3% of children are a twin
    same_sex_sets = same_surname = 0
    for members in sets.values():
        first, *others = members
        assert len(members) == first.multiple
        assert len({child.given_names[0] for child in members}) == len(members)
        for other in others:
            assert other.household is first.household
            assert [link.adult for link in other.carers] == [link.adult for link in first.carers]
            if other.sex == first.sex and not (
                first.former_family_name or other.former_family_name
            ):
                same_sex_sets += 1
                same_surname += other.family_name == first.family_name
    assert same_surname > 0.95 * same_sex_sets  # some Bangladeshi girls carry Begum, a sister not


def test_triplets_are_rare(population: Population):
    assert population.summary.triplet_sets <= 10


def test_births_are_twins_and_triplets_at_the_rates_of_england():
    builder = HouseholdBuilder(world_for(SEED), 0, TODAY)
    births = Counter(size for _ in range(300_000) for size in builder.birth_sizes(1, 3))
    assert 0.013 < births[2] / births.total() < 0.018  # ~3% of children are twins
    assert 10 < births[3] < 110  # ~0.05% of children are triplets


def test_sources_see_twins_with_the_same_birthday_and_postcode(population: Population):
    rows = {
        population.truth[("nhs_demographics", row["source_id"])]: row
        for row in population.rows["nhs_demographics"]
    }
    pairs = alike = 0
    for child in population.children.values():
        twin = next(
            (
                c
                for c in child.household.children
                if c is not child and c.multiple == 2 and c.date_of_birth == child.date_of_birth
            ),
            None,
        )
        if child.multiple != 2 or twin is None or child.person_id > twin.person_id:
            continue
        ours, theirs = rows.get(child.person_id), rows.get(twin.person_id)
        if ours and theirs and ours["address"] and theirs["address"]:
            pairs += 1
            same_postcode = (
                ours["address"]["postcode"].replace(" ", "").upper()
                == theirs["address"]["postcode"].replace(" ", "").upper()
            )
            alike += ours["date_of_birth"] == theirs["date_of_birth"] and same_postcode
    assert pairs > 200
    assert alike / pairs > 0.9


def test_names_are_diverse_with_a_long_tail(population: Population):
    surnames = Counter(child.family_name for child in population.children.values())
    assert len(surnames) > 2500  # about 10,000 households; a million children carry 60,000+
    assert 0.007 < surnames["Smith"] / len(population.children) < 0.02
    everything = " ".join(
        " ".join(child.given_names) + " " + child.family_name
        for child in population.children.values()
    )
    for feature in ("'", "-", "ë", "ó", "Ł", "ñ", "Muhammad", "Nguyen", "Patel", "Kaur", "Mc"):
        assert feature in everything, feature
    assert any(" " in child.family_name for child in population.children.values())


def test_given_names_depend_on_sex(population: Population):
    girls = Counter(c.given_names[0] for c in population.children.values() if c.sex == "female")
    boys = Counter(c.given_names[0] for c in population.children.values() if c.sex == "male")
    assert girls["Olivia"] > 20
    assert boys["Olivia"] == 0
    assert boys["Oliver"] > 20
    assert girls["Oliver"] == 0


def test_step_families_give_siblings_different_surnames(population: Population):
    mixed = sum(
        1
        for household in {c.household for c in population.children.values()}
        if len({child.family_name for child in household.children}) > 1
    )
    assert mixed > 100


def test_some_families_moved_some_left_england(population: Population):
    households = {c.household for c in population.children.values()}
    moved = sum(1 for h in households if h.moved_on)
    left = sum(1 for h in households if h.emigrated_on)
    assert 0.08 < moved / len(households) < 0.2
    assert left > 10
    assert all(h.moved_on < TODAY for h in households if h.moved_on)


def test_children_live_near_their_school(population: Population):
    same_authority = total = 0
    codes = {}
    for row in population.rows["school_census"]:
        child = population.true_child("school_census", row)
        school = row["services"][0]["organisation_code"]
        codes.setdefault(school, set()).add(child.district_on(date(2025, 10, 1)).authority.code)
    for authorities in codes.values():
        total += 1
        same_authority += len(authorities) == 1
    assert same_authority / total > 0.9
