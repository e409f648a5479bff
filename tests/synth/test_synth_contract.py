"""Every row follows the Feed record contract, and the loader's own validator agrees.

Only the deliberately bad rows and identifiers (counted in the summary) are rejected.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

from stdnum.gb import nhs, upn
from synth_population import TODAY, Population

from contactpoint.feeds.validate import RowRejected, validate_row
from contactpoint.identity.identifiers import InvalidIdentifier, normalise_upn
from contactpoint.synth import SOURCES

ROW_KEYS = [
    "source_id",
    "action",
    "recorded_at",
    "given_names",
    "family_name",
    "former_family_names",
    "preferred_name",
    "date_of_birth",
    "gender",
    "address",
    "address_status",
    "identifiers",
    "carers",
    "services",
]
SERVICE_KEYS = [
    "type",
    "organisation",
    "organisation_code",
    "practitioner",
    "phone",
    "email",
    "start_date",
    "end_date",
    "lead_professional",
    "caf",
    "consent",
]
CARER_KEYS = [
    "given_names",
    "family_name",
    "relationship",
    "parental_responsibility",
    "phone",
    "email",
    "address",
]
SERVICE_TYPES = {
    "school",
    "early_years",
    "gp",
    "health_visitor",
    "school_nurse",
    "social_care",
    "youth_offending",
    "camhs",
    "sexual_health",
    "substance_misuse",
    "voluntary",
    "police",
    "other",
}
SENSITIVE = {"camhs", "sexual_health", "substance_misuse"}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SOURCE_ID = {
    "school_census": re.compile(r"^SC-\d{9}$"),
    "nhs_demographics": re.compile(r"^PDS-\d{9}$"),
    "child_benefit": re.compile(r"^CHB-\d{9}$"),
    "social_care": re.compile(r"^E\d{8}-CSC-\d{9}$"),
    "early_years": re.compile(r"^EY-\d{9}$"),
}


def all_rows(population: Population):
    for source in SOURCES:
        for row in population.rows[source]:
            yield source, row


def test_rows_have_the_contract_fields_in_order(population: Population):
    for _, row in all_rows(population):
        assert list(row) == ROW_KEYS
        assert row["action"] == "upsert"
        assert list(row["identifiers"]) == ["nhs_number", "upn"]
        assert row["gender"] in {"female", "male", "other", "unspecified", None}
        assert row["address_status"] in {
            "current",
            "last_known",
            "none_known",
            "left_england",
            None,
        }
        if row["address"] is not None:
            assert list(row["address"]) == ["lines", "town", "postcode", "uprn"]
            assert row["address"]["lines"]
        for carer in row["carers"]:
            assert list(carer) == CARER_KEYS
            assert isinstance(carer["parental_responsibility"], bool)
        for involvement in row["services"]:
            assert list(involvement) == SERVICE_KEYS
            assert involvement["type"] in SERVICE_TYPES


def test_required_fields_are_present_apart_from_the_deliberately_bad_rows(population: Population):
    missing = sum(1 for _, row in all_rows(population) if row["date_of_birth"] is None)
    documented = sum(
        counts.get("bad_row_no_date_of_birth", 0) for counts in population.summary.mistakes.values()
    )
    assert missing == documented
    for _, row in all_rows(population):
        assert row["source_id"]
        assert row["given_names"]
        assert row["family_name"]


def test_source_ids_are_unique_and_shaped_per_source(population: Population):
    for source in SOURCES:
        ids = [row["source_id"] for row in population.rows[source]]
        assert len(ids) == len(set(ids))
        assert all(SOURCE_ID[source].match(source_id) for source_id in ids)


def test_source_ids_do_not_follow_the_order_of_the_children(population: Population):
    ids = [int(row["source_id"][-9:]) for row in population.rows["nhs_demographics"]]
    steps = [b - a for a, b in itertools.pairwise(ids)]
    assert 0.4 < sum(step > 0 for step in steps) / len(steps) < 0.6
    assert len(set(steps)) > 0.99 * len(steps)  # no constant stride either


def test_recorded_at_is_a_utc_time_no_later_than_today(population: Population):
    for _, row in all_rows(population):
        assert TIMESTAMP.match(row["recorded_at"])
        assert row["recorded_at"][:10] <= TODAY.isoformat()


def test_sensitive_services_always_carry_consent(population: Population):
    sensitive = 0
    for _, row in all_rows(population):
        for involvement in row["services"]:
            if involvement["type"] in SENSITIVE:
                sensitive += 1
                assert involvement["consent"] in {"young_person", "harm_exception"}
            else:
                assert involvement["consent"] is None
    assert sensitive > 20


def test_identifiers_pass_their_checks_except_the_documented_few(population: Population):
    failing = 0
    for _, row in all_rows(population):
        number, pupil = row["identifiers"]["nhs_number"], row["identifiers"]["upn"]
        if number is not None and not nhs.is_valid(number):
            failing += 1
        if pupil is not None:
            assert upn.compact(pupil) == pupil
            try:
                normalise_upn(pupil)
            except InvalidIdentifier:
                failing += 1
    documented = sum(
        counts.get("invalid_identifier", 0) for counts in population.summary.mistakes.values()
    )
    assert failing == documented
    assert 0 < failing < 40


def test_the_loaders_validator_rejects_only_the_deliberately_bad_rows(population: Population):
    now = datetime(TODAY.year, TODAY.month, TODAY.day, 23, 0, tzinfo=UTC)
    for source in SOURCES:
        rejected_rows, rejected_parts = 0, []
        for line, row in enumerate(population.rows[source], start=1):
            try:
                valid = validate_row(line, row, today=TODAY, now=now)
            except RowRejected:
                rejected_rows += 1
                continue
            rejected_parts += [rejection.field for rejection in valid.rejections]
        mistakes = population.summary.mistakes[source]
        bad_rows = sum(
            count for mistake, count in mistakes.items() if mistake.startswith("bad_row")
        )
        assert rejected_rows == bad_rows, source
        assert all(field.startswith("identifiers.") for field in rejected_parts), (
            source,
            rejected_parts,
        )
        assert len(rejected_parts) == mistakes.get("invalid_identifier", 0), source
