"""`contactpoint bench`: how fast feeds load, how much memory a load takes, how big it all gets.

Each population size's synthetic feeds are generated once, then loaded into a fresh
data directory per engine by `contactpoint init` and one `contactpoint ingest` per
feed file, each its own process, as an operator runs them: the timings include
start-up and migrations' checks, and each load's peak memory is that of its process and
the workers it forks, together.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

import psutil
import psycopg

from contactpoint.bench import TODAY
from contactpoint.bench import engines as targets
from contactpoint.bench.report import Report, machine
from contactpoint.synth import generate

DEFAULT_SIZES = (100_000, 1_000_000)
DEFAULT_ENGINES = ("sqlite", "postgres")
#: Fixed, so every run loads the same bytes and ages come out the same.
SEED = 20_261_101
RESULTS_FILE = "bench-results.json"
# A feed's LoadSummary.line(): "read N, created N, linked N, ..."
_SUMMARY = re.compile(r"^read (\d+), created ", re.MULTILINE)
# An initial load's line per file (InitialSummary.lines): "SOURCE (FILE): read N, ..."
_INITIAL_SUMMARY = re.compile(r"^\S+ \(\S+\): read (\d+), ", re.MULTILINE)
# Settings that would skew what is measured: DEBUG keeps every query in memory, and a
# master key or database outside the fresh data directory would not be fresh.
_UNSET = ("CONTACTPOINT_DATABASE_URL", "CONTACTPOINT_KEYSTORE_URL",
          "CONTACTPOINT_MASTER_KEY_FILE", "CONTACTPOINT_DEBUG")


class StepFailed(Exception):
    """A `contactpoint` process exited non-zero; the message ends with its last stderr line."""


@dataclass
class Step:
    """One `contactpoint` process: `init`, or the load of one feed file."""

    name: str
    seconds: float
    peak_kib: int
    read: int = 0

    @property
    def records_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"records_per_second": round(self.records_per_second, 1),
                               "peak_mib": round(self.peak_kib / 1024, 1)}


@dataclass
class EngineRun:
    """One engine's load of one population, and what it left on disk."""

    engine: str
    children: int
    location: str = ""
    init: Step | None = None
    feeds: list[Step] = field(default_factory=list)
    database_bytes: int = 0
    keystore_bytes: int = 0
    children_stored: int = 0
    load_average: tuple[float, ...] = ()
    error: str | None = None

    @property
    def records(self) -> int:
        return sum(step.read for step in self.feeds)

    @property
    def load_seconds(self) -> float:
        return sum(step.seconds for step in self.feeds)

    @property
    def records_per_second(self) -> float:
        return self.records / self.load_seconds if self.load_seconds else 0.0

    @property
    def peak_kib(self) -> int:
        """The largest of the loads: what a machine must have to load any one feed."""
        return max((step.peak_kib for step in self.feeds), default=0)

    @property
    def bytes_per_child(self) -> float:
        stored = self.database_bytes + self.keystore_bytes
        return stored / self.children_stored if self.children_stored else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "engine": self.engine, "children": self.children, "location": self.location,
            "records": self.records,
            "load_seconds": round(self.load_seconds, 2),
            "records_per_second": round(self.records_per_second, 1),
            "peak_mib": round(self.peak_kib / 1024, 1),
            "database_bytes": self.database_bytes, "keystore_bytes": self.keystore_bytes,
            "children_stored": self.children_stored,
            "bytes_per_child": round(self.bytes_per_child, 1),
            "bytes_per_generated_child": round(
                (self.database_bytes + self.keystore_bytes) / max(self.children, 1), 1),
            "load_average": list(self.load_average), "error": self.error,
            "init": self.init.as_dict() if self.init else None,
            "feeds": [step.as_dict() for step in self.feeds],
        }


@dataclass
class SizeRun:
    """One population: generated once, loaded by each engine."""

    children: int
    generation_seconds: float
    feed_rows: dict[str, int]
    engines: list[EngineRun] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"children": self.children,
                "generation_seconds": round(self.generation_seconds, 2),
                "feed_rows": self.feed_rows,
                "engines": [run.as_dict() for run in self.engines]}


