"""The initial load from end to end: check the files and the memory, mark the start,
place every record in memory onto the spools, write them from forked writers, put the
indexes and constraints back and mark the load finished, audited (the phases are
described in contactpoint.loading.initial)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from contactpoint.access.models import SourceSystem
from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import get_keystore
from contactpoint.crypto.models import DataKey
from contactpoint.db import bulk
from contactpoint.db.checkpoints import checkpoint_in_background
from contactpoint.db.dialect import dialect_for
from contactpoint.db.gcpolicy import rare_collections
from contactpoint.feeds.models import FeedLoad
from contactpoint.identity.models import BlindIndexEntry, Child, SourceRecord
from contactpoint.loading.initial import tables
from contactpoint.loading.initial.errors import InitialLoadError
from contactpoint.loading.initial.markers import CONSTRAINTS, INDEXES, mark_start, operator
from contactpoint.loading.initial.memory import check_memory
from contactpoint.loading.initial.processes import give_back_freed, write_all
from contactpoint.loading.initial.spool import Spool, Spooler
from contactpoint.loading.initial.writers import Writer
from contactpoint.loading.loader import BATCH_SIZE, check_feed_file, rejects_path, write_rejects
from contactpoint.loading.placing.memory import MemoryPlacer
from contactpoint.matching.configuration import configured_linker
from contactpoint.matching.memory import CompactStore
from contactpoint.matching.models import MatchDecision, ReviewItem
from contactpoint.matching.probabilistic import ProbabilisticLinker

#: Children's records are spooled in this many buckets; a writer holds one at a time.
BUCKETS = 64


@dataclass
class InitialSummary:
    files: list[tuple[str, str, dict[str, int]]] = field(default_factory=list)
    children: int = 0
    records: int = 0
    decisions: int = 0
    review_items: int = 0
    place_seconds: float = 0.0
    write_seconds: float = 0.0
    cleared: bool = False

    def lines(self) -> list[str]:
        out = [f"{source} ({name}): " + ", ".join(f"{k.replace('_', ' ')} {counts[k]}"
                                                 for k in _in_print_order(counts))
               for source, name, counts in self.files]
        out.append(f"{self.records} source records, {self.children} children, "
                   f"{self.decisions} decisions, {self.review_items} review items; placed in "
                   f"{self.place_seconds:.1f} s, written in {self.write_seconds:.1f} s")
        return out


#: How each file's counts are printed: read and rejected first, as they always were
#: (bench/match_load.py and operators' scripts read "SOURCE (FILE): read N, rejected N").
_PRINT_ORDER = ("read", "rejected", "created", "linked", "review", "updated", "deleted",
                "unchanged", "superseded", "parts_rejected")


def _in_print_order(counts: dict[str, int]) -> list[str]:
    return [k for k in _PRINT_ORDER if k in counts] + [k for k in counts
                                                       if k not in _PRINT_ORDER]


def _check_files(files: Sequence[tuple[str, Path]]) -> None:
    if not files:
        raise InitialLoadError("no feed files given")
    seen = set()
    for source, path in files:
        check_feed_file(source, path)
        if path.resolve() in seen:
            raise InitialLoadError(f"{path} is given twice")
        seen.add(path.resolve())


def _finish(loads: list[FeedLoad], per_file: list[dict[str, int]], summary: InitialSummary,
            by: str | None) -> None:
    """Mark the loads finished and audit the initial load: one entry, with each file's
    source and counts, in the transaction that finishes it."""
    with transaction.atomic():
        tables.restore_constraints(loads[0].counts.get(CONSTRAINTS, []) if loads else [])
        tables.continue_numbering()
        now = timezone.now()
        for load, counts in zip(loads, per_file, strict=True):
            load.finished_at, load.counts = now, counts
            load.save(update_fields=["finished_at", "counts"])
        audit.record("feeds:initial-load:finish", actor=operator(by), details={
            "files": [{"source": load.source.name, "file": load.file_name, "load": load.pk,
                       **counts} for load, counts in zip(loads, per_file, strict=True)],
            "children": summary.children, "records": summary.records,
            "decisions": summary.decisions, "review_items": summary.review_items,
            "cleared": summary.cleared})


class _Steps:
    """Reports each step of the writing phase with the seconds it took."""

    def __init__(self, progress: Callable[[str], None] | None) -> None:
        self.progress, self.started = progress, time.perf_counter()

    def __call__(self, what: str) -> None:
        now = time.perf_counter()
        if self.progress is not None:
            self.progress(f"{what} in {now - self.started:.1f} s")
        self.started = now


def _write(writer: Writer, summary: InitialSummary, buckets: int, workers: int,  # noqa: PLR0917
           step: _Steps, indexes: list[list[str]]) -> None:
    """Phase 2: every bucket's children and records, then the decisions and review
    items, then the indexes dropped for the writing."""
    with checkpoint_in_background():
        summary.children, summary.records = write_all(writer.write_bucket, buckets, workers)
        step("wrote children and source records")
        # Decisions and review items name records and children of every bucket: written
        # once they all are.
        summary.decisions, summary.review_items = write_all(writer.write_decisions,
                                                            buckets, workers)
        step("wrote decisions and review items")
        tables.restore_indexes(indexes)
        step("built the indexes")


def initial_load(files: Sequence[tuple[str, Path]], *, today: date | None = None,
                 workers: int | None = None, buckets: int = BUCKETS,
                 batch_size: int = BATCH_SIZE,
                 progress: Callable[[str], None] | None = None,
                 memory_check: bool = True,
                 dead_hosts: Collection[str] = (), by: str | None = None) -> InitialSummary:
    """Load these (source, file) feeds, in this order, into an empty index; unless told
    not to, refuse feeds whose placing needs more memory than is available. `by` is the
    operator the trail names (the machine's user if not given).

    An unfinished initial load of another host is taken to be running, and this one
    refused, unless its host is in `dead_hosts`: the operator's word that the machine
    (or every load it ran) is gone, after which what it wrote is cleared like that of a
    load of this host whose process has died."""
    files = [(source, Path(path)) for source, path in files]
    _check_files(files)
    if memory_check:
        check_memory(files, progress)
    # The reading workers and writers are forked inside: they collect rarely too.
    with rare_collections():
        return _initial_load(files, today=today, workers=workers, buckets=buckets,
                             batch_size=batch_size, progress=progress,
                             dead_hosts=frozenset(dead_hosts), by=by)


def _initial_load(files: list[tuple[str, Path]], *, today: date | None, workers: int | None,
                  buckets: int, batch_size: int,
                  progress: Callable[[str], None] | None,
                  dead_hosts: Collection[str], by: str | None) -> InitialSummary:
    workers = workers or max(1, min(2, os.cpu_count() or 1))
    summary = InitialSummary()
    loads, summary.cleared = mark_start(files, dead_hosts, by)
    keys = get_keystore()
    configured = configured_linker(keys)
    compact = CompactStore()  # the linker's store, which the placer fills
    linker = ProbabilisticLinker(keys.blind_index, compact, configured.model,
                                 configured.thresholds)
    now = timezone.now()
    made: list[Spool] = []  # removed however the load ends
    try:
        spool = Spool(buckets)
        made.append(spool)
        decisions = Spool(buckets)
        made.append(decisions)
        placer = MemoryPlacer(linker, compact, keys.blind_index,
                              today=today or timezone.localdate(), now=now, workers=workers,
                              batch_size=batch_size,
                              on_change=Spooler(spool, decisions, configured.configuration.pk,
                                                linker, now))
        # From here only the placer and the linker hold the store, so that forget_index
        # frees it before the writers fork (a name left here kept it all through writing).
        del compact
        started = time.perf_counter()
        per_file = []
        with placer.reading() as pool:
            for source, path in files:
                before = placer.counts.as_dict()
                write, close = write_rejects(rejects_path(path))
                try:
                    placer.load_file(path, source, rows=pool.rows(path, source),
                                     on_reject=write)
                finally:
                    close()
                placed = placer.counts.since(before)
                per_file.append(placed.as_dict())
                if progress:
                    progress(f"placed {source}: {placed.line()}")
        spool.close()
        decisions.close()
        summary.place_seconds = time.perf_counter() - started
        # The writers need only where each record ended (placer.slot): the index held
        # for placing is let go before they fork.
        placer.forget_index()
        give_back_freed()
        started = time.perf_counter()
        step = _Steps(progress)
        _write(Writer(spool, decisions, placer, keys, sources={
            s.name: s for s in SourceSystem.objects.filter(
                name__in={source for source, _ in files})},
            configuration=configured.configuration.pk, now=now),
            summary, buckets, workers, step, loads[0].counts.get(INDEXES, []))
        _finish(loads, per_file, summary, by)
        step("added back the constraints" if dialect_for(connection).drops_constraints_for_loads
             else "marked the load finished")
        summary.write_seconds = time.perf_counter() - started
    finally:
        for folder in made:
            folder.remove()
    bulk.refresh_statistics([SourceRecord, BlindIndexEntry, Child, MatchDecision, ReviewItem],
                            summary.records)
    # And the key store's: a million new data keys, never vacuumed, made the first day's
    # delta after a load slower than the next (likely its reads setting each row's hint
    # bits, so rewriting the pages they read).
    bulk.refresh_statistics([DataKey], summary.children)
    step("refreshed the planner's statistics")
    summary.files = [(source, path.name, counts)
                     for (source, path), counts in zip(files, per_file, strict=True)]
    return summary
