"""Check a stored audit log against its checkpoints and name the first bad entry.

`contactpoint audit verify` (trail.verify, parallel.py) streams the stored entries,
range by range, into `check_entries` (the same pass without a tree), and parallel.py
builds the tree from the ranges and checks it against the signature-checked
checkpoints. `verify_log` does all of it in one pass, for a log held anywhere (the
tests, bench/audit.py). Plain Python, no Django import, so the same check runs on
SQLite, PostgreSQL or a file.

`verify_log` makes one pass over the entries in the order they are given, hashing
each (`merkle.leaf_hash` of the bytes the log commits to) into a `merkle.TreeBuilder`,
and compares the root with each checkpoint when the log reaches that checkpoint's
size. It stops at the first problem, so the position it names is the first bad one;
it never raises on corrupted input (a checkpoint list it cannot use is reported too).
Time is O(n) and memory O(log n) plus the checkpoints and a run of at most `PENDING`
leaf hashes, so a caller can stream rows from a database cursor. A kept checkpoint
(`audit verify --since FILE`) is one more checkpoint in the list: the log extends it
exactly when the root at its size matches.

What can be named, and how exactly:

- `missing` (exact): a sequence number skipped (an entry deleted).
- `inserted` (exact): a sequence number given twice.
- `reordered` (exact): an entry stored out of sequence order (visible when rows are
  streamed in the order they were stored, e.g. by primary key, with their sequence
  numbers), or an entry holding the content whose stored hash belongs to a later
  one (looked for within `LOOKAHEAD` entries once something is found wrong).
- `altered` (exact): an entry whose bytes no longer hash to the leaf hash stored with
  it when it was sequenced (pass `StoredEntry.leaf_hash`), or whose data is unreadable.
- `truncated` (exact): a checkpoint signed a larger log than is stored.
- `mismatch` (bounded): the root at a checkpoint's size differs, with every entry
  consistent on its own: someone rewrote entries and their stored hashes, or
  renumbered after a deletion or insertion. The checkpoints then only prove that the
  first bad entry lies after the previous matching checkpoint and at or before this
  one's last entry; `first_bad` is that last entry, `earliest` the first it could be.
  Signing checkpoints often keeps that window small.

Sequence numbers are leaf indexes counted from `first_seq` (0 by default). The
caller's encoding of an entry into `data` should include its sequence number, so a
row moved to another place no longer hashes to the leaf that was signed there.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

from contactpoint.audit.checkpoint import Checkpoint
from contactpoint.audit.merkle import HASH_SIZE, TreeBuilder, leaf_hash

#: Leaf hashes held before they are added to the tree in one run.
PENDING = 1 << 16
#: How far past a gap or an edited entry to look for the entry that was moved.
LOOKAHEAD = 10_000


class Problem(enum.StrEnum):
    MISSING = "missing"
    INSERTED = "inserted"
    REORDERED = "reordered"
    ALTERED = "altered"
    TRUNCATED = "truncated"
    MISMATCH = "mismatch"
    BAD_CHECKPOINT = "bad checkpoint"


class StoredEntry(NamedTuple):
    """One stored entry as the verifier sees it: any (seq, data, leaf_hash) row will do.

    A database cursor's rows from `SELECT seq, data, leaf_hash ... ORDER BY id` can be
    passed to `verify_log` as they are.

    `data` is exactly the bytes the log commits to (the canonical encoding of the
    stored row, ciphertext included). `leaf_hash`, when stored, is the hash written
    when the entry was sequenced; it lets an edited row be named exactly.
    """

    seq: int
    data: bytes
    leaf_hash: bytes | None = None


#: What the verifier reads: a StoredEntry, or any row of three values, however damaged.
Row = tuple[object, object, object]


@dataclass(frozen=True, slots=True)
class LogCheck:
    """The outcome of `verify_log`: sound, or the first bad entry and what is wrong."""

    #: Entries read before the check stopped (all of them when it is sound).
    size: int
    #: How many of those are covered by a matching checkpoint (the rest are not yet sealed).
    sealed: int
    #: Checkpoints whose size and root matched.
    checkpoints_matched: int
    problem: Problem | None = None
    #: The first bad sequence number, or for `mismatch` the last it can be.
    first_bad: int | None = None
    #: For `mismatch`: the first sequence number it can be (else equal to first_bad).
    earliest: int | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def exact(self) -> bool:
        return self.problem is not None and self.earliest == self.first_bad

    def describe(self) -> str:
        """One line for a person: the log is sound, or what is wrong and where."""
        if self.ok:
            return (
                f"log of {self.size} entries verified: {self.checkpoints_matched} checkpoints "
                f"match, {self.size - self.sealed} entries after the last one not yet sealed"
            )
        return f"{self.problem} at {self._where()}: {self.detail}"

    def _where(self) -> str:
        if self.exact:
            return f"entry {self.first_bad}"
        return f"entry {self.first_bad} or before (from entry {self.earliest})"


def _checkpoint_list(
    checkpoints: Iterable[Checkpoint | tuple[int, bytes]],
) -> tuple[list[tuple[int, bytes]], str | None]:
    """Checkpoints as sorted (size, root) pairs, or why they cannot be used."""
    by_size: dict[int, bytes] = {}
    for item in checkpoints:
        try:
            size, root = (item.size, item.root) if isinstance(item, Checkpoint) else item
        except (TypeError, ValueError):
            return [], f"a checkpoint is neither a Checkpoint nor a (size, root) pair: {item!r}"
        if (
            not isinstance(size, int)
            or size < 0
            or not isinstance(root, bytes)
            or (len(root) != HASH_SIZE)
        ):
            return [], f"a checkpoint has size {size!r} or a root that is not {HASH_SIZE} bytes"
        if by_size.setdefault(size, root) != root:
            return [], f"two checkpoints of size {size} sign different roots (a forked log)"
    return sorted(by_size.items()), None


def _as_bytes(value: object) -> bytes | None:
    """Stored bytes as bytes (drivers hand back memoryview or bytearray), else None."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return None


