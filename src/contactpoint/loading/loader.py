"""The loader: validated feed rows into source records, children and the blind index.

The placing itself (which version wins, what stands, the plan) is loading.placing's, the
same for every path; here is its database side. `IndexRecords` is the `RecordStore`
that keeps a plan in the index, `FeedLoader` places one source's rows into it, and
`ingest_file` and `load_and_finish` are what `contactpoint ingest` and the feeds API
(loading.upload) run.

Rows are processed in batches; each batch is one transaction, so a load killed at any
point leaves whole batches only, and running it again finishes the job: rows already
stored compare equal (same `recorded_at`, same content digest) and change nothing.

New children's data keys are committed to the key store before the batch that uses
them; a crash between the two leaves an unused key, never data without a key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from contactpoint.access.models import SourceSystem, source_name_validator
from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.db import bulk
from contactpoint.db.checkpoints import checkpoint_in_background
from contactpoint.db.gcpolicy import rare_collections
from contactpoint.feeds.models import FeedLoad
from contactpoint.feeds.pipeline import Checked, checked_rows
from contactpoint.feeds.reader import FEED_SUFFIXES, FeedFileError
from contactpoint.feeds.validate import Rejection, ValidRow
from contactpoint.identity import store
from contactpoint.identity.derive import SourceView
from contactpoint.identity.models import BlindIndexEntry, Child, ChildStatus, SourceRecord
from contactpoint.identity.shield_holds import hold_shields
from contactpoint.loading.placing.placer import Held, Incoming, Placer, Plan, Ready, Step
from contactpoint.loading.placing.rules import (
    BATCH_SIZE,
    DELETE,
    NEW,
    PLACE,
    LoadSummary,
)
from contactpoint.matching.configuration import configured_linker
from contactpoint.matching.decisions import Placed, close_review_items, record_decisions
from contactpoint.matching.linker import Linker, Unsealed
from contactpoint.matching.models import MatchDecision

__all__ = ["BATCH_SIZE", "FeedLoader", "IndexRecords", "LoadSummary", "ingest_file",
           "load_and_finish"]

log = logging.getLogger(__name__)

#: What an initial load's FeedLoads hold until it finishes (loading.initial), with the
#: host and process running it.
INITIAL_LOAD_MARKER = {"initial_load": "started"}


@dataclass(slots=True)
class _Write:
    """A step of the plan as it is written: its row's primary key and child."""

    step: Step
    pk: int | None
    child_id: int | None
    link_state: str
    #: The child the stored version belonged to (re-derived: it may lose this record).
    existing_child: int | None = None
    new_group: int | None = None
    payload: bytes | None = None

    @property
    def item(self) -> Incoming:
        return self.step.item


