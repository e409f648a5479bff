from datetime import UTC, date, datetime

import pytest

from contactpoint.feeds.validate import RowRejected, normalise_received, validate_row
from factories import feed_row

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def check(row):
    return validate_row(7, row, today=TODAY, now=NOW)


def rejected(row):
    with pytest.raises(RowRejected) as info:
        check(row)
    return info.value


def test_a_good_row_is_normalised_and_kept_as_received():
    row = feed_row(address={"lines": ["1 A Road"], "postcode": " ls14ap "},
                   family_name="O’NEILL")
    valid = check(row)
    assert valid.rejections == []
    assert valid.record["address"]["postcode"] == "LS1 4AP"
    assert valid.received["address"]["postcode"] == " ls14ap "
    assert valid.record["family_name"] == "O'NEILL"
    assert normalise_received(valid.received) == valid.record


@pytest.mark.parametrize("missing", ["source_id", "given_names", "family_name", "date_of_birth"])
def test_missing_required_field_rejects_the_row(missing):
    row = feed_row()
    del row[missing]
    err = rejected(row)
    assert err.field == missing
    assert f"missing required field {missing}" in err.reason


@pytest.mark.parametrize(("dob", "reason"), [
    ("2015-02-30", "impossible date"),
    ("2027-01-01", "in the future"),
    ("2001-11-22", "25 or older"),
    ("09/03/2014", "YYYY-MM-DD"),
])
def test_bad_dates_of_birth_reject_the_row(dob, reason):
    err = rejected(feed_row(date_of_birth=dob))
    assert err.field == "date_of_birth"
    assert reason in err.reason


def test_24_year_old_care_leaver_is_accepted():
    assert check(feed_row(date_of_birth="2001-11-23")).record is not None


def test_bad_identifier_is_left_out_and_the_row_loads():
    valid = check(feed_row(identifiers={"nhs_number": "9434765918", "upn": "B801200005001"}))
    assert valid.record["identifiers"] == {"nhs_number": None, "upn": "B801200005001"}
    assert [r.field for r in valid.rejections] == ["identifiers.nhs_number"]
    assert "9434765918" not in valid.rejections[0].reason
    assert "nhs_number" not in valid.received["identifiers"]


def test_sensitive_service_without_consent_is_stored_nowhere():
    services = [{"type": "sexual_health", "organisation": "Clinic X"},
                {"type": "camhs", "organisation": "CAMHS", "consent": "young_person"}]
    valid = check(feed_row(services=services))
    assert [s["type"] for s in valid.record["services"]] == ["camhs"]
    assert [s["type"] for s in valid.received["services"]] == ["camhs"]
    assert "Clinic X" not in str(valid.received)
    assert valid.rejections[0].field == "services.0.consent"


def test_unknown_service_type_and_unknown_fields_are_left_out():
    valid = check(feed_row(services=[{"type": "astrology", "organisation": "X"}],
                           religion="none"))
    fields = {r.field for r in valid.rejections}
    assert fields == {"services.0.type", "religion"}
    assert "religion" not in valid.received


def test_names_with_control_or_bidi_characters_reject_the_row():
    assert rejected(feed_row(given_names="Ann\u202eeht")).field == "given_names"
    assert rejected(feed_row(family_name="Smith1")).field == "family_name"
    assert rejected(feed_row(family_name="a" + "\u0301" * 5)).field == "family_name"


def test_names_from_many_traditions_are_accepted():
    for given, family in [("Siân", "ap Rhys"), ("Zoë", "O'Neill-Smith"), ("Łukasz", "Wójcik"),
                          ("Oluwaseun", "Adébáyọ̀"), ("Nguyễn", "Thị Hoa"),
                          ("Muhammad", "Al-Hassan"), ("Aarav", "van der Berg")]:
        valid = check(feed_row(given_names=given, family_name=family))
        assert valid.record["given_names"] == given


def test_bad_postcode_and_phone_are_left_out_alone():
    valid = check(feed_row(address={"lines": ["1 A Road"], "postcode": "NOT A PC"},
                           carers=[{"given_names": "Jo", "phone": "=cmd|' /C calc'!A0"}]))
    assert valid.record["address"]["lines"] == ["1 A Road"]
    assert valid.record["address"]["postcode"] is None
    assert valid.record["carers"][0]["phone"] is None
    assert {r.field for r in valid.rejections} == {"address.postcode", "carers.0.phone"}


def test_delete_needs_only_a_source_id():
    valid = check({"source_id": "X1", "action": "delete"})
    assert valid.action == "delete"
    assert valid.record is None
    assert rejected({"source_id": "X1", "action": "explode"}).field == "action"


def test_recorded_at_in_the_future_rejects_the_row():
    assert rejected(feed_row(recorded_at="2030-01-01T00:00:00Z")).field == "recorded_at"
    assert check(feed_row(recorded_at="2026-11-01T09:30:00")).recorded_at.tzinfo is not None


def test_csv_style_strings_are_understood():
    valid = check(feed_row(carers=[{"given_names": "Jo", "parental_responsibility": "true"}],
                           services=[{"type": "gp", "organisation": "Surgery", "caf": "0"}]))
    assert valid.record["carers"][0]["parental_responsibility"] is True
    assert valid.record["services"][0]["caf"] is False
