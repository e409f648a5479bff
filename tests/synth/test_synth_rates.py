"""Mistake rates measured against the truth fall within the documented bands.

Each rate is measured from the files (not from the generator's own counts) by
comparing a row with the child it is about. Bands are four standard errors wide.
"""

from __future__ import annotations

import math
import pathlib
from datetime import date

import pytest
from synth_population import Population

from contactpoint.synth import SOURCES
from contactpoint.synth.habits import SOURCE_HABITS, habits_table_markdown


def within_band(observed: int, trials: int, rate: float) -> bool:
    if trials == 0:
        return True
    spread = 4 * math.sqrt(max(rate * (1 - rate), 1e-4) / trials) + 0.002
    return abs(observed / trials - rate) <= spread


def readable_dates(population: Population, source: str):
    for row in population.rows[source]:
        try:
            recorded = date.fromisoformat(row["date_of_birth"] or "")
        except ValueError:
            continue
        yield population.true_child(source, row).date_of_birth, recorded


@pytest.mark.parametrize("source", SOURCES)
def test_dates_of_birth_swapped_or_a_day_out(population: Population, source):
    habits = SOURCE_HABITS[source]
    swappable = swapped = off_by_one = rows = 0
    for true, recorded in readable_dates(population, source):
        if abs(true.year - recorded.year) > 20:
            continue  # a deliberately bad row
        rows += 1
        if true.day <= 12 and true.day != true.month:
            swappable += 1
            swapped += (recorded.day, recorded.month) == (true.month, true.day) and recorded != true
        off_by_one += abs((recorded - true).days) == 1
    assert within_band(swapped, swappable, habits.day_month_swapped), (swapped, swappable)
    assert within_band(off_by_one, rows, habits.day_off_by_one), (off_by_one, rows)


@pytest.mark.parametrize("source", SOURCES)
def test_identifiers_held(population: Population, source):
    habits = SOURCE_HABITS[source]
    rows = population.rows[source]
    nhs_held = sum(row["identifiers"]["nhs_number"] is not None for row in rows)
    assert within_band(nhs_held, len(rows), habits.nhs_number_held)
    with_upn = [row for row in rows if population.true_child(source, row).upn]
    upn_held = sum(row["identifiers"]["upn"] is not None for row in with_upn)
    assert within_band(upn_held, len(with_upn), habits.upn_held)


@pytest.mark.parametrize("source", SOURCES)
def test_postcodes_formatted_oddly(population: Population, source):
    habits = SOURCE_HABITS[source]
    postcodes = [row["address"]["postcode"] for row in population.rows[source] if row["address"]]
    odd = sum(
        1
        for postcode in postcodes
        if postcode != postcode.strip()
        or " " not in postcode
        or "  " in postcode
        or (postcode != postcode.upper())
    )
    assert within_band(odd, len(postcodes), habits.postcode_format), (odd, len(postcodes))


@pytest.mark.parametrize("source", SOURCES)
def test_family_names_in_capitals(population: Population, source):
    habits = SOURCE_HABITS[source]
    rows = [
        row for row in population.rows[source] if any(ch.isalpha() for ch in row["family_name"])
    ]
    capitals = sum(row["family_name"].isupper() for row in rows)
    expected = habits.all_caps + (1 - habits.all_caps) * habits.family_caps
    assert within_band(capitals, len(rows), expected), (capitals, len(rows))


@pytest.mark.parametrize("source", SOURCES)
def test_given_and_family_names_swapped(population: Population, source):
    habits = SOURCE_HABITS[source]
    rows = population.rows[source]
    swapped = 0
    for row in rows:
        child = population.true_child(source, row)
        family = {child.family_name.upper(), (child.former_family_name or "").upper()}
        swapped += row["given_names"].upper() in family and row["family_name"].upper() not in family
    assert within_band(swapped, len(rows), habits.names_swapped), (swapped, len(rows))


@pytest.mark.parametrize("source", SOURCES)
def test_gender_missing(population: Population, source):
    habits = SOURCE_HABITS[source]
    rows = population.rows[source]
    missing = sum(row["gender"] in (None, "unspecified") for row in rows)
    assert within_band(missing, len(rows), habits.gender_missing), (missing, len(rows))


def test_child_benefit_writes_names_in_ascii_capitals(population: Population):
    for row in population.rows["child_benefit"]:
        for text in (row["given_names"], row["family_name"]):
            assert text == text.upper()
            assert text.isascii()


def test_docs_publish_the_rates_the_generator_uses():
    docs = (pathlib.Path(__file__).parents[2] / "docs" / "synthetic-data.md").read_text()
    assert habits_table_markdown() in docs