class IndexRecords:
    """The database's RecordStore (loading.placing.placer): one source's records in the
    index, each batch in a transaction of its own that holds the index lock."""

    def __init__(self, source: SourceSystem, keys: KeyStore, linker: Linker, *,
                 now: datetime) -> None:
        self.source, self.keys, self.linker, self.now = source, keys, linker, now
        self.deriver = store.ChildDeriver(keys)

    @contextmanager
    def batch(self) -> Iterator[None]:
        with transaction.atomic():
            store.lock_index()  # placing reads the index, then changes it: one at a time
            yield

    def version(self, item: Incoming) -> tuple[datetime, bytes]:
        return item.recorded_at, item.ready.digest

    def held(self, items: Sequence[Incoming]) -> list[Held | None]:
        stored = {
            key: Held(pk, child_id, link_state, (recorded_at, digest))
            for key, pk, child_id, link_state, recorded_at, digest in bulk.select_in(
                SourceRecord, ["source_key", "id", "child", "link_state", "recorded_at",
                               "content_digest"], "source_key",
                [i.ready.source_key for i in items])
        }
        return [stored.get(i.ready.source_key) for i in items]

    def write(self, plan: Plan) -> None:
        writes = [self._write_of(step) for step in plan.steps]
        # The key store commits on its own connection before this transaction does.
        new_children = store.reserve_children(self.keys, len(plan.new_groups))
        holds = self._shield_holds(plan)
        cp_ids = self._insert_new_children(writes, plan.new_groups, new_children, holds)
        affected = {w.existing_child for w in writes if w.existing_child is not None}
        affected |= {w.child_id for w in writes
                     if w.child_id is not None and w.child_id not in cp_ids}
        upserts = [w for w in writes if w.step.action != DELETE]
        payloads = store.seal_source_payloads(
            self.keys, [(_written(w.child_id), w.item.ready.source_key, w.item.row.payload())
                        for w in upserts], cp_ids)
        for write, payload in zip(upserts, payloads, strict=True):
            write.payload = payload
        self._write_source_records(writes)
        self._record_decisions(writes)
        close_review_items([w.pk for w in writes if w.step.action == DELETE
                            and w.pk is not None])
        self.deriver.rederive(affected, self._known_records(affected, writes, plan.unsealed))

    def _write_of(self, step: Step) -> _Write:
        """Where the step's record goes: its stored child (an update), none (a delete),
        or the linker's placement (an existing child, or a new group)."""
        held = step.item.held
        write = _Write(step, pk=held.ref if held else None,
                       child_id=held.child if held else None,
                       link_state=held.state if held else NEW,
                       existing_child=held.child if held else None)
        if step.action == DELETE:
            write.child_id = None
        elif step.action == PLACE and step.placement is not None:
            write.child_id, write.new_group = step.placement.child_id, step.placement.new_group
            write.link_state = step.placement.state
        return write

    def _view(self, write: _Write) -> SourceView:
        """This batch's version of an upserted record, as derivation reads it."""
        record = write.item.row.record
        if record is None:
            raise RuntimeError("an upserted row has no record")
        return SourceView(self.source.name, self.source.trust_rank, write.item.row.source_id,
                          write.item.recorded_at, record)

    def _known_records(self, affected: set[int], writes: list[_Write],
                       unsealed: Unsealed) -> dict[int, list[SourceView]]:
        """Affected children whose every live record is in memory: what matching unsealed
        of them this batch (inside this transaction, so current), less the records this
        batch rewrote, plus this batch's versions of those still on them."""
        known = {}
        written = {w.pk for w in writes}
        children = affected & unsealed.keys()
        # This batch's versions by child, gathered once (not a pass over the batch for
        # each of its thousand children).
        batch_views: dict[int, list[SourceView]] = {}
        for w in writes:
            if w.payload is not None and w.child_id in children:
                batch_views.setdefault(w.child_id, []).append(self._view(w))
        for child in children:
            views = [self.deriver.view(source_pk, recorded_at, record)
                     for pk, source_pk, recorded_at, record in unsealed[child]
                     if pk not in written]
            views += batch_views.get(child, [])
            if views:
                known[child] = views
        return known

    def _record_decisions(self, writes: list[_Write]) -> None:
        """Keep why each placed record went where it did, under the linker's
        configuration (a linker with none keeps nothing)."""
        configuration = self.linker.configuration_id
        placed_writes = [w for w in writes if w.step.action == PLACE]
        if configuration is None or not placed_writes:
            return
        group_child = {w.new_group: w.child_id for w in placed_writes
                       if w.new_group is not None}

        def child_pk(child: int) -> int:  # in-batch children are -(group + 1)
            return child if child > 0 else _written(group_child[-child - 1])

        def record_pk(record: int) -> int:  # in-batch records are -(row + 1)
            return record if record > 0 else _written(placed_writes[-record - 1].pk)

        placed = [Placed(_written(w.pk), _written(w.child_id), _decided(w.step))
                  for w in placed_writes]
        # Only a record stored before (deleted, now back) can have an earlier decision:
        # records new to this batch need no delete, which costs a statement of a
        # thousand ids per batch.
        record_decisions(configuration, placed, self.linker.thresholds,
                         child_pk=child_pk, record_pk=record_pk, now=self.now,
                         again=[_written(w.pk) for w in placed_writes
                                if w.item.held is not None])

    def _shield_holds(self, plan: Plan) -> dict[int, int | None]:
        """The new children (by group) to hold shielded, each with its broker.

        The original paused a national feed when matching errors made unshielded copies of
        shielded children. A record that starts a child of its own (for review, or as
        new) while a shielded child scored at least the review floor for it may be that
        child: it is held shielded, brokered by the same team, until a person decides
        (matching.review lifts the hold on "not the same child").
        """
        near: dict[int, set[int]] = {}
        for step in plan.placed:
            placement, decision = step.placement, step.decision
            if (placement is not None and decision is not None
                    and placement.state != "auto" and placement.new_group is not None):
                near[placement.new_group] = {s.child for s in decision.near if s.child > 0}
        wanted = set().union(*near.values()) if near else set()
        if not wanted:
            return {}
        shielded = dict(Child.objects.filter(pk__in=wanted, shielded=True)
                        .values_list("pk", "shield_broker"))
        return {group: shielded[min(pks & shielded.keys())]
                for group, pks in near.items() if pks & shielded.keys()}

    def _insert_new_children(self, writes: list[_Write], new_groups: list[int],
                             new_children: list[str],
                             holds: dict[int, int | None]) -> dict[int, str]:
        """Insert new children already derived from their records in this batch.

        A new child's only records are in this batch, so there is nothing to read back:
        its record is derived and sealed here and inserted whole. Those in `holds` are
        inserted shielded (`_shield_holds`).
        """
        members: dict[int, list[_Write]] = {g: [] for g in new_groups}
        for write in writes:
            if write.child_id is None and write.new_group is not None:
                members[write.new_group].append(write)
        rows = []
        for group, cp_id in zip(new_groups, new_children, strict=True):
            views = [self._view(w) for w in members[group]]
            sealed, authority = self.deriver.seal_derived(cp_id, views)
            held = group in holds
            rows.append((cp_id, ChildStatus.ACTIVE, held, holds.get(group), held, sealed,
                         authority, self.now, self.now))
        new_ids = bulk.insert_rows(
            Child, ["contactpoint_id", "status", "shielded", "shield_broker", "shield_held",
                    "record", "local_authority", "created_at", "updated_at"], rows)
        for group, pk in zip(new_groups, new_ids, strict=True):
            for write in members[group]:
                write.child_id = pk
        held_ids = {pk: cp_id for group, pk, cp_id in zip(new_groups, new_ids, new_children,
                                                           strict=True) if group in holds}
        if held_ids:
            hold_shields(self.keys, held_ids, now=self.now, source=self.source.name)
        return dict(zip(new_ids, new_children, strict=True))

    def _write_source_records(self, writes: list[_Write]) -> None:
        columns = ["recorded_at", "content_digest", "payload", "deleted", "child",
                   "link_state", "updated_at"]

        def values(w: _Write) -> tuple[Any, ...]:
            return (w.item.recorded_at, w.item.ready.digest, w.payload, w.payload is None,
                    w.child_id, w.link_state, self.now)

        creates = [w for w in writes if w.pk is None]
        updates = [w for w in writes if w.pk is not None]
        new_ids = bulk.insert_rows(
            SourceRecord, ["source", "source_key", "received_at", *columns],
            [(self.source.pk, w.item.ready.source_key, self.now, *values(w)) for w in creates])
        for write, pk in zip(creates, new_ids, strict=True):
            write.pk = pk
        bulk.update_rows(SourceRecord, columns, [(w.pk, *values(w)) for w in updates])
        self._write_index_entries(writes, updates)

    def _write_index_entries(self, writes: list[_Write], updates: list[_Write]) -> None:
        """Each written record's blind-index entries, changing only what changed.

        An update keeps its entries that still hold: a changed phone or service changes
        no token, a move only the postcode's. The index's token B-tree is the costliest
        thing a delta writes (at 1,000,000 children, most of the database's time), so
        entries are not deleted and inserted again for nothing.
        """
        held: dict[int, dict[tuple[bytes, int], int]] = {}
        for pk, record, token, child in bulk.select_in(
                BlindIndexEntry, ["id", "source_record", "token", "child"], "source_record",
                [w.pk for w in updates]):
            held.setdefault(record, {})[(bytes(token), child)] = pk
        stale: list[int] = []
        rows = []
        for w in writes:
            entries = held.get(_written(w.pk), {})  # a record new to this batch holds none
            wanted = set()
            if w.payload is not None:
                prepared = w.item.ready.linker
                if prepared is None:
                    raise RuntimeError("a row to store was not prepared")
                wanted = {(token, w.child_id) for token in prepared.stored}
            stale += [pk for entry, pk in entries.items() if entry not in wanted]
            rows += [(token, w.pk, child) for token, child in sorted(wanted - entries.keys())]
        if stale:
            BlindIndexEntry.objects.filter(pk__in=stale).delete()
        bulk.append_rows(BlindIndexEntry, ["token", "source_record", "child"], rows)


