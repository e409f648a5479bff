"""How fast the audit log's Merkle tree is recomputed from entries held in memory.

The pure part of `contactpoint audit verify`, in this process with no database
(bench/audit_trail.py times the command's whole work on a stored trail): random
entries of `--entry-bytes` each (about the size of a stored row with its ciphertext),
then

- `leaf hashes`: SHA-256(0x00 || data) of every entry (hashlib, in C);
- `tree from hashes`: the root from those hashes (merkle.TreeBuilder.extend);
- `verify_log`: the check as the command calls it on each range, each entry a
  (seq, data, leaf_hash) row as a database cursor yields it, with a checkpoint every
  `--checkpoint-every` entries; it hashes every entry and builds the tree again.

Each line gives wall-clock time and this process's CPU time: on a machine shared
with other work the CPU figure leaves out the time spent waiting for a core (not
the slowdown of sharing its caches). Reading rows from the database is not in these
figures; bench/audit_trail.py has them.

    python -m contactpoint.bench.audit [--entries 1000000] [--entry-bytes 300]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from contactpoint.audit.merkle import TreeBuilder, leaf_hash, root
from contactpoint.audit.verification import LogCheck, verify_log

T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """One step's wall-clock and CPU seconds (CPU: what a machine not shared would take)."""

    name: str
    seconds: float
    cpu_seconds: float
    entries: int

    @property
    def per_second(self) -> float:
        return self.entries / self.seconds if self.seconds else float("inf")

    @property
    def per_cpu_second(self) -> float:
        return self.entries / self.cpu_seconds if self.cpu_seconds else float("inf")

    def line(self) -> str:
        return (
            f"{self.name:<18} {self.seconds:7.2f} s {self.per_second:>10,.0f} entries/s"
            f"   CPU {self.cpu_seconds:6.2f} s {self.per_cpu_second:>10,.0f} entries/s"
        )


def _timed(name: str, entries: int, call: Callable[[], T]) -> tuple[T, Timing]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, Timing(name, time.perf_counter() - wall, time.process_time() - cpu, entries)


def make_entries(count: int, entry_bytes: int, seed: int = 21) -> list[bytes]:
    """`count` distinct random entries of `entry_bytes` bytes (sequence number first)."""
    rng = random.Random(seed)  # noqa: S311 -- test data, seeded to be repeatable
    return [i.to_bytes(8, "big") + rng.randbytes(entry_bytes - 8) for i in range(count)]


def run(
    entries: int = 1_000_000, entry_bytes: int = 300, checkpoint_every: int = 1_000
) -> list[Timing]:
    """Time the three steps over `entries` random entries; return the timings."""
    data = make_entries(entries, entry_bytes)
    hashes, hashing = _timed("leaf hashes", entries, lambda: [leaf_hash(d) for d in data])

    def build() -> bytes:
        tree = TreeBuilder()
        tree.extend(hashes)
        return tree.root()

    head, building = _timed("tree from hashes", entries, build)
    if head != root(hashes):
        raise RuntimeError("the streamed root differs from the level-by-level root")

    checkpoints = []
    tree = TreeBuilder()
    for size, hashed in enumerate(hashes, start=1):
        tree.append(hashed)
        if size % checkpoint_every == 0 or size == entries:
            checkpoints.append((size, tree.root()))

    def check() -> LogCheck:
        # (seq, data, leaf_hash) tuples, as a database cursor yields its rows.
        return verify_log(zip(range(entries), data, hashes, strict=True), checkpoints)

    result, verifying = _timed("verify_log", entries, check)
    if not result.ok:
        raise RuntimeError(f"an honest log failed: {result.describe()}")
    return [hashing, building, verifying]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--entry-bytes", type=int, default=300)
    parser.add_argument("--checkpoint-every", type=int, default=1_000)
    args = parser.parse_args(argv)
    if args.entries < 1 or args.entry_bytes < 8 or args.checkpoint_every < 1:
        parser.error("--entries and --checkpoint-every must be at least 1, --entry-bytes 8")
    print(
        f"audit log: {args.entries:,} entries of {args.entry_bytes} bytes, "
        f"a checkpoint every {args.checkpoint_every:,}"
    )
    for timing in run(args.entries, args.entry_bytes, args.checkpoint_every):
        print(timing.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
