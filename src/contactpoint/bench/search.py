"""`contactpoint bench-search`: search through the HTTP API under concurrent clients.

Against the index the environment points at (load a population first), it makes a
practitioner and an API token for the run, serves the app with `contactpoint serve`
(gunicorn, as in production) on a spare port, and has N client threads, each with its
own keep-alive connection, send searches built from the feed records the index was
loaded from: a family name and date of birth, a fifth with a letter of the family name
swapped (a typo), a third with the given name too. After a warm-up it counts for a
fixed time and prints the median, 95th and 99th percentile latency and searches per
second, how many searches found the child they were built from, and the CPU each search
cost in the web server, the database server (PostgreSQL on this machine) and the
clients. Searches that fail are counted by kind: a connection closed without an answer
or reset, a timeout, or the HTTP status of an error answer. The account and token are
removed at the end.

Two modes: closed loop (the default: each client searches again as soon as it has its
answer, so the figure is the most the server sustains, and latency is 20 clients' worth
of queueing), and paced (`--rate R`: the clients together send R searches a second on a
fixed schedule, and latency is measured from when each search was due, so it is the
latency a practitioner sees while the service carries R searches a second).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import urlencode

import orjson

from contactpoint.errors import BadRequest
from contactpoint.search import criteria

QUERIES = 5_000


@dataclass
class Query:
    path: str
    given: str
    family: str


@dataclass
class ClientFigures:
    latencies: list[float] = field(default_factory=list)
    #: Failed searches by kind (error_kind), warm-up included: a failure is never noise.
    errors: Counter[str] = field(default_factory=Counter)
    found: int = 0
    too_many: int = 0


def error_kind(exc: BaseException) -> str:
    """What went wrong with a search that got no answer, in words an operator can act on.

    The kinds tell a server that dropped a kept-alive connection as the request arrived
    (`closed without a response`, `connection reset`) from one too slow to answer
    (`timed out`) or not listening (`connection refused`).
    """
    if isinstance(exc, http.client.RemoteDisconnected):
        return "closed without a response"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, BrokenPipeError):
        return "broken pipe"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"other: {type(exc).__name__}"


def build_queries(feeds: Path, count: int = QUERIES, seed: int = 0) -> list[Query]:
    """Searches as practitioners type them, from the records the index was loaded from."""
    rng = random.Random(seed)  # noqa: S311  (choosing queries, not secrets)
    rows = []
    for feed in sorted(feeds.glob("*.jsonl")):
        if feed.name.endswith(".rejects.jsonl"):
            continue
        with feed.open("rb") as fh:
            for line in fh:
                if rng.random() < 0.05:
                    try:
                        rows.append(orjson.loads(line))
                    except orjson.JSONDecodeError:
                        continue
                if len(rows) >= count * 4:
                    break
    rng.shuffle(rows)
    queries = []
    for row in rows:
        family, given, dob = row.get("family_name"), row.get("given_names"), row.get(
            "date_of_birth")
        if not (isinstance(family, str) and isinstance(given, str) and isinstance(dob, str)):
            continue
        typed = family
        if rng.random() < 0.2 and len(family) > 3:
            i = rng.randrange(1, len(family) - 1)
            typed = family[:i] + family[i + 1] + family[i] + family[i + 2:]
        params = {"family_name": typed, "date_of_birth": dob}
        if rng.random() < 0.33:
            params["given_name"] = given.split(" ")[0]
        if not _searchable(params):
            continue
        queries.append(Query("/api/v1/children?" + urlencode(params), given, family))
        if len(queries) >= count:
            break
    return queries


def _searchable(params: dict[str, str]) -> bool:
    """Whether the search accepts these criteria (names and date of birth). Synthetic
    feeds carry dirty rows (a date of birth of 2022-08-32) that the loader rejects; a
    practitioner would not type one, and a search built from one is refused with 400,
    which is not the server's failure."""
    try:
        criteria.parse(family_name=params.get("family_name"),
                       given_name=params.get("given_name"),
                       date_of_birth=params.get("date_of_birth"))
    except BadRequest:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not start")


@dataclass(frozen=True)
class _Run:
    port: int
    token: str
    queries: list[Query]
    warm_until: float
    stop_at: float
    #: Seconds between one client's searches (paced mode), or None: the next as soon as
    #: the last is answered.
    interval: float | None = None