def _written(pk: int | None) -> int:
    """A primary key the batch has written by now."""
    if pk is None:
        raise RuntimeError("a placed record or child was not written")
    return pk


def _decided(step: Step) -> Any:
    if step.decision is None:
        raise RuntimeError("a placed record has no decision")
    return step.decision


class FeedLoader:
    """Places one source's rows into the index (loading.placing over IndexRecords). Used by
    `contactpoint ingest` and the feeds API."""

    def __init__(self, source: SourceSystem, *, keystore: KeyStore | None = None,
                 linker: Linker | None = None, today: date | None = None,
                 batch_size: int = BATCH_SIZE) -> None:
        self.source = source
        self.keys = keystore or get_keystore()
        self.index = self.keys.blind_index
        #: The probabilistic matcher in its current configuration, unless one is given.
        self.linker: Linker = linker or configured_linker(self.keys)
        self.now = timezone.now()
        self.today = today or timezone.localdate()
        self.records = IndexRecords(source, self.keys, self.linker, now=self.now)
        self.placer = Placer(self.linker, self.records, now=self.now, batch_size=batch_size)

    @property
    def summary(self) -> LoadSummary:
        return self.placer.summary

    def prepare(self, row: ValidRow) -> Ready:
        """The per-row work that needs no database: run by the reading worker (pipeline)."""
        record = row.record if row.action == "upsert" else None
        return Ready(
            self.index.token("source-record", self.source.name, row.source_id),
            self.index.digest("source-content", row.content),
            self.linker.prepare(record, self.source.name) if record is not None else None)

    def load_checked(self, rows: Iterable[Checked], on_reject: Callable[[Rejection], None],
                     progress: Callable[[int], None] | None = None) -> LoadSummary:
        return self.placer.load(rows, self.source.name, self.prepare, on_reject, progress)


