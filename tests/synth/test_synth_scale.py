"""A million children: prints the time and peak memory (a benchmark, not a timed assertion).

Run with `pytest tests/synth -m slow -s -p no:django --confcutdir=tests/synth`.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from synth_population import SEED, TODAY

_MEASURE = """
import json, pathlib, resource, sys, time
from datetime import date
from contactpoint.synth import generate
started = time.perf_counter()
summary = generate(1_000_000, int(sys.argv[1]), pathlib.Path(sys.argv[2]),
                   today=date.fromisoformat(sys.argv[3]))
seconds = time.perf_counter() - started
# VmHWM, not RUSAGE_SELF: a process started from the (large) test runner inherits the
# runner's high-water mark across exec in ru_maxrss. Workers fork from this process.
with open("/proc/self/status") as fh:
    own = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": seconds, "peak_kib": peak, "children": summary.children,
                  "rows": summary.rows}))
"""


@pytest.mark.slow
def test_a_million_children(tmp_path):
    # A fresh process, so the peak is the generator's own and not the test runner's.
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(SEED), str(tmp_path), TODAY.isoformat()],
        capture_output=True, text=True, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    size = sum(path.stat().st_size for path in tmp_path.glob("*.*"))
    print(
        f"\n1,000,000 children: {figures['seconds']:.1f} s, peak memory of one process "
        f"{figures['peak_kib'] / 1024:.0f} MiB, {size / 1e9:.2f} GB written, {figures['rows']}"
    )
    assert figures["children"] == 1_000_000
    assert figures["rows"]["nhs_demographics.jsonl"] > 970_000
    assert figures["peak_kib"] < 512 * 1024
