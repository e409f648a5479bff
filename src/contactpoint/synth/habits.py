"""How each source system records children: what it holds and how often it errs.

Rates are per row (per row where the mistake is possible: a day/month swap needs a day
of 12 or less, a partial double-barrelled surname needs a double-barrelled one). They
are the figures published in docs/synthetic-data.md, which a test keeps in step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class RecordingHabits:
    """One source system's habits. Every rate is a probability per row."""

    given_typo: float  # a letter inserted, dropped, changed or two swapped
    family_typo: float
    short_form: float  # William -> Will, Muhammad Ayaan -> Ayaan, Mohammed -> Muhammad
    names_swapped: float  # given and family names in each other's fields
    surname_part: float  # only one half of a double-barrelled surname
    middle_names_dropped: float
    punctuation: float  # O'Neill -> ONeill, Smith-Jones -> Smith Jones
    accents_dropped: float  # Zoë -> Zoe, Wójcik -> Wojcik
    all_caps: float  # every name in capitals
    family_caps: float  # family name in capitals
    day_month_swapped: float
    day_off_by_one: float
    postcode_format: float  # no space, lower case, extra spaces
    address_abbreviated: float  # Road -> Rd, locality left out
    address_missing: float
    gender_missing: float
    nhs_number_held: float  # share of rows carrying the child's NHS number
    upn_held: float
    invalid_identifier: float  # an identifier that fails its check (kept in the row)
    bad_row: float  # no date of birth, an impossible one, or 25 or older: rejected whole
    address_update_days: float  # mean delay before a move reaches this system
    address_never_updated: float  # moves this system never hears of
    name_change_never_updated: float
    carers_recorded: float  # share of rows listing carers


SOURCE_HABITS: dict[str, RecordingHabits] = {
    "school_census": RecordingHabits(
        given_typo=0.004,
        family_typo=0.004,
        short_form=0.01,
        names_swapped=0.001,
        surname_part=0.15,
        middle_names_dropped=0.30,
        punctuation=0.03,
        accents_dropped=0.25,
        all_caps=0.0,
        family_caps=0.0,
        day_month_swapped=0.002,
        day_off_by_one=0.002,
        postcode_format=0.01,
        address_abbreviated=0.10,
        address_missing=0.003,
        gender_missing=0.0,
        nhs_number_held=0.0,
        upn_held=0.985,
        invalid_identifier=0.0005,
        bad_row=0.0006,
        address_update_days=25,
        address_never_updated=0.08,
        name_change_never_updated=0.2,
        carers_recorded=0.97,
    ),
    "nhs_demographics": RecordingHabits(
        given_typo=0.003,
        family_typo=0.003,
        short_form=0.004,
        names_swapped=0.001,
        surname_part=0.05,
        middle_names_dropped=0.05,
        punctuation=0.02,
        accents_dropped=0.5,
        all_caps=0.0,
        family_caps=0.2,
        day_month_swapped=0.001,
        day_off_by_one=0.001,
        postcode_format=0.02,
        address_abbreviated=0.05,
        address_missing=0.002,
        gender_missing=0.005,
        nhs_number_held=0.995,
        upn_held=0.0,
        invalid_identifier=0.0005,
        bad_row=0.0006,
        address_update_days=60,
        address_never_updated=0.12,
        name_change_never_updated=0.15,
        carers_recorded=0.35,
    ),
    "child_benefit": RecordingHabits(
        given_typo=0.006,
        family_typo=0.006,
        short_form=0.003,
        names_swapped=0.002,
        surname_part=0.08,
        middle_names_dropped=0.10,
        punctuation=0.2,
        accents_dropped=1.0,
        all_caps=1.0,
        family_caps=0.0,
        day_month_swapped=0.003,
        day_off_by_one=0.002,
        postcode_format=0.05,
        address_abbreviated=0.15,
        address_missing=0.001,
        gender_missing=0.02,
        nhs_number_held=0.0,
        upn_held=0.0,
        invalid_identifier=0.0,
        bad_row=0.0006,
        address_update_days=30,
        address_never_updated=0.05,
        name_change_never_updated=0.3,
        carers_recorded=1.0,
    ),
    "social_care": RecordingHabits(
        given_typo=0.01,
        family_typo=0.01,
        short_form=0.03,
        names_swapped=0.005,
        surname_part=0.10,
        middle_names_dropped=0.25,
        punctuation=0.05,
        accents_dropped=0.3,
        all_caps=0.0,
        family_caps=0.0,
        day_month_swapped=0.005,
        day_off_by_one=0.004,
        postcode_format=0.08,
        address_abbreviated=0.2,
        address_missing=0.03,
        gender_missing=0.01,
        nhs_number_held=0.65,
        upn_held=0.4,
        invalid_identifier=0.002,
        bad_row=0.002,
        address_update_days=14,
        address_never_updated=0.05,
        name_change_never_updated=0.05,
        carers_recorded=1.0,
    ),
    "early_years": RecordingHabits(
        given_typo=0.012,
        family_typo=0.012,
        short_form=0.04,
        names_swapped=0.004,
        surname_part=0.15,
        middle_names_dropped=0.40,
        punctuation=0.08,
        accents_dropped=0.4,
        all_caps=0.0,
        family_caps=0.0,
        day_month_swapped=0.006,
        day_off_by_one=0.005,
        postcode_format=0.12,
        address_abbreviated=0.25,
        address_missing=0.02,
        gender_missing=0.03,
        nhs_number_held=0.1,
        upn_held=0.0,
        invalid_identifier=0.001,
        bad_row=0.002,
        address_update_days=30,
        address_never_updated=0.1,
        name_change_never_updated=0.3,
        carers_recorded=1.0,
    ),
}

SOURCES = tuple(SOURCE_HABITS)


def habits_table_markdown() -> str:
    """The rates as a Markdown table (docs/synthetic-data.md embeds this verbatim)."""
    header = "| habit | " + " | ".join(f"`{source}`" for source in SOURCES) + " |"
    rule = "|---|" + "---:|" * len(SOURCES)
    rows = []
    for habit in fields(RecordingHabits):
        values = [getattr(SOURCE_HABITS[source], habit.name) for source in SOURCES]
        cells = [
            f"{value:g}" if habit.name.endswith("_days") else f"{value:.2%}" for value in values
        ]
        rows.append(f"| {habit.name} | " + " | ".join(cells) + " |")
    return "\n".join([header, rule, *rows])
