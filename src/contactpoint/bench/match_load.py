"""Our matcher as an operator runs it: an initial load, then a daily delta, then accuracy.

The benchmark's feeds are split (`split_delta`) into an initial load, which is every
record but a held-out few, and a delta of changed records: the held-out records (a
child's first record from another service, found by matching against the index) and
updates of records already loaded (a later `recorded_at`, a changed address line).
Both are loaded into a fresh target with `contactpoint init`, the initial feeds with
one `contactpoint initial-load` and the delta with one `contactpoint ingest` per file,
each its own process (bench/load.py), so the figures include start-up and are what an
operator sees. `contactpoint links` then gives the links that
bench/accuracy.py scores against truth.csv, as it scores Splink's.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

import orjson

from contactpoint.bench import engines as targets
from contactpoint.bench.load import Step, StepFailed, _environment, _run_step
from contactpoint.bench.report import line as _line

#: `contactpoint initial-load` prints each file's summary as "SOURCE (FILE): read N, ...".
_INITIAL_READ = re.compile(r"^\S+ \(.*\): read (\d+), rejected ", re.MULTILINE)
#: A daily delta: 10,000 changed records, a fifth of them records new to the index.
DELTA_RECORDS = 10_000
NEW_SHARE = 0.2


@dataclass
class DeltaSplit:
    initial: dict[str, Path]
    delta: dict[str, Path]
    held_out: int
    updated: int


def _feed_files(feeds: Path) -> list[Path]:
    return sorted(f for f in feeds.glob("*.jsonl") if not f.name.endswith(".rejects.jsonl"))


def split_delta(feeds: Path, out: Path, today: date, *, records: int = DELTA_RECORDS,
                seed: int = 0) -> DeltaSplit:
    """Write OUT/initial/<source>.jsonl and OUT/delta/<source>.jsonl (once: reused).

    Streams each feed twice (count, then split): memory stays flat at any size.
    """
    files = _feed_files(feeds)
    initial_dir, delta_dir = out / "initial", out / "delta"
    done = out / "split.json"
    if done.exists():
        meta = orjson.loads(done.read_bytes())
        return DeltaSplit({f.stem: initial_dir / f.name for f in files},
                          {f.stem: delta_dir / f.name for f in files},
                          meta["held_out"], meta["updated"])
    counts = {f: sum(1 for _ in f.open("rb")) for f in files}
    total = sum(counts.values())
    rng = random.Random(seed)  # noqa: S311  (choosing records, not secrets)
    chosen = rng.sample(range(total), min(records, total))
    cut = int(len(chosen) * NEW_SHARE)
    held, updated = set(chosen[:cut]), set(chosen[cut:])
    stamp = (today + timedelta(days=1)).isoformat() + "T06:00:00Z"
    initial_dir.mkdir(parents=True, exist_ok=True)
    delta_dir.mkdir(parents=True, exist_ok=True)
    offset = 0
    for feed in files:
        with (feed.open("rb") as src, (initial_dir / feed.name).open("wb") as first,
              (delta_dir / feed.name).open("wb") as later):
            for number, line in enumerate(src, start=offset):
                if number in held:
                    later.write(line)
                    continue
                first.write(line)
                if number in updated:
                    later.write(_changed(line, stamp, rng) + b"\n")
        offset += counts[feed]
    done.write_bytes(orjson.dumps({"held_out": len(held), "updated": len(updated)}))
    return DeltaSplit({f.stem: initial_dir / f.name for f in files},
                      {f.stem: delta_dir / f.name for f in files}, len(held), len(updated))


def _changed(line: bytes, stamp: str, rng: random.Random) -> bytes:
    """The same record a day later, moved a few doors along the street (or, unparsable,
    as it was: the loader rejects it again)."""
    try:
        row: dict[str, Any] = orjson.loads(line)
    except orjson.JSONDecodeError:
        return line.rstrip(b"\n")
    row["recorded_at"] = stamp
    address = row.get("address")
    if isinstance(address, dict) and address.get("lines"):
        address["lines"] = [f"{rng.randrange(1, 200)} {address['lines'][0].split(' ', 1)[-1]}",
                            *address["lines"][1:]]
    return orjson.dumps(row)


@dataclass
class LoadRun:
    """Our load of one population on one engine: initial, delta, and the links after."""

    engine: str
    initial: list[Step] = field(default_factory=list)
    delta: list[Step] = field(default_factory=list)
    links_csv: Path | None = None
    error: str | None = None

    @staticmethod
    def _rate(steps: list[Step]) -> float:
        seconds = sum(s.seconds for s in steps)
        return sum(s.read for s in steps) / seconds if seconds else 0.0

    @property
    def initial_rate(self) -> float:
        return self._rate(self.initial)

    @property
    def delta_rate(self) -> float:
        return self._rate(self.delta)

    @property
    def peak_mib(self) -> float:
        return max((s.peak_kib for s in self.initial + self.delta), default=0) / 1024

    def as_dict(self) -> dict[str, object]:
        return {"engine": self.engine, "error": self.error,
                "initial": [s.as_dict() for s in self.initial],
                "delta": [s.as_dict() for s in self.delta],
                "initial_records_per_second": round(self.initial_rate, 1),
                "delta_records_per_second": round(self.delta_rate, 1),
                "peak_mib": round(self.peak_mib, 1),
                "links_csv": str(self.links_csv) if self.links_csv else None}


def run_our_load(engine: str, split: DeltaSplit, work_dir: Path, server_url: str | None, *,
                 today: date, out: TextIO) -> LoadRun:
    """`init`, the initial feeds, the delta feeds, `links`; each step printed as it ends."""
    run = LoadRun(engine)
    logs = work_dir / "logs"
    started = time.perf_counter()
    try:
        with targets.provision(engine, work_dir / "data", server_url) as target:
            env = _environment(work_dir / "data", target)
            _run_step("init", ["init"], env, logs)
            # The initial feeds in bulk, as an operator's first load is made.
            step = _run_step("initial", [
                "initial-load", *(f"{source}={path}" for source, path in split.initial.items()),
                "--today", today.isoformat(), "--quiet"], env, logs)
            step.read = sum(int(n) for n in _INITIAL_READ.findall(
                (logs / "initial.out").read_text(errors="replace")))
            run.initial.append(step)
            _line(out, f"  {'initial':<8}{'all feeds':<20}{step.read:>10,} records "
                       f"{step.seconds:>8.1f} s {step.records_per_second:>9,.0f}/s "
                       f"peak {step.peak_kib / 1024:,.0f} MiB (the placing process)")
            for phase, files, steps in (("delta", split.delta, run.delta),):
                for source, path in files.items():
                    step = _run_step(f"{phase}-{source}", [
                        "ingest", "--source", source, str(path), "--today", today.isoformat(),
                        "--quiet"], env, logs)
                    steps.append(step)
                    _line(out, f"  {phase:<8}{source:<20}{step.read:>10,} records "
                               f"{step.seconds:>8.1f} s {step.records_per_second:>9,.0f}/s "
                               f"peak {step.peak_kib / 1024:,.0f} MiB")
            run.links_csv = work_dir / "links.csv"
            _run_step("links", ["links", "--out", str(run.links_csv)], env, logs)
    except (StepFailed, targets.CleanupFailed, OSError) as exc:
        run.error = str(exc)
        _line(out, f"  {engine}: failed: {exc}")
    _line(out, f"  {engine}: initial load {run.initial_rate:,.0f} records/s, delta "
               f"{run.delta_rate:,.0f} records/s ({split.held_out:,} new, {split.updated:,} "
               f"updated), peak {run.peak_mib:,.0f} MiB; "
               f"{time.perf_counter() - started:,.0f} s in all")
    return run

