"""Verification of a large trail on every core: ranges of entries read and hashed at once.

Reading a row from the database and hashing it costs a few microseconds of Python,
so one process checks about 100,000 to 140,000 entries a second (docs/benchmarks.md).
Here the log is cut into ranges of 2**17 consecutive sequence numbers, each a whole
subtree of the log; worker processes (forked, each with its own database connection)
read and check their ranges with `verification.check_entries` (every number present
once, every entry matching the leaf hash recorded when it was placed), build their
range's part of the tree, and send back only its frontier (a few hashes), also as it
stood at each checkpoint inside the range. This process joins the parts in order
(`TreeBuilder.push_frontier`) and compares the root with each signed checkpoint. The
first problem in log order wins, as in a single pass: a checkpoint that fails before a
range's own problem is reported first.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from django.db import connection, connections

from contactpoint.audit.checkpoint import Checkpoint
from contactpoint.audit.merkle import TreeBuilder
from contactpoint.audit.verification import LogCheck, Problem, check_entries

#: Below this many entries one process does it all: starting workers costs more.
PARALLEL_FROM = 200_000
#: Entries a worker reads in one piece: a power of two, so that each range is a whole
#: subtree of the log and a worker can hand back its part of the tree, not its leaves.
RANGE = 1 << 17


@dataclass(frozen=True)
class RangeCheck:
    """One range's outcome: how many entries it accepted, its part of the tree at each
    checkpoint inside it and at its end (`TreeBuilder.frontier` of its leaves alone),
    and its first problem if any."""

    start: int
    count: int
    at_checkpoints: tuple[tuple[int, bytes], ...]
    frontier: bytes
    problem: LogCheck | None


def check_range(start: int, stop: int, sizes: tuple[int, ...] = ()) -> RangeCheck:
    """Check entries numbered [start, stop): each number once, each entry its recorded hash;
    build their part of the tree, noting it at each checkpoint size in `sizes`."""
    from contactpoint.audit.trail import stored_entries  # noqa: PLC0415  (a cycle)

    found, accepted = check_entries(stored_entries(start, stop), first_seq=start)
    if found.ok and found.size < stop - start:  # the range ends early: its last are gone
        found = LogCheck(found.size, 0, 0, Problem.MISSING, start + found.size,
                         start + found.size, f"entry {start + found.size} is missing")
    tree, done, noted = TreeBuilder(), 0, []
    for size in sizes:
        offset = size - start
        if not 0 < offset <= len(accepted):
            continue
        tree.extend(accepted[done:offset])
        done = offset
        noted.append((size, tree.frontier()))
    tree.extend(accepted[done:])
    return RangeCheck(start, len(accepted), tuple(noted), tree.frontier(),
                      None if found.ok else found)


def _in_worker(task: tuple[int, int, tuple[int, ...]]) -> RangeCheck:
    return check_range(*task)


def _ranges(end: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, end)) for start in range(0, end, size)] or [(0, 0)]


def _extent() -> int:
    """One past the highest sequence number stored (0 for an empty log)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(seq) FROM audit_leaf")
        (highest,) = cursor.fetchone()
    return 0 if highest is None else int(highest) + 1


def _results(end: int, workers: int, sizes: list[int]) -> Iterator[RangeCheck]:
    if workers <= 1:
        yield check_range(0, end, tuple(sizes))
        return
    tasks = [(start, stop, tuple(s for s in sizes if start < s <= stop))
             for start, stop in _ranges(end, RANGE)]
    connections.close_all()  # a forked worker must not share this process's connections
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield from pool.map(_in_worker, tasks)


def verify_stored(marks: Sequence[Checkpoint | tuple[int, bytes]], workers: int | None = None
                  ) -> LogCheck:
    """The whole stored log checked against `marks` (checkpoints, signatures already checked)."""
    from contactpoint.audit.verification import _checkpoint_list  # noqa: PLC0415

    points, unusable = _checkpoint_list(marks)
    if unusable:
        return LogCheck(0, 0, 0, Problem.BAD_CHECKPOINT, detail=unusable)
    end = _extent()
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if end >= PARALLEL_FROM else 1
    return _Tree(points).over(_results(end, workers, [size for size, _ in points]))


class _Tree:
    """The tree built from the ranges' hashes in order, checked at each checkpoint."""

    def __init__(self, points: list[tuple[int, bytes]]) -> None:
        self.points = points
        self.tree = TreeBuilder()
        self.next = self.matched = self.sealed = 0

    def over(self, results: Iterator[RangeCheck]) -> LogCheck:
        if failed := self._reach():
            return failed
        for result in results:
            for size, part in result.at_checkpoints:  # checkpoints inside the range
                at = TreeBuilder.resume(self.tree.size, self.tree.frontier())
                at.push_frontier(size - result.start, part)
                if failed := self._compare(size, at.root()):
                    return failed
            self.tree.push_frontier(result.count, result.frontier)
            if failed := self._reach():
                return failed
            if result.problem is not None:
                return replace(result.problem, size=self.tree.size, sealed=self.sealed,
                               checkpoints_matched=self.matched)
        if self.next < len(self.points):
            return self._stop(Problem.TRUNCATED, self.tree.size,
                              f"the log holds {self.tree.size} entries but a checkpoint "
                              f"signed {self.points[-1][0]}")
        return LogCheck(self.tree.size, self.sealed, self.matched)

    def _compare(self, size: int, root: bytes) -> LogCheck | None:
        """Check every checkpoint of this size against the root the log has at it."""
        while self.next < len(self.points) and self.points[self.next][0] == size:
            if self.points[self.next][1] != root:
                return self._stop(Problem.MISMATCH, max(size - 1, 0),
                                  f"the log's root at size {size} differs from the signed "
                                  "checkpoint", earliest=self.sealed)
            self.matched += 1
            self.sealed = size
            self.next += 1
        return None

    def _reach(self) -> LogCheck | None:
        """Checkpoints of the log's present size (at a range's edge, or of the empty log)."""
        return self._compare(self.tree.size, self.tree.root())

    def _stop(self, problem: Problem, first_bad: int, detail: str,
              earliest: int | None = None) -> LogCheck:
        return LogCheck(self.tree.size, self.sealed, self.matched, problem, first_bad,
                        first_bad if earliest is None else earliest, detail)
