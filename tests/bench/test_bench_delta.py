"""The daily-delta benchmark end to end: a population loaded, a delta made and loaded,
and the index afterwards holds what the delta said (moves, deletions, newborns apart).

Speed is printed, never asserted: only that the figures are there and add up.
"""

import io
from datetime import date

import pytest

from contactpoint.bench.delta import EmptyIndex, active_children, run_delta_benchmark
from contactpoint.cli.main import main
from contactpoint.identity.models import Child, LinkState, SourceRecord
from contactpoint.identity.store import open_child_record, open_payload
from contactpoint.loading.loader import ingest_file
from contactpoint.synth import generate
from contactpoint.synth.delta import feed_files, generate_delta
from databases import both_databases
from delta_changes import delta_changes, feed_rows, postcode
from factories import feed_row, write_jsonl

pytestmark = both_databases
CHILDREN, RECORDS, SEED = 300, 200, 23
TODAY = date(2026, 11, 1)


def _source_record(keys, stem, source_id):
    token = keys.blind_index.token("source-record", stem, source_id)
    return SourceRecord.objects.select_related("child").get(source_key=token)


def _loaded_population(folder):
    generate(CHILDREN, SEED, folder, today=TODAY, workers=1)
    for path in feed_files(folder):
        ingest_file(path.stem, path, today=TODAY)


def test_a_delta_loads_against_the_index_and_changes_what_it_says(tmp_path, keystore):
    feeds, delta = tmp_path / "feeds", tmp_path / "delta"
    _loaded_population(feeds)
    before = active_children()
    made = generate_delta(feeds, RECORDS, SEED, delta)
    changes = delta_changes(feeds, delta)
    # Which child each changed record belonged to before the delta (a deletion loses it).
    child_before = {(c.stem, c.row["source_id"]): _source_record(keystore, c.stem,
                                                                 c.row["source_id"]).child_id
                    for c in changes if c.kind != "birth"}

    out = io.StringIO()
    run = run_delta_benchmark(delta, out)

    text = out.getvalue()
    assert run.children_before == before > 0
    assert f"{before:,} active children before" in text
    assert run.today == made.day
    assert run.records == RECORDS
    for load in run.files:
        assert (load.summary.rejected, load.summary.parts_rejected) == (0, 0)
        assert load.summary.line() in text
        assert load.name in text
        assert load.peak_kib > 0
    assert sum(f.summary.updated for f in run.files) == sum(
        c.kind in {"move", "service", "family_name"} for c in changes)
    assert sum(f.summary.deleted for f in run.files) == sum(c.kind == "delete" for c in changes)
    assert f"{RECORDS:,} records in " in text

    # Every moved record holds its new address.
    moves = [c for c in changes if c.kind == "move"]
    for move in moves:
        sr = _source_record(keystore, move.stem, move.row["source_id"])
        record = open_payload(keystore, sr.child.contactpoint_id, sr)["record"]
        assert record["address"]["postcode"] == postcode(move.row)
    # A child whose latest change was a move now lives there.
    latest = {}
    for change in changes:
        child = child_before.get((change.stem, change.row["source_id"]))
        if child is not None and (child not in latest or change.row["recorded_at"]
                                  > latest[child].row["recorded_at"]):
            latest[child] = change
    moved_children = [(child, c) for child, c in latest.items() if c.kind == "move"]
    assert moved_children
    for child, move in moved_children:
        derived = open_child_record(keystore, Child.objects.get(pk=child))
        assert derived["address"]["postcode"] == postcode(move.row)

    for deletion in (c for c in changes if c.kind == "delete"):
        sr = _source_record(keystore, deletion.stem, deletion.row["source_id"])
        assert sr.deleted
        assert sr.payload is None

    # Each newborn is a new child of its own, never joined to the sibling it copies.
    births = [c for c in changes if c.kind == "birth"]
    assert births
    nhs_rows = feed_rows(feeds)["nhs_demographics"].values()
    for birth in births:
        sr = _source_record(keystore, "nhs_demographics", birth.row["source_id"])
        assert sr.link_state == LinkState.NEW
        assert list(SourceRecord.objects.filter(child=sr.child_id, deleted=False)) == [sr]
        siblings = [_source_record(keystore, "nhs_demographics", row["source_id"])
                    for row in nhs_rows if row["family_name"] == birth.row["family_name"]
                    and row["address"] == birth.row["address"]]
        assert siblings
        assert sr.child_id not in {s.child_id for s in siblings}
    assert run.children_after == before + len(births)


def test_an_empty_index_is_refused(tmp_path, keystore, capsys):
    delta = tmp_path / "delta"
    delta.mkdir()
    write_jsonl(delta / "school_census.jsonl", [feed_row()])
    with pytest.raises(EmptyIndex):
        run_delta_benchmark(delta, io.StringIO())
    assert not SourceRecord.objects.exists()
    assert main(["bench-delta", "--feeds", str(delta)]) == 1
    _, err = capsys.readouterr()
    assert "no active children" in err
    assert err.count("\n") == 1
    assert main(["bench-delta", "--feeds", str(tmp_path / "missing")]) == 2
