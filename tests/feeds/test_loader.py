from datetime import date

import orjson
import pytest
from django.db import connection

from contactpoint.db import bulk
from contactpoint.identity.models import BlindIndexEntry, Child, SourceRecord
from contactpoint.identity.store import ChildDeriver, open_child_record, open_payload
from contactpoint.loading.loader import ingest_file
from contactpoint.matching.models import ReviewItem
from databases import both_databases
from factories import feed_row, nhs_number, pupil_number, write_jsonl

pytestmark = both_databases
TODAY = date(2026, 11, 22)


def load(source, path, **kw):
    return ingest_file(source, path, today=TODAY, **kw)


def state(keys):
    """The index as a comparable value: who is linked with whom, and each child's record."""
    groups = {}
    for sr in SourceRecord.objects.filter(deleted=False).select_related("source", "child"):
        sid = open_payload(keys, sr.child.contactpoint_id, sr)["record"]["source_id"]
        groups.setdefault(sr.child_id, []).append((sr.source.name, sid, sr.link_state))
    records = {}
    for child in Child.objects.filter(pk__in=groups):
        record = open_child_record(keys, child)
        records[tuple(sorted(groups[child.pk]))] = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    return records


def test_load_creates_children_and_writes_rejects(tmp_path, keystore):
    path = write_jsonl(tmp_path / "school.jsonl", [
        feed_row(), feed_row(date_of_birth="2015-02-30"), b"{not json",
        feed_row(services=[{"type": "substance_misuse", "organisation": "Hidden"}]),
    ])
    summary = load("school_census", path)
    assert (summary.read, summary.created, summary.rejected, summary.parts_rejected) == (4, 2, 2, 1)
    rejects = [orjson.loads(line) for line in (tmp_path / "school.jsonl.rejects.jsonl")
               .read_bytes().splitlines()]
    assert [(r["line"], r["field"]) for r in rejects] == [
        (2, "date_of_birth"), (3, None), (4, "services.0.consent")]
    assert Child.objects.count() == 2
    # Each stored record is findable through its own blind-index tokens.
    for sr in SourceRecord.objects.all():
        assert BlindIndexEntry.objects.filter(source_record=sr, child=sr.child).count() >= 5


def test_same_file_twice_changes_nothing(tmp_path, keystore):
    path = write_jsonl(tmp_path / "f.jsonl", [feed_row() for _ in range(5)]
                       + [feed_row(recorded_at=None)])
    load("nhs_demographics", path)
    before = state(keystore)
    stamps = list(SourceRecord.objects.values_list("updated_at", flat=True).order_by("pk"))
    summary = load("nhs_demographics", path)
    assert summary.unchanged == 6
    assert (summary.created, summary.updated, summary.linked) == (0, 0, 0)
    assert state(keystore) == before
    assert list(SourceRecord.objects.values_list("updated_at", flat=True).order_by("pk")) == stamps


def test_later_recorded_at_wins_whatever_the_order(tmp_path, keystore):
    old = feed_row(source_id="A1", recorded_at="2026-01-01T00:00:00Z", family_name="Oldname")
    new = dict(old, recorded_at="2026-06-01T00:00:00Z", family_name="Newname")
    load("social_care", write_jsonl(tmp_path / "1.jsonl", [new]))
    summary = load("social_care", write_jsonl(tmp_path / "2.jsonl", [old]))
    assert summary.superseded == 1
    child = Child.objects.get()
    assert open_child_record(keystore, child)["name"]["family_name"] == "Newname"


def test_delete_leaves_a_tombstone_an_older_upsert_cannot_raise(tmp_path, keystore):
    row = feed_row(source_id="D1", recorded_at="2026-01-01T00:00:00Z")
    load("early_years", write_jsonl(tmp_path / "1.jsonl", [row]))
    load("early_years", write_jsonl(tmp_path / "2.jsonl", [
        {"source_id": "D1", "action": "delete", "recorded_at": "2026-02-01T00:00:00Z"}]))
    sr = SourceRecord.objects.get()
    assert sr.deleted
    assert sr.payload is None
    assert sr.child is None
    assert open_child_record(keystore, Child.objects.get()) is None
    assert not BlindIndexEntry.objects.exists()
    summary = load("early_years", write_jsonl(tmp_path / "3.jsonl", [row]))
    assert summary.superseded == 1
    assert SourceRecord.objects.get().deleted