def verify_log(
    entries: Iterable[Row],
    checkpoints: Iterable[Checkpoint | tuple[int, bytes]],
    *,
    first_seq: int = 0,
) -> LogCheck:
    """Recompute the log from `entries` and check it against each checkpoint.

    `checkpoints` are `checkpoint.Checkpoint`s (or (size, root) pairs) whose
    signatures the caller has already checked. Returns the first problem found and
    never raises on bad data; a caller's iterator that raises (a lost database
    connection) still raises.
    """
    marks, unusable = _checkpoint_list(checkpoints)
    if unusable:
        return LogCheck(0, 0, 0, Problem.BAD_CHECKPOINT, detail=unusable)
    return _Run(marks, first_seq).over(iter(entries))


def check_entries(
    entries: Iterable[Row], *, first_seq: int = 0
) -> tuple[LogCheck, list[bytes]]:
    """Check a run of entries on its own, numbered from `first_seq`: every number once and
    every entry matching its stored leaf hash. Returns the outcome and the leaf hashes
    of the entries accepted before any problem, in order, for a caller that builds the
    tree itself (parallel verification: each worker checks a range, one process builds
    the tree). No tree is built here.
    """
    run = _Run([], first_seq, keep=[])
    found = run.over(iter(entries))
    kept = run.keep if run.keep is not None else []
    kept.extend(run.pending)
    accepted = found.size if found.ok else (found.first_bad or first_seq) - first_seq
    return found, kept[:accepted]