def run_load_benchmark(sizes: list[int] | None, engines: list[str] | None, out: TextIO,
                       work_dir: Path | None, *, initial: bool = False) -> None:
    """Generate, load and measure each size on each engine, printing figures as they come:
    one `ingest` per feed, or with `initial` one `initial-load` of all the feeds."""
    report = Report(out)
    report.title()
    server_url = os.environ.get(targets.POSTGRES_URL_VARIABLE) or None
    wanted = list(dict.fromkeys(engines or DEFAULT_ENGINES))
    postgres_version = _postgres_version(server_url, report) if "postgres" in wanted else None
    chosen = [engine for engine in wanted if engine != "postgres" or postgres_version]
    root = work_dir or Path(tempfile.mkdtemp(prefix="contactpoint-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    facts = machine(postgres_version)
    report.machine(facts)
    results: dict[str, object] = {"machine": facts, "seed": SEED, "today": TODAY.isoformat()}
    results_file = root / RESULTS_FILE if work_dir is not None else None
    runs: list[SizeRun] = []
    try:
        for children in sizes or DEFAULT_SIZES:
            runs.append(_generate(children, root, report))
            _write_results(results_file, results, runs)
            for engine in chosen:
                runs[-1].engines.append(_load(engine, runs[-1], root, server_url, report,
                                              initial=initial))
                _write_results(results_file, results, runs)
        report.summary([run for size_run in runs for run in size_run.engines])
    finally:
        if work_dir is None:
            shutil.rmtree(root, ignore_errors=True)


def _postgres_version(server_url: str | None, report: Report) -> str | None:
    """The server's version, or None after saying why postgres is skipped: no server given,
    or none answering. A benchmark is not a test; the other engine's figures still count.
    """
    if not server_url:
        report.line(f"postgres: skipped, {targets.POSTGRES_URL_VARIABLE} is not set (a server "
                    f"URL such as {targets.POSTGRES_URL_EXAMPLE}; the benchmark makes and "
                    f"drops its own {targets.DATABASE_PREFIX}* databases there)")
        return None
    try:
        return targets.postgres_version(server_url)
    except psycopg.Error as exc:
        report.line(f"postgres: skipped, cannot connect to {targets.POSTGRES_URL_VARIABLE}: "
                    f"{_first_line(str(exc))}")
        return None


def _generate(children: int, root: Path, report: Report) -> SizeRun:
    """The feeds for one size, written once and shared by every engine."""
    feeds_dir = root / f"feeds-{children}"
    report.size_header(children, SEED, TODAY)
    started = time.perf_counter()
    summary = generate(children, SEED, feeds_dir, today=TODAY)
    seconds = time.perf_counter() - started
    rows = {name: count for name, count in summary.rows.items() if name.endswith(".jsonl")}
    report.generated(rows, seconds, feeds_dir)
    return SizeRun(children, seconds, rows)


def _load(engine: str, size_run: SizeRun, root: Path, server_url: str | None,  # noqa: PLR0917
          report: Report, initial: bool) -> EngineRun:
    """`init` then every feed into a fresh target; a failure ends this engine's run only."""
    run = EngineRun(engine, size_run.children)
    engine_dir = root / f"{engine}-{size_run.children}"
    shutil.rmtree(engine_dir, ignore_errors=True)  # ours, from an earlier run in work_dir
    feeds_dir = root / f"feeds-{size_run.children}"
    report.engine_header(engine)
    try:
        with targets.provision(engine, engine_dir / "data", server_url) as target:
            run.location = target.location()
            report.line(f"  in {run.location}")
            env = _environment(engine_dir / "data", target)
            run.init = _run_step("init", ["init"], env, engine_dir / "logs")
            report.init(run.init)
            names = sorted(size_run.feed_rows)
            if initial:  # every feed at once, in name order, as the docs' command line
                steps = [("initial-load", ["initial-load", *(str(feeds_dir / n) for n in names),
                                           "--today", TODAY.isoformat(), "--quiet"],
                          _INITIAL_SUMMARY)]
            else:
                steps = [(Path(n).stem, ["ingest", "--source", Path(n).stem, str(feeds_dir / n),
                                         "--today", TODAY.isoformat(), "--quiet"], _SUMMARY)
                         for n in names]
            for name, argv, summary in steps:
                step = _run_step(name, argv, env, engine_dir / "logs", summary=summary)
                run.feeds.append(step)
                report.step(step)
            run.database_bytes, run.keystore_bytes = target.database_bytes()
            run.children_stored = target.children_stored()
    except (StepFailed, targets.CleanupFailed, psycopg.Error, OSError) as exc:
        run.error = _first_line(str(exc))  # a StepFailed's is already the stderr's last
    run.load_average = os.getloadavg()
    report.engine_totals(run)
    return run


def _environment(data_dir: Path, target: targets.Target) -> dict[str, str]:
    """The caller's environment with the fresh data directory and target's databases."""
    env = {key: value for key, value in os.environ.items() if key not in _UNSET}
    return env | {"CONTACTPOINT_DATA_DIR": str(data_dir),
                  "DJANGO_SETTINGS_MODULE": "contactpoint.settings"} | target.environment()


def _run_step(name: str, argv: list[str], env: dict[str, str], logs: Path, *,
              summary: re.Pattern[str] = _SUMMARY) -> Step:
    """Run `contactpoint ARGV` as its own process; its output is kept in LOGS for a post-mortem.
    The records it read are the sum of `summary`'s matches in its output."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{name}.out", logs / f"{name}.err"
    with out_path.open("wb") as stdout, err_path.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            [sys.executable, "-m", "contactpoint.cli.main", *argv],
            env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        code, peak_kib = _wait(process)
        seconds = time.perf_counter() - started
    if code != 0:
        reason = _last_line(err_path.read_text(errors="replace")) or "no message"
        raise StepFailed(f"contactpoint {name} exited {code}: {reason}")
    return Step(name, seconds, peak_kib,
                _records_read(out_path.read_text(errors="replace"), summary))


#: How often a load's memory is sampled (seconds).
SAMPLE_SECONDS = 1.0


class _TreeMemory(threading.Thread):
    """The peak, over samples every SAMPLE_SECONDS, of the memory a process and every
    process it forked hold together: the sum of their proportional set sizes (a page
    shared by N processes counts 1/N in each; where the system gives no PSS, the pages
    each holds alone). `initial-load` places in one process while two read, then writes
    from two forked writers: its memory is theirs together, not its largest one's."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib = pid, 0
        self._stop_sampling = threading.Event()

    def run(self) -> None:
        while True:
            self.peak_kib = max(self.peak_kib, tree_memory_kib(self.pid))
            if self._stop_sampling.wait(SAMPLE_SECONDS):
                return

    def stop(self) -> None:
        self._stop_sampling.set()
        self.join()


def tree_memory_kib(pid: int) -> int:
    """The summed PSS (KiB) of the process and its descendants now; 0 once it is gone."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in tree:
        try:
            info = process.memory_full_info()
        except psutil.Error:  # ended (or a zombie) between the listing and the reading
            continue
        total += getattr(info, "pss", info.uss)
    return total // 1024


def _wait(process: subprocess.Popen[bytes]) -> tuple[int, int]:
    """Exit code and peak memory (KiB) of the load: the larger of the summed PSS of it
    and its workers, sampled (_TreeMemory), and the peak resident memory of its largest
    process (Linux's wait4 reports the child's own and its waited-for children's), which
    a peak shorter than a sample's interval still shows.

    os.wait4 rather than getrusage(RUSAGE_CHILDREN): that is the maximum over every
    child so far, the generator's workers and the other engine's loads included, so
    it could only go up; wait4 gives each load its own peak.
    """
    sampler = _TreeMemory(process.pid)
    sampler.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss  # bytes there
    return process.returncode, max(peak, sampler.peak_kib)


def _records_read(output: str, summary: re.Pattern[str] = _SUMMARY) -> int:
    return sum(int(read) for read in summary.findall(output))


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _last_line(text: str) -> str:
    """A failed command's reason: its one-line message, or a traceback's last line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _write_results(path: Path | None, results: dict[str, object], runs: list[SizeRun]) -> None:
    """Rewritten after every engine, so a long run killed part-way keeps what it measured.

    Only into a work dir the operator named: a temporary one is removed at the end.
    """
    if path is None:
        return
    results["runs"] = [run.as_dict() for run in runs]
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
