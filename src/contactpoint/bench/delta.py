"""`contactpoint bench-delta`: how fast a daily delta loads into the index in use.

Issue 3's figure is a daily delta (10,000 changed records, `contactpoint synth-delta`)
loaded against an index already holding the population, so this loads into the
database the environment points at, never a fresh one, and refuses an empty index:
that would time an initial load. Each file is loaded as `contactpoint ingest` loads
it (`ingest_file`), in this process, so the peak memory is this process's high-water
mark (growing only), and the reader worker's is shown beside it.
"""

from __future__ import annotations

import re
import resource
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from django.db import connection
from django.utils import timezone

from contactpoint.bench.report import line as _line
from contactpoint.db.dialect import dialect_for
from contactpoint.identity.models import Child, ChildStatus
from contactpoint.loading.loader import ingest_file
from contactpoint.loading.placing.rules import LoadSummary
from contactpoint.synth.delta import feed_files

_RECORDED_AT = re.compile(rb'"recorded_at"\s*:\s*"([^"\\]+)"')


class EmptyIndex(Exception):
    """No active child to change: the load would not be a delta."""


@dataclass
class FileLoad:
    name: str
    summary: LoadSummary
    seconds: float
    peak_kib: int
    reader_peak_kib: int

    @property
    def records_per_second(self) -> float:
        return self.summary.read / self.seconds if self.seconds else 0.0


@dataclass
class DeltaRun:
    engine: str
    today: date
    children_before: int
    children_after: int = 0
    files: list[FileLoad] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(f.summary.read for f in self.files)

    @property
    def seconds(self) -> float:
        return sum(f.seconds for f in self.files)

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def active_children() -> int:
    return Child.objects.filter(status=ChildStatus.ACTIVE).count()


def delta_day(files: list[Path]) -> date | None:
    """The day of the latest recorded_at in the delta (read line by line: it is small)."""
    latest = None
    for path in files:
        with path.open("rb") as fh:
            for line in fh:
                found = _RECORDED_AT.search(line)
                if not found:
                    continue
                try:
                    moment = datetime.fromisoformat(found.group(1).decode())
                except ValueError:
                    continue
                moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
                latest = max(latest or moment, moment)
    return latest.astimezone(UTC).date() if latest else None


def _peaks_kib() -> tuple[int, int]:
    """Peak resident memory of this process and of its finished children (the reader)."""
    scale = 1024 if sys.platform == "darwin" else 1  # bytes there, KiB elsewhere
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // scale,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // scale)


def run_delta_benchmark(feeds: Path, out: TextIO, *, today: date | None = None) -> DeltaRun:
    """Load every DELTA/*.jsonl (source = file name) and print the figures as they come."""
    files = feed_files(feeds)
    if not files:
        raise ValueError(f"{feeds} holds no feed files (*.jsonl)")
    before = active_children()
    if before == 0:
        raise EmptyIndex("the index holds no active children: load the feeds the delta was "
                         "made from first (contactpoint ingest), or this would time an "
                         "initial load, not a delta")
    run = DeltaRun(dialect_for(connection).name, today or delta_day(files) or timezone.localdate(),
                   before)
    _line(out, f"daily delta into {run.engine} ({connection.settings_dict['NAME']}): "
               f"{before:,} active children before; loaded as of {run.today.isoformat()}")
    _line(out, f"  {'file':<26}{'records':>10}{'seconds':>10}{'records/s':>11}"
               f"{'peak MiB':>10}{'reader MiB':>12}")
    for path in files:
        started = time.perf_counter()
        summary = ingest_file(path.stem, path, today=run.today)
        seconds = time.perf_counter() - started
        load = FileLoad(path.name, summary, seconds, *_peaks_kib())
        run.files.append(load)
        _line(out, f"  {load.name:<26}{summary.read:>10,}{seconds:>10.2f}"
                   f"{load.records_per_second:>11,.0f}{load.peak_kib / 1024:>10.0f}"
                   f"{load.reader_peak_kib / 1024:>12.0f}")
        _line(out, f"    {summary.line()}")
    run.children_after = active_children()
    peak, reader = _peaks_kib()
    _line(out, f"  {'all':<26}{run.records:>10,}{run.seconds:>10.2f}"
               f"{run.records_per_second:>11,.0f}{peak / 1024:>10.0f}{reader / 1024:>12.0f}")
    _line(out, f"{run.records:,} records in {run.seconds:,.1f} s: "
               f"{run.records_per_second:,.0f} records/s against {before:,} children "
               f"({run.children_after:,} active after)")
    return run

