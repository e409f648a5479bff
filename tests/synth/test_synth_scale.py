"""A million children: prints the time and peak memory (a benchmark, not a timed assertion).

Run with `pytest tests/synth -m slow -s -p no:django --confcutdir=tests/synth`.
"""

from __future__ import annotations

import os
import resource
import time

import pytest
from synth_population import SEED, TODAY

from contactpoint.synth import generate


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("CONTACTPOINT_TEST_ENGINE") == "postgres",
    reason="no database here: the SQLite run of the suite has measured it",
)
def test_a_million_children(tmp_path):
    started = time.perf_counter()
    summary = generate(1_000_000, SEED, tmp_path, today=TODAY)
    seconds = time.perf_counter() - started
    peak_kib = max(
        resource.getrusage(who).ru_maxrss
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    size = sum(path.stat().st_size for path in tmp_path.glob("*.*"))
    print(
        f"\n1,000,000 children: {seconds:.1f} s, peak memory of one process "
        f"{peak_kib / 1024:.0f} MiB, {size / 1e9:.2f} GB written, {summary.rows}"
    )
    assert summary.children == 1_000_000
    assert summary.rows["nhs_demographics.jsonl"] > 970_000
    assert peak_kib < 512 * 1024
