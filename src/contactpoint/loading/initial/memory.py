"""Whether placing a population's feeds fits in memory, decided before anything is
written: the index is held whole until every record is placed, and a load killed for
memory when nearly placed would have wasted hours."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import psutil

from contactpoint.loading.initial.errors import InitialLoadError

#: The memory placing takes beyond what the load's process holds as it starts (about
#: 80 MiB): for each record (235 bytes in its structures, 270 with their spare room),
#: and the rest of the process and its two reading workers. Fitted to the loads of
#: docs/benchmarks.md (session 13): 965 MiB, summed, at the end of placing 2,680,541
#: records; and a script placing 536,102 (no Django, no workers) at 252 MiB.
PLACING_BYTES_PER_RECORD = 270
PLACING_BASE_BYTES = 200 * 2**20
#: Lines read from the start of each feed to estimate its records from its size.
SAMPLED_LINES = 2000


def estimated_records(path: Path) -> int:
    """About how many records a feed file holds: its size over its first lines' mean
    length (a CSV's header counted as a record)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        lines = [len(line) for _, line in zip(range(SAMPLED_LINES), fh, strict=False)]
    sampled = sum(lines)
    if not sampled:
        return 0
    if sampled >= size:  # read whole
        return len(lines)
    return round(size * len(lines) / sampled)


def placing_memory(files: Sequence[tuple[str, Path]]) -> tuple[int, int]:
    """(records, bytes): about how many records these feeds hold, and the memory that
    placing them takes beyond what this process holds as it starts (the index is held
    whole until every record is placed)."""
    records = sum(estimated_records(path) for _, path in files)
    return records, PLACING_BASE_BYTES + records * PLACING_BYTES_PER_RECORD


def memory_available() -> int:
    """Bytes this process could take: the system's available memory, or less where a
    control group's limit (Linux's cgroup v2 or v1) leaves less."""
    available = psutil.virtual_memory().available
    limit_left = cgroup_memory_left()
    return available if limit_left is None else min(available, limit_left)


def cgroup_memory_left(cgroup: Path = Path("/proc/self/cgroup"),
                       root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """The memory limit of this process's control group less what its processes hold
    (page cache left out: the kernel reclaims it), or None without a limit."""
    try:
        lines = cgroup.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, group = line.split(":", 2)
        if controllers == "":  # v2: one hierarchy
            folder = root / group.lstrip("/")
            limit_file, held_key = folder / "memory.max", "anon"
        elif "memory" in controllers.split(","):
            folder = root / "memory" / group.lstrip("/")
            limit_file, held_key = folder / "memory.limit_in_bytes", "total_rss"
        else:
            continue
        try:
            limit = limit_file.read_text().strip()
            stat = dict(entry.split() for entry in (folder / "memory.stat").read_text()
                        .splitlines() if entry.count(" ") == 1)
        except OSError:
            continue
        if limit == "max" or int(limit) >= 1 << 60:  # no limit (v1's is near 2**63)
            continue
        return max(0, int(limit) - int(stat.get(held_key, 0)))
    return None


def check_memory(files: Sequence[tuple[str, Path]],
                 progress: Callable[[str], None] | None) -> None:
    """Refuse, before anything is written, a load whose index will not fit: it would
    otherwise be killed for memory when nearly placed."""
    records, needed = placing_memory(files)
    available = memory_available()
    if progress:
        progress(f"placing about {records:,} records will take about {needed / 2**30:.2f} "
                 f"GiB more memory; {available / 2**30:.2f} GiB is available")
    if needed > available:
        raise InitialLoadError(
            f"placing these feeds (about {records:,} records) needs about "
            f"{needed / 2**30:.2f} GiB more memory and {available / 2**30:.2f} GiB is "
            "available: run the load on a machine with more memory, load the feeds with "
            "`contactpoint ingest` (slower, its memory the same whatever the size), or "
            "pass --no-memory-check to try anyway")