def _client(run: _Run, start: int, figures: ClientFigures) -> None:
    port, token, queries, warm_until, stop_at = (run.port, run.token, run.queries,
                                                 run.warm_until, run.stop_at)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    i = start
    # Paced clients start spread over one interval, so the searches arrive evenly.
    due = time.perf_counter() + (run.interval or 0) * (start % 997) / 997
    while True:
        if run.interval is not None:
            # Latency counts from when the search was due, not when it was sent: a
            # server that falls behind is charged for the wait it causes (no
            # coordinated omission).
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            now = due
            due += run.interval
        else:
            now = time.perf_counter()
        if now >= stop_at:
            break
        query = queries[i % len(queries)]
        i += 1
        try:
            conn.request("GET", query.path, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            figures.errors[error_kind(exc)] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = time.perf_counter() - now
        if response.status != 200:
            figures.errors[f"HTTP {response.status}"] += 1
            continue
        if now < warm_until:
            continue
        figures.latencies.append(elapsed)
        answer = orjson.loads(body)
        if answer["too_many_matches"]:
            figures.too_many += 1
        elif any(m["name"]["family_name"].lower() == query.family.lower()
                 for m in answer["matches"]):
            figures.found += 1
    conn.close()


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process on this machine has used so far, or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(c) for t in tasks for c in (t / "children").read_text().split()]
    except OSError:
        return []


def _database_backends() -> list[int]:
    """The PostgreSQL server processes serving other connections to the index's databases
    (the web workers', once warm), if PostgreSQL runs on this machine; else none."""
    from django.db import connections  # noqa: PLC0415

    from contactpoint.db.dialect import dialect_for  # noqa: PLC0415

    pids: set[int] = set()
    for alias in ("default", "keystore"):
        connection = connections[alias]
        pids.update(dialect_for(connection).other_backends(connection))
    return sorted(pids)


