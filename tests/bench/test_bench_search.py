"""`contactpoint bench-search` end to end on a small index: real server, real clients."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from datetime import date

import pytest

from contactpoint.bench.search import build_queries, error_kind
from contactpoint.synth import generate

TODAY = "2026-11-01"


def contactpoint(data_dir, *args):
    env = {**os.environ, "CONTACTPOINT_DATA_DIR": str(data_dir)}
    for name in ("CONTACTPOINT_DATABASE_URL", "CONTACTPOINT_KEYSTORE_URL",
                 "CONTACTPOINT_MASTER_KEY_FILE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "contactpoint.cli.main", *args], env=env,
                          capture_output=True, text=True, check=True)


@pytest.mark.slow
def _figures(stdout: str) -> list[dict]:
    """Each run's JSON figures, in the order printed (each follows its heading line)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (start := stdout.find("{\n", at)) != -1:
        figures, at = decoder.raw_decode(stdout, start)
        found.append(figures)
    return found


def test_bench_search_prints_latency_and_throughput(tmp_path):
    feeds = tmp_path / "feeds"
    generate(400, 2, feeds, today=date.fromisoformat(TODAY))
    data = tmp_path / "data"
    contactpoint(data, "init")
    for name in ("nhs_demographics", "school_census"):
        contactpoint(data, "ingest", "--source", name, str(feeds / f"{name}.jsonl"),
                     "--today", TODAY, "--quiet")
    run = contactpoint(data, "bench-search", "--feeds", str(feeds), "--clients", "4",
                       "--seconds", "3", "--warmup", "1")
    # Two runs: the audit hook only logging, then the sealed trail, and what it cost.
    untrailed, figures = _figures(run.stdout)
    assert untrailed["audit_trail"].startswith("off")
    assert untrailed["searches"] > 10
    assert figures["audit_trail"] == "on"
    assert re.search(r"the sealed audit trail's cost: searches/s [+-]\d+\.\d%, "
                     r"95th percentile [+-]\d+\.\d%", run.stdout)
    assert figures["searches"] > 10
    assert figures["errors"] == 0
    assert figures["errors_by_kind"] == {}
    assert 0 < figures["median_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    assert figures["found_share"] > 0.8
    assert figures["mode"] == "closed loop"
    # Where each search's CPU went: the web workers and these clients; the database is
    # SQLite here, inside the workers, so it has no process of its own to count.
    cpu = figures["cpu_ms_per_search"]
    assert cpu["server"] > 0
    assert cpu["clients"] > 0
    assert cpu["database"] is None

    paced = contactpoint(data, "bench-search", "--feeds", str(feeds), "--clients", "4",
                         "--seconds", "3", "--warmup", "1", "--rate", "10", "--trail-only")
    [figures] = _figures(paced.stdout)
    assert figures["audit_trail"] == "on"
    assert figures["mode"] == "paced at 10 searches/s"
    # The schedule, not the server, sets how many: 10 a second for 3 seconds.
    assert 24 <= figures["searches"] <= 34
    assert figures["errors"] == 0


@pytest.mark.parametrize(("error", "kind"), [
    (http.client.RemoteDisconnected("Remote end closed connection without response"),
     "closed without a response"),
    (ConnectionResetError(104, "Connection reset by peer"), "connection reset"),
    (BrokenPipeError(32, "Broken pipe"), "broken pipe"),
    (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
    (TimeoutError("timed out"), "timed out"),
    (http.client.IncompleteRead(b""), "other: IncompleteRead"),
])
def test_each_failed_search_is_counted_by_its_kind(error, kind):
    assert error_kind(error) == kind


def test_searches_are_not_built_from_rows_the_loader_rejects(tmp_path):
    # Synthetic feeds carry dirty rows (an impossible date) that never reach the index;
    # a search built from one is a 400 that the benchmark used to count as the server's.
    rows = [{"source_id": f"S{i}", "given_names": "Amelia", "family_name": "Oneill",
             "date_of_birth": "2014-02-30" if i % 2 else "2014-03-09"} for i in range(2000)]
    (tmp_path / "school_census.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in rows))
    queries = build_queries(tmp_path)
    assert queries
    assert all("2014-03-09" in q.path for q in queries)
