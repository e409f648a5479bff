"""The benchmark's figures as a table on stdout, flushed line by line.

A million-child run takes hours; each line is printed the moment its figure is
known, so a watcher (or a log file) sees progress and a killed run keeps its lines.
"""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from contactpoint.bench.load import EngineRun, Step

MIB = 1024 * 1024
_FEED_HEADER = f"  {'feed':<24}{'records':>12}{'seconds':>10}{'records/s':>11}{'peak MiB':>10}"
_SUMMARY_HEADER = (f"{'engine':<10}{'children':>11}{'records':>12}{'load s':>10}"
                   f"{'records/s':>11}{'peak MiB':>10}{'db MiB':>10}{'keys MiB':>10}"
                   f"{'bytes/child':>13}")


def machine(postgres_version: str | None) -> dict[str, object]:
    """What the figures were measured on: they mean little without it."""
    return {
        "cpus": os.cpu_count(),
        "memory_mib": _memory_mib(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": postgres_version,
        "platform": platform.platform(),
        "load_average": list(os.getloadavg()),
    }


def _memory_mib(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """Total memory from /proc/meminfo (Linux); None elsewhere rather than a guess."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024  # the figure is in KiB
    except OSError:
        pass
    return None


def _load_average(values: object) -> str:
    if not isinstance(values, Sequence):
        return "unknown"
    return " ".join(f"{value:.2f}" for value in values)


def line(out: TextIO, text: str) -> None:
    """One line to OUT, flushed: a long benchmark shows each figure as it comes."""
    out.write(text + "\n")
    out.flush()


class Report:
    """Writes to OUT, flushing every line."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def line(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def title(self) -> None:
        self.line("ContactPoint load benchmark")

    def machine(self, facts: dict[str, object]) -> None:
        memory = facts["memory_mib"]
        self.line(f"machine: {facts['cpus']} CPUs, "
                  f"{f'{memory:,} MiB' if memory else 'unknown'} memory, "
                  f"Python {facts['python']}, SQLite {facts['sqlite']}, "
                  f"PostgreSQL {facts['postgres'] or 'not used'}; {facts['platform']}")
        self.line(f"load average at start: {_load_average(facts['load_average'])}")

    def size_header(self, children: int, seed: int, today: date) -> None:
        self.line()
        self.line(f"== {children:,} children (seed {seed}, today {today.isoformat()})")

    def generated(self, rows: dict[str, int], seconds: float, where: Path) -> None:
        self.line(f"generated {len(rows)} feeds, {sum(rows.values()):,} records in "
                  f"{seconds:.1f} s ({where})")

    def engine_header(self, engine: str) -> None:
        self.line(f"-- {engine}")

    def init(self, step: Step) -> None:
        self.line(f"  init {step.seconds:.1f} s, peak {step.peak_kib / 1024:.0f} MiB")
        self.line(_FEED_HEADER)

    def step(self, step: Step) -> None:
        self.line(f"  {step.name:<24}{step.read:>12,}{step.seconds:>10.1f}"
                  f"{step.records_per_second:>11,.0f}{step.peak_kib / 1024:>10.0f}")

    def engine_totals(self, run: EngineRun) -> None:
        if run.error:
            self.line(f"  FAILED: {run.error}")
        else:
            self.step_total(run)
            self.line(f"  database {run.database_bytes / MIB:,.1f} MiB + key store "
                      f"{run.keystore_bytes / MIB:,.1f} MiB for {run.children_stored:,} "
                      f"children stored (of {run.children:,} generated): "
                      f"{run.bytes_per_child:,.0f} bytes per child stored")
        self.line(f"  load average: {_load_average(run.load_average)}")

    def step_total(self, run: EngineRun) -> None:
        self.line(f"  {'total':<24}{run.records:>12,}{run.load_seconds:>10.1f}"
                  f"{run.records_per_second:>11,.0f}{run.peak_kib / 1024:>10.0f}")

    def summary(self, runs: list[EngineRun]) -> None:
        self.line()
        self.line(f"== summary (load average now {_load_average(os.getloadavg())})")
        self.line(_SUMMARY_HEADER)
        for run in runs:
            if run.error:
                self.line(f"{run.engine:<10}{run.children:>11,}  failed: {run.error}")
                continue
            self.line(f"{run.engine:<10}{run.children:>11,}{run.records:>12,}"
                      f"{run.load_seconds:>10.1f}{run.records_per_second:>11,.0f}"
                      f"{run.peak_kib / 1024:>10.0f}{run.database_bytes / MIB:>10.1f}"
                      f"{run.keystore_bytes / MIB:>10.1f}{run.bytes_per_child:>13,.0f}")