def test_shared_nhs_number_or_upn_links_sources_into_one_child(tmp_path, keystore):
    nhs, upn = nhs_number(), pupil_number()
    load("nhs_demographics", write_jsonl(tmp_path / "n.jsonl", [
        feed_row(source_id="N1", identifiers={"nhs_number": nhs})]))
    load("school_census", write_jsonl(tmp_path / "s.jsonl", [
        feed_row(source_id="S1", identifiers={"nhs_number": nhs, "upn": upn},
                 family_name="Testerton-Smith", recorded_at="2026-11-02T00:00:00Z")]))
    load("child_benefit", write_jsonl(tmp_path / "c.jsonl", [
        feed_row(source_id="C1", identifiers={"upn": upn}),
        feed_row(source_id="C2", identifiers={}, given_names="Zachary", gender="male",
                 date_of_birth="2016-07-21")]))
    assert Child.objects.count() == 2
    linked = Child.objects.get(source_records__source__name="nhs_demographics")
    assert linked.source_records.count() == 3
    states = sorted(linked.source_records.values_list("link_state", flat=True))
    assert states == ["auto", "auto", "new"]
    record = open_child_record(keystore, linked)
    assert record["name"]["family_name"] == "Testerton-Smith"  # most recent wins
    assert record["provenance"]["name"]["source"] == "school_census"
    assert record["identifiers"] == {"nhs_number": [nhs], "upn": [upn]}


def test_two_records_of_one_source_sharing_an_nhs_number_go_to_a_person(tmp_path, keystore):
    """A source's own ids say two records are two children: only a person may join them.

    The second row finds the child the first made earlier in the same batch."""
    nhs = nhs_number()
    summary = load("nhs_demographics", write_jsonl(tmp_path / "n.jsonl", [
        feed_row(identifiers={"nhs_number": nhs}), feed_row(identifiers={"nhs_number": nhs})]))
    assert (summary.created, summary.review, summary.linked) == (1, 1, 0)
    assert Child.objects.count() == 2
    item = ReviewItem.objects.get()
    assert item.source_record.link_state == "review"
    assert item.candidate != item.source_record.child
    assert "nhs_demographics" in item.reason


def test_rederiving_gives_the_same_record(tmp_path, keystore):
    rows = [feed_row(identifiers={"nhs_number": nhs_number()}) for _ in range(4)]
    load("nhs_demographics", write_jsonl(tmp_path / "a.jsonl", rows))
    load("school_census", write_jsonl(tmp_path / "b.jsonl", [
        dict(r, source_id="S" + r["source_id"], given_names="Amy") for r in rows]))
    before = state(keystore)
    ChildDeriver(keystore).rederive(Child.objects.values_list("pk", flat=True))
    assert state(keystore) == before


def test_a_load_killed_midway_and_rerun_ends_as_one_clean_run(tmp_path, keystore, monkeypatch):
    shared = [nhs_number() for _ in range(30)]
    rows = [feed_row(source_id=f"K{i}", identifiers={"nhs_number": shared[i % 30]},
                     given_names=f"Kid {'abcdefghij'[i % 10]}") for i in range(75)]
    path = write_jsonl(tmp_path / "k.jsonl", rows)

    load("nhs_demographics", path, batch_size=10)
    reference = state(keystore)
    Child.objects.all().delete()
    SourceRecord.objects.all().delete()

    real = ChildDeriver.rederive
    calls = {"n": 0}

    def dying(self, child_ids, known=None):
        calls["n"] += 1
        if calls["n"] == 4:  # killed inside the 4th batch's transaction, after its writes
            raise KeyboardInterrupt
        return real(self, child_ids, known)

    monkeypatch.setattr(ChildDeriver, "rederive", dying)
    with pytest.raises(KeyboardInterrupt):
        load("nhs_demographics", path, batch_size=10)
    assert 0 < SourceRecord.objects.count() < 75
    monkeypatch.setattr(ChildDeriver, "rederive", real)
    load("nhs_demographics", path, batch_size=10)
    assert state(keystore) == reference
    assert Child.objects.filter(record__isnull=False).count() == len(reference)


