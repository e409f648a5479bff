"""The audit benchmark runs end to end on a small log and prints one line per step."""

from __future__ import annotations

from contactpoint.bench.audit import main, make_entries, run


def test_entries_are_distinct_and_sized():
    entries = make_entries(500, 40)
    assert len(set(entries)) == 500
    assert {len(e) for e in entries} == {40}


def test_run_times_each_step_over_every_entry():
    timings = run(entries=3000, entry_bytes=64, checkpoint_every=250)
    assert [t.name for t in timings] == ["leaf hashes", "tree from hashes", "verify_log"]
    assert all(t.entries == 3000 and t.seconds > 0 for t in timings)


def test_main_prints_the_figures(capsys):
    assert main(["--entries", "1000", "--entry-bytes", "32", "--checkpoint-every", "7"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("audit log: 1,000 entries of 32 bytes")
    assert [line.split()[0] for line in out[1:]] == ["leaf", "tree", "verify_log"]
    assert all("entries/s" in line for line in out[1:])
