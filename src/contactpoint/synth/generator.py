"""Writing a whole synthetic population: chunks built in parallel, written in order.

The population is cut into chunks of 2,000 children. A chunk depends only on the
seed, its number and today's date, so worker processes can build chunks in any order
and the parent writes them in chunk order: the files are the same bytes whatever the
number of workers. At most a few chunks are in flight at once, so memory stays flat
however many children are asked for.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pathlib
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

import orjson

from contactpoint.synth.care_sources import EarlyYears, SocialCare
from contactpoint.synth.habits import SOURCES
from contactpoint.synth.identifiers import MAX_CHILDREN
from contactpoint.synth.people import Household
from contactpoint.synth.population import CHILDREN_PER_CHUNK, HouseholdBuilder
from contactpoint.synth.recording import SOURCE_ID_BITS
from contactpoint.synth.seeding import MixingPermutation
from contactpoint.synth.sources import ChildBenefit, NhsDemographics, SchoolCensus, SourceView
from contactpoint.synth.world import World, world_for

TRUTH_FILE = "truth.csv"
REFERENCE_FOLDER = "reference"
#: The children of multiple births, so a benchmark can count twins wrongly merged.
BIRTHS_FILE = "births.csv"
_BATCH = 64
_ROW_BOUNDARY = b'},{"source_id":'  # only between rows: no nested object has a source_id

#: Every source system's view, in the order their feeds are written.
SOURCE_VIEWS: tuple[type[SourceView], ...] = (
    SchoolCensus,
    NhsDemographics,
    ChildBenefit,
    SocialCare,
    EarlyYears,
)


@dataclass(frozen=True)
class GenerationSummary:
    """What was written: rows per file, people, and the multiple births among them."""

    children: int
    households: int
    rows: dict[str, int]  # file name -> rows written (truth.csv without its header)
    twin_sets: int
    triplet_sets: int
    mistakes: dict[str, dict[str, int]] = field(default_factory=dict)  # source -> mistake -> rows
    reference: dict[str, int] = field(default_factory=dict)  # reference file -> rows

    def line(self) -> str:
        """One line for a person at a terminal."""
        files = ", ".join(f"{name} {count:,}" for name, count in self.rows.items())
        return (
            f"{self.children:,} children in {self.households:,} households "
            f"({self.twin_sets:,} twin sets, {self.triplet_sets:,} triplet sets): {files}"
        )


@dataclass
class ChunkOutput:
    index: int
    children: int
    households: int
    feeds: dict[str, bytes]
    truth: bytes
    births: bytes
    rows: dict[str, int]
    twin_sets: int
    triplet_sets: int
    mistakes: dict[str, dict[str, int]]


def json_lines(records: list[dict]) -> bytes:
    """One JSON object a line, in the order given.

    Serialised as one array and split at the row boundaries: the same bytes as dumping
    each row, in a third of the time (orjson's per-call cost dominates small objects).
    The boundary cannot occur inside a string, where every quote is escaped.
    """
    if not records:
        return b""
    return orjson.dumps(records)[1:-1].replace(_ROW_BOUNDARY, b'}\n{"source_id":') + b"\n"


def chunk_sizes(children: int) -> list[int]:
    full, rest = divmod(children, CHILDREN_PER_CHUNK)
    return [CHILDREN_PER_CHUNK] * full + ([rest] if rest else [])


def build_chunk(task: tuple[int, int, int, str]) -> ChunkOutput:
    """Every source's rows for one chunk of households (runs in a worker process).

    Each household is shown to every source as soon as it is drawn, and then let go:
    its objects are still in the processor's cache for the five sources. Each source
    has its own random stream, so this order gives the same bytes as any other.

    The cyclic garbage collector is paused meanwhile (a chunk makes hundreds of
    thousands of short-lived objects); the only cycle, a household and its children,
    is broken by hand.
    """
    seed, index, children, today_text = task
    today = date.fromisoformat(today_text)
    world = world_for(seed)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _chunk_output(world, index, today, children)
    finally:
        if collecting:
            gc.enable()


class _SourceRows:
    """One source's rows of a chunk, serialised in small batches as they come."""

    def __init__(self, view: SourceView) -> None:
        self.view = view
        self.prefix = view.name + ","
        self.records: list[dict] = []
        self.parts: list[bytes] = []
        self.truth: list[str] = []
        self.count = 0

    def add(self, household: Household) -> None:
        records, truth, prefix = self.records, self.truth, self.prefix
        for person_id, row in self.view.rows(household):
            records.append(row)
            truth.append(f"{prefix}{row['source_id']},{person_id}\n")
        if len(records) >= _BATCH:  # freed rows' memory is reused while still in cache
            self.flush()

    def flush(self) -> None:
        self.parts.append(json_lines(self.records))
        self.count += len(self.records)
        self.records = []


def _chunk_output(world: World, index: int, today: date, children: int) -> ChunkOutput:
    sources = [
        _SourceRows(view_class(world, index, today, _source_ids(world.seed, view_class.name)))
        for view_class in SOURCE_VIEWS
    ]
    builder = HouseholdBuilder(world, index, today)
    households = twins = triplets = 0
    births: list[str] = []
    for household in builder.households(children, index * CHILDREN_PER_CHUNK):
        for source in sources:
            source.add(household)
        households += 1
        sizes = [child.multiple for child in household.children]
        twins += sizes.count(2) // 2
        triplets += sizes.count(3) // 3
        births += multiple_birth_lines(household)
        household.children.clear()  # the only reference cycle: break it, no GC needed
    for source in sources:
        source.flush()
    return ChunkOutput(
        index=index,
        children=children,
        households=households,
        feeds={source.view.name: b"".join(source.parts) for source in sources},
        truth="".join(line for source in sources for line in source.truth).encode(),
        births="".join(births).encode(),
        rows={source.view.name: source.count for source in sources},
        twin_sets=twins,
        triplet_sets=triplets,
        mistakes={source.view.name: source.view.maker.mistakes for source in sources},
    )


def multiple_birth_lines(household: Household) -> list[str]:
    """`person_id,birth_id,children_in_birth` for each twin or triplet of the household.

    A birth's children are added one after another with the same date of birth (siblings'
    births are months apart), so a birth is a run of such children; it is named after
    its first child, which makes the id unique and the same whatever the chunking.
    """
    lines: list[str] = []
    first = None
    for child in household.children:
        if child.multiple == 1:
            first = None
            continue
        if first is None or child.date_of_birth != first.date_of_birth:
            first = child
        lines.append(f"{child.person_id},B{first.index:08d},{child.multiple}\n")
    return lines


_ID_PERMUTATIONS: dict[tuple[int, str], MixingPermutation] = {}


def _source_ids(seed: int, source: str) -> MixingPermutation:
    key = (seed, source)
    if key not in _ID_PERMUTATIONS:
        _ID_PERMUTATIONS[key] = MixingPermutation(SOURCE_ID_BITS, seed, "source_id", source)
    return _ID_PERMUTATIONS[key]


def _start_method() -> str | None:
    """Fork when it is safe (workers then share the world already built), else forkserver.

    Forking a process that runs other threads (a test server, say) can deadlock a child
    on a lock some thread held; forkserver children start clean and build the world.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else None


def _in_order(tasks: list[tuple[int, int, int, str]], workers: int) -> Iterator[ChunkOutput]:
    """Chunk outputs in chunk order, with a bounded number in flight (flat memory)."""
    if workers <= 1 or len(tasks) <= 1:
        yield from map(build_chunk, tasks)
        return
    context = multiprocessing.get_context(_start_method())
    window = 2 * workers
    with context.Pool(workers) as pool:
        pending = deque(pool.apply_async(build_chunk, (task,)) for task in tasks[:window])
        queued = len(pending)
        while pending:
            output = pending.popleft().get()
            if queued < len(tasks):
                pending.append(pool.apply_async(build_chunk, (tasks[queued],)))
                queued += 1
            yield output


def generate(
    children: int,
    seed: int,
    out_dir: pathlib.Path,
    *,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> GenerationSummary:
    """Write ``out_dir/<source>.jsonl``, ``truth.csv`` and ``reference/*.csv``.

    ``reference/births.csv`` lists the children of multiple births, by birth.

    The bytes depend only on (children, seed, today), never on ``workers``.
    """
    if children < 0 or children > MAX_CHILDREN:
        raise ValueError(f"children must be between 0 and {MAX_CHILDREN:,}")
    today = today or date.today()
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = world_for(seed)  # built before forking, so workers inherit it
    reference = world.write_reference(out_dir / REFERENCE_FOLDER)
    tasks = [
        (seed, index, size, today.isoformat()) for index, size in enumerate(chunk_sizes(children))
    ]
    rows = {f"{source}.jsonl": 0 for source in SOURCES} | {TRUTH_FILE: 0}
    mistakes: dict[str, dict[str, int]] = {source: {} for source in SOURCES}
    households = twins = triplets = done = multiple_born = 0
    files = {
        source: (out_dir / f"{source}.jsonl").open("wb", buffering=1 << 20) for source in SOURCES
    }
    try:
        with (
            (out_dir / TRUTH_FILE).open("wb", buffering=1 << 20) as truth,
            (out_dir / REFERENCE_FOLDER / BIRTHS_FILE).open("wb") as births,
        ):
            truth.write(b"source,source_id,person_id\n")
            births.write(b"person_id,birth_id,children_in_birth\n")
            for output in _in_order(tasks, workers or os.cpu_count() or 1):
                for source in SOURCES:
                    files[source].write(output.feeds[source])
                    rows[f"{source}.jsonl"] += output.rows[source]
                    for mistake, count in output.mistakes[source].items():
                        mistakes[source][mistake] = mistakes[source].get(mistake, 0) + count
                truth.write(output.truth)
                births.write(output.births)
                multiple_born += output.births.count(b"\n")
                rows[TRUTH_FILE] += sum(output.rows.values())
                households += output.households
                twins += output.twin_sets
                triplets += output.triplet_sets
                done += output.children
                if progress:
                    progress(done, children)
    finally:
        for handle in files.values():
            handle.close()
    return GenerationSummary(
        children=children,
        households=households,
        rows=rows,
        twin_sets=twins,
        triplet_sets=triplets,
        mistakes={source: dict(sorted(counts.items())) for source, counts in mistakes.items()},
        reference=reference | {BIRTHS_FILE: multiple_born},
    )