def test_a_load_that_outgrew_the_statistics_refreshes_them(tmp_path, monkeypatch):
    """On PostgreSQL a big load is followed by ANALYZE (VACUUM too, outside a
    transaction), so the planner knows the new size; a small one is not."""
    if connection.vendor == "postgresql":
        # Statistics live outside transactions: another test's index build (the
        # initial load's) may have left counts in pg_class. Start from the empty tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE identity_sourcerecord, identity_blindindexentry, "
                           "identity_child, matching_matchdecision")
    rows = [feed_row(source_id=f"S{i}", identifiers={"nhs_number": nhs_number()})
            for i in range(5)]
    monkeypatch.setattr(bulk, "STATISTICS_MIN_ROWS", 6)
    load("nhs_demographics", write_jsonl(tmp_path / "a.jsonl", rows))
    assert not bulk.refresh_statistics([SourceRecord], 5)

    monkeypatch.setattr(bulk, "STATISTICS_MIN_ROWS", 5)
    more = [feed_row(source_id=f"T{i}", identifiers={"nhs_number": nhs_number()})
            for i in range(5)]
    load("nhs_demographics", write_jsonl(tmp_path / "b.jsonl", more))
    if connection.vendor != "postgresql":
        assert not bulk.refresh_statistics([SourceRecord], 10)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s",
                       [SourceRecord._meta.db_table])
        assert cursor.fetchone()[0] == 10  # counted by the ANALYZE after the second load
    # Against 10 counted rows, 1 written is under a tenth.
    monkeypatch.setattr(bulk, "STATISTICS_MIN_ROWS", 1)
    assert not bulk.refresh_statistics([SourceRecord], 0)
    assert bulk.refresh_statistics([SourceRecord], 1)



def _entries(source):
    """The blind-index entries of a source's only record: (token, child) -> entry id."""
    return {(bytes(e.token), e.child_id): e.pk
            for e in BlindIndexEntry.objects.filter(source_record__source__name=source)}


def test_an_update_rewrites_only_the_index_entries_that_changed(tmp_path):
    row = feed_row(source_id="U1", recorded_at="2026-11-01T09:00:00Z")
    load("nhs_demographics", write_jsonl(tmp_path / "a.jsonl", [row]))
    first = _entries("nhs_demographics")

    service = {**row, "recorded_at": "2026-11-02T09:00:00Z",
               "services": [{**row["services"][0], "phone": "0113 496 0999"}]}
    load("nhs_demographics", write_jsonl(tmp_path / "b.jsonl", [service]))
    assert _entries("nhs_demographics") == first  # the same entries, not rewritten

    address = {"lines": ["3 Low Road"], "town": "York", "postcode": "YO1 7HH"}
    moved = {**service, "recorded_at": "2026-11-03T09:00:00Z", "address": address}
    load("nhs_demographics", write_jsonl(tmp_path / "c.jsonl", [moved]))
    after = _entries("nhs_demographics")
    kept = first.keys() & after.keys()
    assert kept
    assert after.keys() != first.keys()
    assert all(after[entry] == first[entry] for entry in kept)  # kept, not re-inserted
    # The same content loaded fresh is indexed under exactly the same tokens.
    load("school_census", write_jsonl(tmp_path / "d.jsonl", [{**moved, "source_id": "F1"}]))
    assert ({token for token, _ in _entries("school_census")}
            == {token for token, _ in after})