INITIAL_LOAD_UNFINISHED = ("an initial load (`contactpoint initial-load`) has not finished: "
                           "run it again to finish it before loading other feeds")


def finish_load(load: FeedLoad, summary: LoadSummary, *, actor: Any,
                via: str) -> None:
    """Mark a load finished with its counts, and audit it: one entry per load, in the
    same transaction (`via` says how it came: "file" or "api")."""
    with transaction.atomic():
        load.finished_at = timezone.now()
        load.counts = summary.as_dict()
        load.save(update_fields=["finished_at", "counts"])
        audit.record("feeds:feed:load", actor=actor, subject=load.source.name,
                     details={"load": load.pk, "via": via, "file": load.file_name,
                              **load.counts})


def unfinished_initial_loads() -> QuerySet[FeedLoad]:
    """The FeedLoads of initial loads under way, or that died (loading.initial)."""
    return FeedLoad.objects.filter(finished_at__isnull=True,
                                   counts__initial_load=INITIAL_LOAD_MARKER["initial_load"])


def initial_load_unfinished() -> bool:
    """An initial load is under way, or died: other loads wait until it has finished
    (it may clear and rewrite the whole index)."""
    return unfinished_initial_loads().exists()


def check_feed_file(source_name: str, path: Path) -> None:
    """A valid source name and a feed file that can be read, before anything is written."""
    source_name_validator(source_name)
    if path.suffix.lower() not in FEED_SUFFIXES:
        raise FeedFileError(f"{path.name}: a feed file must be .jsonl or .csv")
    try:
        with open(path, "rb"):  # an unreadable file fails here, before anything is written
            pass
    except OSError as exc:
        raise FeedFileError(f"{path}: {exc.strerror or exc}") from None


def write_rejects(path: Path) -> tuple[Callable[[Rejection], None], Callable[[], None]]:
    """A rejection sink writing `FILE.rejects.jsonl` as it goes, and its closer."""
    fh = open(path, "wb")  # noqa: SIM115  (closed by the returned closer)

    def write(rejection: Rejection) -> None:
        fh.write(orjson.dumps(rejection.as_dict()) + b"\n")

    return write, fh.close


def rejects_path(feed: Path) -> Path:
    return Path(f"{feed}.rejects.jsonl")


def load_and_finish(loader: FeedLoader, rows: Iterable[Checked],
                    on_reject: Callable[[Rejection], None], load: FeedLoad, *, actor: Any,
                    via: str, progress: Callable[[int], None] | None = None) -> LoadSummary:
    """Place the rows, finish and audit the load, then refresh the planner's statistics:
    what `contactpoint ingest` and the feeds API both run.

    While it places, SQLite's log is checkpointed on a thread of its own (checkpoints)
    and garbage is collected rarely (gcpolicy).
    """
    with checkpoint_in_background(), rare_collections():
        summary = loader.load_checked(rows, on_reject, progress)
    finish_load(load, summary, actor=actor, via=via)
    bulk.refresh_statistics([SourceRecord, BlindIndexEntry, Child, MatchDecision],
                            summary.written)
    return summary


def ingest_file(source_name: str, path: Path, *, today: date | None = None,
                progress: Callable[[int], None] | None = None,
                batch_size: int = BATCH_SIZE, linker: Linker | None = None,
                by: str | None = None) -> LoadSummary:
    """Load one feed file; rejected rows and parts go to FILE.rejects.jsonl.

    Batch by batch, each its own transaction (a file may hold millions of rows); the load
    is audited once, with its counts, when it finishes (`by`: the operator). A load that
    dies part-way leaves its FeedLoad unfinished and no entry; loading the file again
    finishes the job, and is audited then.
    """
    check_feed_file(source_name, path)
    if initial_load_unfinished():
        raise FeedFileError(INITIAL_LOAD_UNFINISHED)
    source, _ = SourceSystem.register(source_name)
    load = FeedLoad.objects.create(source=source, file_name=path.name[:255])
    write, close = write_rejects(rejects_path(path))
    try:
        loader = FeedLoader(source, today=today, batch_size=batch_size, linker=linker)
        rows = checked_rows(path, today=loader.today, now=loader.now, prepare=loader.prepare)
        return load_and_finish(loader, rows, write, load, via="file", progress=progress,
                               actor=audit.operator(by) if by is not None else None)
    finally:
        close()