class _CpuMeter:
    """CPU used by the web server (its workers), the database server and these clients
    from `start` to `per_search_ms`: where each search's cost lands on this machine.

    Processes are read every half second, so a database connection that closes and
    reopens in the window (Django's connections live a minute) is counted: one seen
    only after `start` from zero, one gone before the end up to its last reading.
    """

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.first: dict[str, dict[int, float]] = {}
        self.last: dict[str, dict[int, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _read(self) -> dict[str, dict[int, float]]:
        groups = {"server": [self.server_pid, *_children(self.server_pid)],
                  "database": _database_backends()}
        read: dict[str, dict[int, float]] = {}
        for name, pids in groups.items():
            read[name] = {pid: t for pid in pids if (t := _cpu_seconds(pid)) is not None}
        times = os.times()
        read["clients"] = {0: times.user + times.system}
        return read

    def _record(self) -> None:
        for name, seen in self._read().items():
            self.last.setdefault(name, {}).update(seen)

    def _sample(self) -> None:
        from django.db import connections  # noqa: PLC0415

        try:
            while not self._stop.wait(0.5):
                self._record()
        finally:
            connections.close_all()  # this thread's own

    def start(self) -> None:
        self.first = self._read()
        self.last = {name: dict(seen) for name, seen in self.first.items()}
        self._thread.start()

    def per_search_ms(self, searches: int) -> dict[str, float | None]:
        self._stop.set()
        self._thread.join()
        self._record()
        figures: dict[str, float | None] = {}
        for name, last in self.last.items():
            used = sum(t - self.first[name].get(pid, 0.0) for pid, t in last.items())
            figures[name] = round(1000 * used / searches, 2) if last and searches else None
        return figures


def _account() -> tuple[str, str]:
    """A practitioner of a benchmark organisation and a token for them: (username, token)."""
    from contactpoint.access import services, tokens  # noqa: PLC0415

    services.add_organisation(code="BENCH:SEARCH", name="Search benchmark",
                              type="national_partner")
    username = f"bench-search-{secrets.token_hex(3)}"
    services.add_user(username=username, org_code="BENCH:SEARCH", role="practitioner")
    return username, tokens.create_token(user=username)


def _remove(username: str) -> None:
    from contactpoint.access.models import ApiToken, User  # noqa: PLC0415

    ApiToken.objects.filter(user__username=username).delete()
    User.objects.filter(username=username).delete()


def run_search_benchmark(feeds: Path, out: TextIO, *, clients: int = 20,
                         seconds: float = 30.0, warmup: float = 5.0,
                         workers: int | None = None,
                         rate: float | None = None,
                         compare_trail: bool = True) -> dict[str, object]:
    """Closed loop (each client searches again as soon as answered: the most the server
    sustains), or with `rate`, paced: the clients together send `rate` searches a second
    and latency is measured at that load.

    With `compare_trail` the same run is made first against a server whose audit hook
    only logs (bench/untrailed.py), and the trail's cost is printed beside it.
    """
    queries = build_queries(feeds)
    if not queries:
        raise ValueError(f"no feed records in {feeds} to build searches from")
    untrailed = None
    if compare_trail:
        untrailed = _one_run(queries, out, clients=clients, seconds=seconds, warmup=warmup,
                             workers=workers, rate=rate, trail=False)
    results = _one_run(queries, out, clients=clients, seconds=seconds, warmup=warmup,
                       workers=workers, rate=rate, trail=True)
    if untrailed:
        cost = {
            "searches_per_second": _change(untrailed["searches_per_second"],
                                           results["searches_per_second"]),
            "p95_ms": _change(untrailed["p95_ms"], results["p95_ms"]),
        }
        results["without_trail"] = {k: untrailed[k] for k in (
            "searches", "searches_per_second", "median_ms", "p95_ms", "p99_ms")}
        results["trail_cost"] = cost
        out.write(f"the sealed audit trail's cost: searches/s {cost['searches_per_second']}, "
                  f"95th percentile {cost['p95_ms']}\n")
        out.flush()
    return results


def _change(before: object, after: object) -> str | None:
    if not isinstance(before, int | float) or not isinstance(after, int | float) or not before:
        return None
    return f"{100 * (after - before) / before:+.1f}%"


def _one_run(queries: list[Query], out: TextIO, *, clients: int, seconds: float,
             warmup: float, workers: int | None, rate: float | None,
             trail: bool) -> dict[str, object]:
    username, token = _account()
    port = _free_port()
    env = dict(os.environ)
    if workers:
        env["CONTACTPOINT_WEB_WORKERS"] = str(workers)
    log = Path(tempfile.gettempdir()) / f"contactpoint-bench-search-{port}.log"
    with log.open("wb") as server_log:
        server = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            [sys.executable, "-m",
             "contactpoint.cli.main" if trail else "contactpoint.bench.untrailed",
             "serve", "--port", str(port)],
            env=env, stdout=server_log, stderr=server_log)
    try:
        _wait_for(port, time.monotonic() + 60)
        started = time.perf_counter()
        warm_until, stop_at = started + warmup, started + warmup + seconds
        figures = [ClientFigures() for _ in range(clients)]
        run = _Run(port, token, queries, warm_until, stop_at,
                   clients / rate if rate else None)
        threads = [threading.Thread(target=_client, args=(
            run, i * (len(queries) // clients), figures[i])) for i in range(clients)]
        for thread in threads:
            thread.start()
        meter = _CpuMeter(server.pid)
        time.sleep(max(0.0, warm_until - time.perf_counter()))
        meter.start()
        time.sleep(max(0.0, stop_at - time.perf_counter()))
        latencies_so_far = sum(len(f.latencies) for f in figures)
        cpu = meter.per_search_ms(latencies_so_far)
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
        _remove(username)
    latencies = sorted(x for f in figures for x in f.latencies)
    total = len(latencies)
    errors: Counter[str] = sum((f.errors for f in figures), Counter())
    results = {
        "clients": clients, "seconds": seconds,
        "mode": f"paced at {rate:g} searches/s" if rate else "closed loop",
        "searches": total,
        "errors": errors.total(),
        "errors_by_kind": dict(sorted(errors.items())),
        "searches_per_second": round(total / seconds, 1),
        "median_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(1000 * latencies[int(0.95 * (total - 1))], 1) if latencies else None,
        "p99_ms": round(1000 * latencies[int(0.99 * (total - 1))], 1) if latencies else None,
        "found_share": round(sum(f.found for f in figures) / total, 4) if total else None,
        "too_many_share": round(sum(f.too_many for f in figures) / total, 4) if total else None,
        "cpu_ms_per_search": cpu,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "audit_trail": "on" if trail else "off (the hook only logs: bench/untrailed.py)",
    }
    out.write(f"search through the API, audit trail {'on' if trail else 'off'}: {clients} clients "
              f"({results['mode']}) for {seconds:g} s after a "
              f"{warmup:g} s warm-up, {os.cpu_count()} CPUs\n")
    out.write(json.dumps(results, indent=2) + "\n")
    out.flush()
    return results
