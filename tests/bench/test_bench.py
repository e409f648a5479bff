"""The load benchmark on a tiny population: it runs end to end and reports real figures.

It makes its own data directories and databases (as `contactpoint bench` does), so it
uses no pytest-django database. Speed is printed, never asserted: only that the
figures exist and add up.
"""

import io
import json
import os
import re
import subprocess
import sys

import psycopg
import pytest

from contactpoint.bench import engines as targets
from contactpoint.bench.load import RESULTS_FILE, _wait, run_load_benchmark, tree_memory_kib

CHILDREN = 300


def _engines(monkeypatch):
    """SQLite always; PostgreSQL on the test server when the suite has one."""
    test_url = os.environ.get("CONTACTPOINT_TEST_POSTGRES_URL")
    if not test_url:
        monkeypatch.delenv(targets.POSTGRES_URL_VARIABLE, raising=False)
        return ["sqlite"]
    # The database it names exists for the whole run, so it serves to reach the server.
    monkeypatch.setenv(targets.POSTGRES_URL_VARIABLE, test_url)
    return ["sqlite", "postgres"]


def _feed_records(feeds_dir):
    feeds = [p for p in feeds_dir.glob("*.jsonl") if not p.name.endswith(".rejects.jsonl")]
    return sum(len(p.read_bytes().splitlines()) for p in feeds)


def _benchmark_databases(server_url):
    with psycopg.connect(server_url, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                            [targets.DATABASE_PREFIX + "%"]).fetchall()
    return {row[0] for row in rows}


@pytest.mark.slow
@pytest.mark.parametrize("initial", [False, True], ids=["ingest", "initial-load"])
def test_benchmark_reports_figures_for_each_engine(tmp_path, monkeypatch, initial):
    engines = _engines(monkeypatch)
    server_url = os.environ.get(targets.POSTGRES_URL_VARIABLE)
    out = io.StringIO()

    run_load_benchmark(sizes=[CHILDREN], engines=engines, out=out, work_dir=tmp_path,
                       initial=initial)

    text = out.getvalue()
    records = _feed_records(tmp_path / f"feeds-{CHILDREN}")
    assert records > CHILDREN  # most children are in more than one source
    results = json.loads((tmp_path / RESULTS_FILE).read_text())
    runs = results["runs"][0]["engines"]
    assert [run["engine"] for run in runs] == engines
    for run in runs:
        assert run["error"] is None
        assert run["records"] == records
        assert run["records_per_second"] > 0
        assert run["peak_mib"] > 0
        assert run["bytes_per_child"] > 0
        assert 0 < run["children_stored"] <= records
        steps = [step["name"] for step in run["feeds"]]
        assert steps == (["initial-load"] if initial else sorted(
            p.stem for p in (tmp_path / f"feeds-{CHILDREN}").glob("*.jsonl")
            if not p.name.endswith(".rejects.jsonl")))
        line = re.search(rf"^{run['engine']}\s+{CHILDREN}\s+([\d,]+)\s+[\d.]+\s+([\d,]+)"
                         rf"\s+\d+\s+[\d.]+\s+[\d.]+\s+([\d,]+)$", text, re.MULTILINE)
        assert line, text
        read, per_second, per_child = (int(g.replace(",", "")) for g in line.groups())
        assert read == records
        assert per_second > 0
        assert per_child > 0
    assert results["machine"]["cpus"] == os.cpu_count()
    if server_url:  # its own two databases, dropped afterwards
        made = set(re.findall(rf"\b{targets.DATABASE_PREFIX}[0-9a-f]+(?:_keys)?\b", text))
        assert len(made) == 2
        assert not made & _benchmark_databases(server_url)


@pytest.mark.slow
def test_postgres_without_a_server_is_skipped_with_a_reason(tmp_path, monkeypatch):
    monkeypatch.delenv(targets.POSTGRES_URL_VARIABLE, raising=False)
    out = io.StringIO()

    run_load_benchmark(sizes=[20], engines=["postgres"], out=out, work_dir=tmp_path)

    assert f"postgres: skipped, {targets.POSTGRES_URL_VARIABLE} is not set" in out.getvalue()
    assert json.loads((tmp_path / RESULTS_FILE).read_text())["runs"][0]["engines"] == []


#: A process forking two workers that each hold 100 MiB for three seconds.
_TWO_WORKERS = """
import os, time
pids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        held = b"x" * (100 * 2**20)  # written, so resident
        time.sleep(3)
        os._exit(0)
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and PSS are Linux's")
def test_a_loads_memory_is_that_of_its_workers_together():
    # wait4's peak is the largest process's (about 110 MiB here); the load held both.
    process = subprocess.Popen([sys.executable, "-c", _TWO_WORKERS])
    code, peak_kib = _wait(process)
    assert code == 0
    assert peak_kib >= 190 * 1024
    assert tree_memory_kib(process.pid) == 0  # gone: nothing left to count
