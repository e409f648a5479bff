"""A load killed with SIGKILL mid-way, run again, ends exactly as one clean run ends."""

import csv
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from contactpoint.synth import generate
from waiting import wait_for

TODAY = "2026-11-22"


def contactpoint(data_dir, *args, wait=True):
    env = {**os.environ, "CONTACTPOINT_DATA_DIR": str(data_dir)}
    for name in ("CONTACTPOINT_DATABASE_URL", "CONTACTPOINT_KEYSTORE_URL",
                 "CONTACTPOINT_MASTER_KEY_FILE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    command = [sys.executable, "-m", "contactpoint.cli.main", *args]
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True)


def partition(data_dir):
    """Which source records share a child: ids differ between runs, groupings must not."""
    contactpoint(data_dir, "links", "--out", str(data_dir / "links.csv"))
    groups = {}
    with open(data_dir / "links.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            groups.setdefault(row["contactpoint_id"], set()).add(
                (row["source"], row["source_id"], row["state"]))
    return sorted(sorted(g) for g in groups.values())


def committed_source_records(data_dir):
    """How many source records the load has committed so far (0 while the database
    cannot be read yet, as when a writer holds it)."""
    found = _count_source_records(data_dir)
    return found[0] if found else 0


def source_records_after_the_kill(data_dir):
    """How many source records a killed load left: read as soon as the database can be
    (the first reader after the kill recovers the log the load left)."""
    count = wait_for(lambda: _count_source_records(data_dir, busy_seconds=10),
                     "reading the killed load's database")
    return count[0]


def _count_source_records(data_dir, busy_seconds=1):
    """(count,) of the committed source records, or None while they cannot be read."""
    try:
        with sqlite3.connect(data_dir / "contactpoint.db", timeout=busy_seconds) as db:
            return db.execute("SELECT count(*) FROM identity_sourcerecord").fetchone()
    except sqlite3.Error:
        return None


def children_of(pid):
    """Process ids whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid):
    """True while the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_sigkill_mid_load_then_rerun_equals_a_clean_run(tmp_path):
    feeds = tmp_path / "feeds"
    generate(3000, 11, feeds, today=date.fromisoformat(TODAY))
    feed = feeds / "nhs_demographics.jsonl"

    clean = tmp_path / "clean"
    contactpoint(clean, "init")
    contactpoint(clean, "ingest", "--source", "nhs_demographics", str(feed), "--today", TODAY)

    killed = tmp_path / "killed"
    contactpoint(killed, "init")
    load = contactpoint(killed, "ingest", "--source", "nhs_demographics", str(feed),
                        "--today", TODAY, wait=False)
    wait_for(lambda: committed_source_records(killed) >= 1000, "a thousand records committed",
             unless=lambda: load.poll() is not None)
    readers = children_of(load.pid)
    assert readers, "the loader reads the feed in a worker process"
    load.send_signal(signal.SIGKILL)
    load.wait()
    # The reading worker does not outlive its loader (nothing would read its queue).
    wait_for(lambda: not any(alive(pid) for pid in readers), "the reading worker's end")
    loaded = source_records_after_the_kill(killed)
    assert 0 < loaded < 2900, "the kill must land mid-load for this test to mean anything"

    rerun = contactpoint(killed, "ingest", "--source", "nhs_demographics", str(feed),
                         "--today", TODAY)
    assert f"unchanged {loaded}" in rerun.stdout
    assert partition(killed) == partition(clean)
