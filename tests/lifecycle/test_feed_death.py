"""The feed's optional `date_of_death`: kept when sent and sound, old feeds unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime

from contactpoint.crypto.keystore import get_keystore
from contactpoint.feeds.validate import normalise_received, validate_row
from contactpoint.identity.models import Child
from contactpoint.identity.store import open_child_record
from contactpoint.loading.loader import ingest_file
from databases import both_databases
from factories import feed_row, write_jsonl

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_a_date_of_death_is_kept_as_sent():
    valid = validate_row(1, feed_row(date_of_death="2026-06-01"), today=TODAY, now=NOW)
    assert valid.rejections == []
    assert valid.record["date_of_death"] == "2026-06-01"
    assert normalise_received(valid.received) == valid.record


def test_a_row_without_one_is_exactly_as_before():
    valid = validate_row(1, feed_row(), today=TODAY, now=NOW)
    assert "date_of_death" not in valid.record
    assert "date_of_death" not in valid.received


def test_an_impossible_date_of_death_is_left_out_and_the_row_kept():
    for bad, says in (("2026-13-01", "date_of_death is an impossible date"),
                      ("1 June", "date_of_death must be a date as YYYY-MM-DD"),
                      ("2010-01-01", "date_of_death is before date_of_birth"),
                      ("2027-01-01", "date_of_death is in the future")):
        valid = validate_row(1, feed_row(date_of_birth="2014-03-09", date_of_death=bad),
                             today=TODAY, now=NOW)
        assert "date_of_death" not in valid.record
        assert [r.field for r in valid.rejections] == ["date_of_death"]
        assert says in valid.rejections[0].reason


@both_databases
def test_an_old_feed_still_loads_and_a_new_one_carries_the_death_into_the_record(
        tmp_path, keystore):
    ingest_file("school_census", write_jsonl(tmp_path / "old.jsonl", [
        feed_row(source_id="A", given_names="Ada", family_name="Obi")]), today=TODAY)
    first = Child.objects.get()
    assert "date_of_death" not in open_child_record(get_keystore(), first)
    ingest_file("school_census", write_jsonl(tmp_path / "new.jsonl", [
        feed_row(source_id="B", given_names="Bea", family_name="Ucheh",
                 date_of_death="2026-06-01")]), today=TODAY)
    second = Child.objects.exclude(pk=first.pk).get()
    record = open_child_record(get_keystore(), second)
    assert record["date_of_death"] == "2026-06-01"
    assert record["provenance"]["date_of_death"]["source"] == "school_census"
