"""`contactpoint retention run`: archive at 18 or a year after a death, purge six years on.

Synthetic children loaded through the real loader, the run given its day (`--today`).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

import trail
from children_world import ready_person
from contactpoint.audit import trail as audit_trail
from contactpoint.audit.models import Entry
from contactpoint.cli.main import main
from contactpoint.crypto.keystore import get_keystore
from contactpoint.identity.models import (
    BlindIndexEntry,
    Child,
    ChildStatus,
    Involvement,
    SourceRecord,
)
from contactpoint.lifecycle import retention
from contactpoint.loading.loader import ingest_file
from databases import both_databases
from factories import feed_row, write_jsonl

pytestmark = both_databases

LOADED = date(2026, 11, 22)
#: Born 10 January 2009: 18 on 10 January 2027.
TURNS_18 = date(2027, 1, 10)


def load(tmp_path, rows, name="feed.jsonl"):  # type: ignore[no-untyped-def]
    ingest_file("school_census", write_jsonl(tmp_path / name, rows), today=LOADED)




@pytest.fixture
def world(tmp_path, keystore):  # type: ignore[no-untyped-def]
    """Three children, told apart by their dates: one turns 18 on TURNS_18, one is 11,
    one is 11 and died on 1 June 2026."""
    ids = {}
    for name, row in (("old", feed_row(given_names="Olu", family_name="Adeyemi",
                                       date_of_birth="2009-01-10")),
                      ("young", feed_row(given_names="Yara", family_name="Begum",
                                         date_of_birth="2015-04-02")),
                      ("died", feed_row(given_names="Dara", family_name="Cole",
                                        date_of_birth="2015-05-05",
                                        date_of_death="2026-06-01"))):
        load(tmp_path, [row], f"{name}.jsonl")
        ids[name] = Child.objects.order_by("-pk").values_list("contactpoint_id",
                                                             flat=True).first()
    assert Child.objects.count() == 3
    return ids


def status(cp_id: str) -> tuple[str, date | None, date | None]:
    c = Child.objects.get(contactpoint_id=cp_id)
    return c.status, c.archived_on, c.purged_on


def test_archived_on_the_18th_birthday_not_the_day_before_and_audited(world):
    report = retention.run(date(2027, 1, 9))
    assert (report.examined, sum(report.archived.values())) == (3, 0)
    assert status(world["old"]) == (ChildStatus.ACTIVE, None, None)

    start = trail.mark()
    report = retention.run(TURNS_18)
    assert report.archived == {"age": 1, "death": 0}
    assert status(world["old"]) == (ChildStatus.ARCHIVED, TURNS_18, None)
    assert status(world["young"])[0] == status(world["died"])[0] == ChildStatus.ACTIVE
    (entry,) = trail.entries(after=start)
    assert (entry["event"], entry["actor"], entry["subject"]) == (
        "retention:child:archive", "operator:retention", world["old"])
    assert entry["details"]["rule"] == "age"
    # The rule is sealed: what stays readable says nothing about why.
    assert "age" not in Entry.objects.get(pk=entry["id"]).details


def test_a_recorded_death_is_kept_a_year_then_archived(world):
    retention.run(date(2027, 5, 31))
    assert status(world["died"])[0] == ChildStatus.ACTIVE
    report = retention.run(date(2027, 6, 1))
    assert report.archived == {"age": 0, "death": 1}
    assert status(world["died"]) == (ChildStatus.ARCHIVED, date(2027, 6, 1), None)


def test_purged_six_years_after_archiving_leaving_a_tombstone_and_a_trail_that_verifies(
        world):
    old = Child.objects.get(contactpoint_id=world["old"])
    assert SourceRecord.objects.filter(child=old).exists()
    assert BlindIndexEntry.objects.filter(child=old).exists()
    _two_versions_of_an_involvement(old)
    retention.run(TURNS_18)
    retention.run(date(2033, 1, 9))
    assert status(world["old"])[0] == ChildStatus.ARCHIVED

    start = trail.mark()
    report = retention.run(date(2033, 1, 10))
    assert report.purged == 1
    tomb = Child.objects.get(contactpoint_id=world["old"])
    assert (tomb.status, tomb.archived_on, tomb.purged_on) == (
        ChildStatus.PURGED, TURNS_18, date(2033, 1, 10))
    assert tomb.record is None
    assert tomb.local_authority_id is None
    assert not get_keystore().owners_present([world["old"]])
    assert not SourceRecord.objects.filter(child=tomb).exists()
    assert not BlindIndexEntry.objects.filter(child=tomb).exists()
    assert not Involvement.objects.filter(child=tomb).exists()
    # The others are not yet due: one still a child, one archived after her death.
    assert status(world["young"])[0] == ChildStatus.ACTIVE
    assert status(world["died"])[0] == ChildStatus.ARCHIVED
    (entry,) = trail.entries(after=start, event="retention:child:purge")
    assert entry["subject"] == world["old"]
    # Every entry about the child is still in the trail, and the trail verifies.
    assert sorted(e.event for e in audit_trail.select(child=world["old"])) == [
        "retention:child:archive", "retention:child:purge"]
    assert main(["audit", "verify"]) == 0


def _two_versions_of_an_involvement(of: Child) -> None:
    """Recorded straight into the table: an earlier version superseded by a later one."""
    user, _ = ready_person("teacher", "practitioner", "URN:107654", "school")
    made = [Involvement.objects.create(
        child=of, organisation=user.organisation, recorded_by=user, service_type="school",
        details=b"sealed", recorded_at=timezone.now()) for _ in range(2)]
    Involvement.objects.filter(pk=made[0].pk).update(superseded_by=made[1])


def test_a_second_run_on_the_same_day_does_nothing_and_writes_nothing(world):
    retention.run(TURNS_18)
    retention.run(date(2033, 1, 10))
    start = trail.mark()
    again = retention.run(date(2033, 1, 10))
    assert (sum(again.archived.values()), again.purged) == (0, 0)
    assert trail.events(after=start) == []


def _end_state():  # type: ignore[no-untyped-def]
    return sorted(Child.objects.values_list("contactpoint_id", "status", "archived_on",
                                            "purged_on"))


class Killed(Exception):
    pass


def test_a_run_killed_after_a_batch_is_finished_by_the_next(world):
    """Batches of one: stopped after the first batch of each pass, then run again."""
    def kill(kind, size):  # type: ignore[no-untyped-def]
        raise Killed(kind)

    with pytest.raises(Killed):
        retention.run(date(2028, 1, 1), archive_batch=1, after_batch=kill)
    archived_so_far = Child.objects.filter(status=ChildStatus.ARCHIVED).count()
    assert archived_so_far <= 1
    retention.run(date(2028, 1, 1), archive_batch=1)
    assert Child.objects.filter(status=ChildStatus.ARCHIVED).count() == 2

    with pytest.raises(Killed):
        retention.run(date(2034, 6, 1), purge_batch=1,
                      after_batch=lambda kind, n: kind == "purge" and kill(kind, n))
    assert Child.objects.filter(status=ChildStatus.PURGED).count() == 1
    retention.run(date(2034, 6, 1), purge_batch=1)
    assert Child.objects.filter(status=ChildStatus.PURGED).count() == 2
    assert main(["audit", "verify"]) == 0


def test_killed_between_destroying_the_key_and_deleting_the_data(world, monkeypatch):
    retention.run(TURNS_18)
    real = retention.erase_data

    def dies(ids):  # type: ignore[no-untyped-def]
        raise Killed("after the key store committed")

    monkeypatch.setattr(retention, "erase_data", dies)
    with pytest.raises(Killed):
        retention.run(date(2033, 1, 10))
    # The key is gone (the record cannot be read); the data is still there, still archived.
    assert not get_keystore().owners_present([world["old"]])
    assert status(world["old"])[0] == ChildStatus.ARCHIVED
    monkeypatch.setattr(retention, "erase_data", real)
    report = retention.run(date(2033, 1, 10))
    assert report.purged == 1
    assert status(world["old"])[0] == ChildStatus.PURGED
    assert not SourceRecord.objects.filter(
        child__contactpoint_id=world["old"]).exists()


def test_the_command_prints_what_it_did(world, capsys):
    assert main(["retention", "run", "--today", TURNS_18.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "retention run for 2027-01-10" in out
    assert "examined 3 active children" in out
    assert "archived 1 (at 18: 1" in out
    assert "purged 0" in out


def test_the_command_refuses_a_day_that_is_not_a_date(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["retention", "run", "--today", "10/01/2027"])
    assert stopped.value.code == 2
    assert "'10/01/2027' is not a date as YYYY-MM-DD" in capsys.readouterr().err
