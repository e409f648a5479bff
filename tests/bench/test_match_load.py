"""Our loader in the matching benchmark: the delta split, and a real initial + delta load."""

from __future__ import annotations

import io
from datetime import date

import orjson
import pytest

from contactpoint.bench.accuracy import evaluate
from contactpoint.bench.match_load import run_our_load, split_delta
from contactpoint.synth import generate

TODAY = date(2026, 11, 1)


def ids(path):
    return [orjson.loads(line)["source_id"] for line in path.read_bytes().splitlines()
            if line.startswith(b"{")]


def test_the_delta_holds_back_new_records_and_changes_loaded_ones(tmp_path):
    generate(300, 4, tmp_path / "feeds", today=TODAY)
    split = split_delta(tmp_path / "feeds", tmp_path / "split", TODAY, records=200)
    assert (split.held_out, split.updated) == (40, 160)
    delta_rows = initial_rows = original_rows = 0
    for source, delta in split.delta.items():
        original = ids(tmp_path / "feeds" / f"{source}.jsonl")
        initial = ids(split.initial[source])
        later = [orjson.loads(line) for line in delta.read_bytes().splitlines()]
        original_rows += len(original)
        initial_rows += len(initial)
        delta_rows += len(later)
        for row in later:
            if row["recorded_at"] == "2026-11-02T06:00:00Z":
                assert row["source_id"] in initial  # an update of a loaded record
            else:
                assert row["source_id"] not in initial or original.count(row["source_id"]) > 1
    assert initial_rows == original_rows - 40
    assert delta_rows == 200
    again = split_delta(tmp_path / "feeds", tmp_path / "split", TODAY, records=200)
    assert again == split  # reused, not redrawn


@pytest.mark.slow
def test_an_initial_load_then_a_delta_on_sqlite(tmp_path):
    generate(300, 4, tmp_path / "feeds", today=TODAY)
    split = split_delta(tmp_path / "feeds", tmp_path / "split", TODAY, records=100)
    out = io.StringIO()
    run = run_our_load("sqlite", split, tmp_path / "ours", None, today=TODAY, out=out)
    assert run.error is None, out.getvalue()
    assert len(run.initial) == 1  # one initial-load of every file
    assert len(run.delta) == len(split.delta)
    assert run.initial[0].read == sum(
        path.read_bytes().count(b"\n") for path in split.initial.values())
    assert sum(step.read for step in run.delta) == 100
    assert run.initial_rate > 0
    assert run.delta_rate > 0
    assert "delta" in out.getvalue()
    report = evaluate(run.links_csv, tmp_path / "feeds" / "truth.csv",
                      tmp_path / "feeds" / "reference" / "births.csv")
    assert report.precision > 0.99
    assert report.recall > 0.9