class _Run:
    """The state of one pass: the tree so far and the next checkpoint to reach."""

    def __init__(self, marks: list[tuple[int, bytes]], first_seq: int,
                 keep: list[bytes] | None = None) -> None:
        self.marks = marks
        self.first_seq = first_seq
        #: When a list, accepted leaf hashes go there instead of into a tree.
        self.keep = keep
        self.tree = TreeBuilder()
        #: Leaf hashes checked but not yet in the tree: added in runs, which is faster.
        self.pending: list[bytes] = []
        self.count = 0  # entries accepted: the tree's size once pending is added
        self.matched = self.sealed = self.next_mark = 0

    def over(self, stream: Iterator[Row]) -> LogCheck:
        if failed := self._reach_marks():  # a checkpoint of the empty log
            return failed
        # The common case (the next number, bytes that match their stored hash) runs
        # inline with local names; anything else goes through _add, which checks all.
        hash_leaf = leaf_hash
        pending, count = self.pending, self.count
        expected, until = self.first_seq + count, self._until()
        for entry in stream:
            seq, data, stored = entry
            if seq == expected and type(seq) is int and type(data) is bytes:
                hashed = hash_leaf(data)
                if stored is None or stored == hashed:
                    pending.append(hashed)
                    count += 1
                    expected += 1
                    if count < until:
                        continue
                    self.count = count
                    if failed := self._settle():
                        return failed
                    pending, until = self.pending, self._until()
                    continue
            self.count = count
            if failed := self._add(entry, stream) or self._settle():
                return failed
            pending, count = self.pending, self.count
            expected, until = self.first_seq + count, self._until()
        self.count = count
        if self.next_mark < len(self.marks):
            return self._stop(
                Problem.TRUNCATED,
                self.first_seq + self.count,
                f"the log holds {self.count} entries but a checkpoint signed {self.marks[-1][0]}",
            )
        return LogCheck(self.count, self.sealed, self.matched)

    def _until(self) -> int:
        """The count at which the fast loop must stop: a checkpoint, or a full run."""
        until = self.count + PENDING - len(self.pending)
        if self.next_mark < len(self.marks):
            until = min(until, self.marks[self.next_mark][0])
        return until

    def _settle(self) -> LogCheck | None:
        """Add a full run of pending hashes to the tree, and check any checkpoint reached."""
        if len(self.pending) >= PENDING:
            self._flush()
        return self._reach_marks()

    def _stop(
        self, problem: Problem, first_bad: int, detail: str, earliest: int | None = None
    ) -> LogCheck:
        return LogCheck(
            size=self.count,
            sealed=self.sealed,
            checkpoints_matched=self.matched,
            problem=problem,
            first_bad=first_bad,
            earliest=first_bad if earliest is None else earliest,
            detail=detail,
        )

    def _add(self, entry: Row, stream: Iterator[Row]) -> LogCheck | None:
        expected = self.first_seq + self.count
        seq, data, stored = entry
        if not isinstance(seq, int) or isinstance(seq, bool):
            return self._stop(
                Problem.ALTERED, expected, f"the entry after {expected - 1} has no number"
            )
        if seq != expected:
            return self._out_of_sequence(seq, expected, stream)
        readable = _as_bytes(data)
        if readable is None:
            return self._stop(Problem.ALTERED, seq, "its data cannot be read")
        hashed = leaf_hash(readable)
        if stored is not None and _as_bytes(stored) != hashed:
            # Edited, or swapped with a later entry: is its content a later entry's?
            ahead = islice(stream, LOOKAHEAD)
            moved = next((e[0] for e in ahead if _as_bytes(e[2]) == hashed), None)
            if moved is not None:
                return self._stop(Problem.REORDERED, seq, f"it holds the content of entry {moved}")
            return self._stop(
                Problem.ALTERED, seq, "its content does not match the hash stored when logged"
            )
        self.pending.append(hashed)
        self.count += 1
        return None

    def _flush(self) -> None:
        if self.keep is not None:
            self.keep.extend(self.pending)
        else:
            self.tree.extend(self.pending)
        self.pending = []

    def _out_of_sequence(self, seq: int, expected: int, stream: Iterator[Row]) -> LogCheck:
        if seq < expected:
            previous = expected - 1
            if seq == previous:
                return self._stop(Problem.INSERTED, seq, f"sequence number {seq} is used twice")
            return self._stop(
                Problem.REORDERED, seq, f"entry {seq} is stored after entry {previous}"
            )
        # Deleted, or moved later: look a little ahead for the number skipped.
        if any(e[0] == expected for e in islice(stream, LOOKAHEAD)):
            return self._stop(
                Problem.REORDERED, expected, f"entry {expected} is stored after entry {seq}"
            )
        gap = (
            f"entry {expected} is"
            if seq == expected + 1
            else f"entries {expected} to {seq - 1} are"
        )
        return self._stop(Problem.MISSING, expected, f"{gap} missing")

    def _reach_marks(self) -> LogCheck | None:
        """Compare the root with every checkpoint of the log's present size."""
        size = self.count
        while self.next_mark < len(self.marks) and self.marks[self.next_mark][0] == size:
            self._flush()
            if self.marks[self.next_mark][1] != self.tree.root():
                return self._stop(
                    Problem.MISMATCH,
                    self.first_seq + max(size - 1, 0),
                    f"the log's root at size {size} differs from the signed checkpoint",
                    earliest=self.first_seq + self.sealed,
                )
            self.matched += 1
            self.sealed = size
            self.next_mark += 1
        return None
