"""The loader: validated feed rows into source records, children and the blind index.

Rows are processed in batches; each batch is one transaction, so a load killed at any
point leaves whole batches only, and running it again finishes the job: rows already
stored compare equal (same `recorded_at`, same content digest) and change nothing.
Which of two versions of a record wins is decided by (recorded_at, content digest), a
total order, so the outcome does not depend on the order rows arrive in.

New children's data keys are committed to the key store before the batch that uses
them; a crash between the two leaves an unused key, never data without a key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
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
from contactpoint.feeds.pipeline import Checked, check, checked_rows
from contactpoint.feeds.reader import FEED_SUFFIXES, FeedFileError
from contactpoint.feeds.validate import Rejection, ValidRow
from contactpoint.identity import store
from contactpoint.identity.derive import SourceView
from contactpoint.identity.models import (
    BlindIndexEntry,
    Child,
    ChildStatus,
    LinkState,
    SourceRecord,
)
from contactpoint.identity.shield_holds import hold_shields
from contactpoint.matching.configuration import configured_linker
from contactpoint.matching.decisions import Placed, close_review_items, record_decisions
from contactpoint.matching.deterministic import Linker, Placement
from contactpoint.matching.models import MatchDecision

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
#: What an initial load's FeedLoads hold until it finishes (feeds.initial), with the
#: host and process running it.
INITIAL_LOAD_MARKER = {"initial_load": "started"}


@dataclass
class LoadSummary:
    read: int = 0
    created: int = 0
    linked: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    superseded: int = 0
    review: int = 0
    rejected: int = 0
    parts_rejected: int = 0

    def line(self) -> str:
        return (f"read {self.read}, created {self.created}, linked {self.linked}, "
                f"sent to review {self.review}, rejected {self.rejected}; "
                f"updated {self.updated}, deleted {self.deleted}, unchanged {self.unchanged}, "
                f"superseded {self.superseded}, parts rejected {self.parts_rejected}")

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(slots=True)
class _Stored:
    """What the loader needs to know of a stored source record."""

    pk: int
    child_id: int | None
    link_state: str
    recorded_at: datetime
    digest: bytes


@dataclass(frozen=True, slots=True)
class Prepared:
    """A row's keyed digests and what the linker prepared, made in the reading worker."""

    source_key: bytes
    digest: bytes
    linker: Any = None

    def __reduce__(self) -> tuple[type[Prepared], tuple[object, ...]]:
        # Pickled across from the reading worker for every row (see matching.profile).
        return (Prepared, (self.source_key, self.digest, self.linker))


@dataclass(slots=True)
class _Incoming:
    row: ValidRow
    source_key: bytes
    recorded_at: datetime
    digest: bytes
    existing: _Stored | None = None
    #: What the linker prepared of the row (None: it prepares it when placing).
    prepared: Any = None


@dataclass(slots=True)
class _Write:
    item: _Incoming
    pk: int | None
    child_id: int | None
    link_state: str
    #: The child the stored version belonged to (re-derived: it may lose this record).
    existing_child: int | None = None
    new_group: int | None = None
    payload: bytes | None = None


def register_source(name: str) -> tuple[SourceSystem, bool]:
    source_name_validator(name)
    return SourceSystem.objects.get_or_create(name=name)


class FeedLoader:
    """Loads rows of one source. Used by `contactpoint ingest` and the feeds API."""

    def __init__(self, source: SourceSystem, *, keystore: KeyStore | None = None,
                 linker: Linker | None = None, today: date | None = None,
                 batch_size: int = BATCH_SIZE) -> None:
        self.source = source
        self.keys = keystore or get_keystore()
        self.index = self.keys.blind_index
        #: The probabilistic matcher in its current configuration, unless one is given.
        self.linker = linker or configured_linker(self.keys)
        self.now = timezone.now()
        self.today = today or timezone.localdate()
        self.batch_size = batch_size
        self.summary = LoadSummary()
        self.deriver = store.ChildDeriver(self.keys)

    # -- rows in ---------------------------------------------------------------------------
    def load_rows(self, rows: Iterable[tuple[int, dict[str, Any] | None, str | None]],
                  on_reject: Callable[[Rejection], None],
                  progress: Callable[[int], None] | None = None) -> LoadSummary:
        """Validate and load parsed rows (line, data or None, why not) in this process."""
        return self.load_checked(
            (check(line, data, error, today=self.today, now=self.now)
             for line, data, error in rows), on_reject, progress)

    def prepare(self, row: ValidRow) -> Prepared:
        """The per-row work that needs no database: run by the reading worker (pipeline)."""
        linker_prepare = getattr(self.linker, "prepare", None)
        return Prepared(
            self.index.token("source-record", self.source.name, row.source_id),
            self.index.digest("source-content", row.content),
            linker_prepare(row.record, self.source.name)
            if linker_prepare and row.action == "upsert" else None)

    def load_checked(self, rows: Iterable[Checked], on_reject: Callable[[Rejection], None],
                     progress: Callable[[int], None] | None = None) -> LoadSummary:
        batch: list[tuple[ValidRow, Prepared | None]] = []
        for checked in rows:
            self.summary.read += 1
            for rejection in checked.rejections:
                on_reject(rejection)
            if checked.row is None:
                self.summary.rejected += 1
                continue
            self.summary.parts_rejected += len(checked.rejections)
            batch.append((checked.row, checked.prepared))
            if len(batch) >= self.batch_size:
                self._load_batch(batch)
                batch = []
                if progress:
                    progress(self.summary.read)
        if batch:
            self._load_batch(batch)
        if progress:
            progress(self.summary.read)
        return self.summary

    # -- one batch -------------------------------------------------------------------------
    def _incoming(self, batch: list[tuple[ValidRow, Prepared | None]]) -> list[_Incoming]:
        """Key, order and de-duplicate the batch: one winner per source record."""
        winners: dict[bytes, _Incoming] = {}
        for row, prepared in batch:
            ready = prepared or self.prepare(row)
            item = _Incoming(row=row, source_key=ready.source_key,
                             recorded_at=row.recorded_at or self.now, digest=ready.digest,
                             prepared=ready.linker)
            held = winners.get(item.source_key)
            if held is None or (item.recorded_at, item.digest) > (held.recorded_at, held.digest):
                if held is not None:
                    self.summary.superseded += 1
                winners[item.source_key] = item
            else:
                self.summary.superseded += 1
        return list(winners.values())

    def _load_batch(self, batch: list[tuple[ValidRow, Prepared | None]]) -> None:
        items = self._incoming(batch)
        with transaction.atomic():
            store.lock_index()  # placing reads the index, then changes it: one at a time
            self._load_items(items)

    def _load_items(self, items: list[_Incoming]) -> None:
        existing = {
            key: _Stored(pk, child_id, link_state, recorded_at, digest)
            for key, pk, child_id, link_state, recorded_at, digest in bulk.select_in(
                SourceRecord, ["source_key", "id", "child", "link_state", "recorded_at",
                               "content_digest"], "source_key", [i.source_key for i in items])
        }
        changes: list[_Incoming] = []
        for item in items:
            item.existing = existing.get(item.source_key)
            if self._stands(item):
                continue
            changes.append(item)
        if not changes:
            return
        to_place = [i for i in changes if i.row.action == "upsert"
                    and (i.existing is None or i.existing.child_id is None)]
        records = [i.row.record for i in to_place]
        if getattr(self.linker, "prepare", None) is not None:
            placements = self.linker.place(records, self.source.name,  # type: ignore[call-arg]
                                           prepared=[i.prepared for i in to_place])
        else:
            placements = self.linker.place(records, self.source.name)
        writes, new_groups = self._plan(changes, dict(zip(map(id, to_place), placements,
                                                          strict=True)))
        # The key store commits on its own connection before this transaction does.
        new_children = store.reserve_children(self.keys, len(new_groups))
        holds = self._shield_holds(placements)
        cp_ids = self._insert_new_children(writes, new_groups, new_children, holds)
        affected = {w.existing_child for w in writes if w.existing_child is not None}
        affected |= {w.child_id for w in writes
                     if w.child_id is not None and w.child_id not in cp_ids}
        payloads = store.seal_source_payloads(
            self.keys, [(w.child_id, w.item.source_key, w.item.row.payload())
                        for w in writes if w.item.row.action == "upsert"], cp_ids)
        for write, payload in zip([w for w in writes if w.item.row.action == "upsert"],
                                  payloads, strict=True):
            write.payload = payload
        self._write_source_records(writes)
        self._record_decisions(to_place, writes)
        close_review_items([w.pk for w in writes if w.item.row.action == "delete"
                            and w.pk is not None])
        self.deriver.rederive(affected, self._known_records(affected, writes))

    def _known_records(self, affected: set[int], writes: list[_Write],
                       ) -> dict[int, list[SourceView]]:
        """Affected children whose every live record is in memory: what matching unsealed
        of them this batch (inside this transaction, so current), less the records this
        batch rewrote, plus this batch's versions of those still on them."""
        store_ = getattr(self.linker, "store", None)
        unsealed = getattr(store_, "unsealed", None) or {}
        known = {}
        written = {w.pk for w in writes}
        children = affected & unsealed.keys()
        # This batch's versions by child, gathered once (not a pass over the batch for
        # each of its thousand children).
        batch_views: dict[int, list[SourceView]] = {}
        for w in writes:
            if w.payload is not None and w.child_id in children:
                batch_views.setdefault(w.child_id, []).append(SourceView(
                    self.source.name, self.source.trust_rank, w.item.row.source_id,
                    w.item.recorded_at, w.item.row.record))
        for child in children:
            views = [self.deriver.view(source_pk, recorded_at, record)
                     for pk, source_pk, recorded_at, record in unsealed[child]
                     if pk not in written]
            views += batch_views.get(child, [])
            if views:
                known[child] = views
        return known

    def _record_decisions(self, to_place: list[_Incoming], writes: list[_Write]) -> None:
        """Keep why each placed record went where it did (linkers that explain themselves)."""
        decisions = getattr(self.linker, "decisions", None)
        configuration = getattr(self.linker, "configuration", None)
        if decisions is None or configuration is None:
            return
        write_of = {id(w.item): w for w in writes}
        placed_writes = [write_of[id(item)] for item in to_place]
        group_child = {w.new_group: w.child_id for w in placed_writes
                       if w.new_group is not None}

        def child_pk(child: int) -> int:  # in-batch children are -(group + 1)
            return child if child > 0 else group_child[-child - 1]  # type: ignore[return-value]

        def record_pk(record: int) -> int:  # in-batch records are -(row + 1)
            return record if record > 0 else placed_writes[-record - 1].pk  # type: ignore[return-value]

        placed = [Placed(w.pk, w.child_id, d)  # type: ignore[arg-type]
                  for w, d in zip(placed_writes, decisions, strict=True)]
        # Only a record stored before (deleted, now back) can have an earlier decision:
        # records new to this batch need no delete, which costs a statement of a
        # thousand ids per batch.
        record_decisions(configuration.pk, placed, self.linker.thresholds,  # type: ignore[attr-defined]
                         child_pk=child_pk, record_pk=record_pk, now=self.now,
                         again=[w.pk for w in placed_writes if w.item.existing is not None])

    def _stands(self, item: _Incoming) -> bool:
        """True when the stored version stands and the incoming row changes nothing.

        The same content again is never a change, even when a row without `recorded_at`
        is stamped with a later load time; otherwise the later (recorded_at, digest) wins.
        """
        held = item.existing
        if held is None:
            return False
        held_at, held_digest = held.recorded_at, held.digest
        if held_digest == item.digest and (item.row.recorded_at is None
                                           or item.recorded_at <= held_at):
            self.summary.unchanged += 1
            return True
        if (held_at, held_digest) >= (item.recorded_at, item.digest):
            self.summary.superseded += 1
            return True
        return False

    def _plan(self, changes: list[_Incoming],
              placed: dict[int, Placement]) -> tuple[list[_Write], list[int]]:
        """Decide each change's child (existing pk, or a new group); count the outcomes."""
        writes: list[_Write] = []
        for item in changes:
            held = item.existing
            write = _Write(item, pk=held.pk if held else None,
                           child_id=held.child_id if held else None,
                           link_state=held.link_state if held else LinkState.NEW,
                           existing_child=held.child_id if held else None)
            writes.append(write)
            if item.row.action == "delete":
                write.child_id = None
                self.summary.deleted += 1
                continue
            if write.child_id is not None:
                self.summary.updated += 1
                continue
            placement = placed[id(item)]
            write.child_id, write.new_group = placement.child_id, placement.new_group
            write.link_state = placement.state
            if placement.state == LinkState.NEW:
                self.summary.created += 1
            elif placement.state == LinkState.REVIEW:
                self.summary.review += 1
            else:
                self.summary.linked += 1
        new_groups = sorted({w.new_group for w in writes
                             if w.child_id is None and w.new_group is not None})
        return writes, new_groups

    def _shield_holds(self, placements: list[Placement]) -> dict[int, int | None]:
        """The new children (by group) to hold shielded, each with its broker.

        The original paused a national feed when matching errors made unshielded copies of
        shielded children. A record that starts a child of its own (for review, or as
        new) while a shielded child scored at least the review floor for it may be that
        child: it is held shielded, brokered by the same team, until a person decides
        (matching.review lifts the hold on "not the same child").
        """
        decisions = getattr(self.linker, "decisions", None) or []
        near: dict[int, set[int]] = {}
        for placement, decision in zip(placements, decisions, strict=False):
            if placement.state != LinkState.AUTO and placement.new_group is not None:
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
            views = [SourceView(self.source.name, self.source.trust_rank, w.item.row.source_id,
                                w.item.recorded_at, w.item.row.record) for w in members[group]]
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
            return (w.item.recorded_at, w.item.digest, w.payload, w.payload is None,
                    w.child_id, w.link_state, self.now)

        creates = [w for w in writes if w.pk is None]
        updates = [w for w in writes if w.pk is not None]
        new_ids = bulk.insert_rows(
            SourceRecord, ["source", "source_key", "received_at", *columns],
            [(self.source.pk, w.item.source_key, self.now, *values(w)) for w in creates])
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
            entries = held.get(w.pk, {})  # a record new to this batch holds none
            wanted = set()
            if w.payload is not None:
                tokens = (w.item.prepared.stored if w.item.prepared is not None
                          else self.linker.tokens(w.item.row.record))
                wanted = {(token, w.child_id) for token in tokens}
            stale += [pk for entry, pk in entries.items() if entry not in wanted]
            rows += [(token, w.pk, child) for token, child in sorted(wanted - entries.keys())]
        if stale:
            BlindIndexEntry.objects.filter(pk__in=stale).delete()
        bulk.append_rows(BlindIndexEntry, ["token", "source_record", "child"], rows)


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
    """The FeedLoads of initial loads under way, or that died (feeds.initial)."""
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
    source, _ = register_source(source_name)
    load = FeedLoad.objects.create(source=source, file_name=path.name[:255])
    write, close = write_rejects(rejects_path(path))
    try:
        loader = FeedLoader(source, today=today, batch_size=batch_size, linker=linker)
        rows = checked_rows(path, today=loader.today, now=loader.now, prepare=loader.prepare)
        with checkpoint_in_background(), rare_collections():
            summary = loader.load_checked(rows, write, progress)
    finally:
        close()
    finish_load(load, summary, actor=audit.operator(by) if by is not None else None,
                via="file")
    bulk.refresh_statistics(
        [SourceRecord, BlindIndexEntry, Child, MatchDecision],
        summary.created + summary.linked + summary.review + summary.updated + summary.deleted)
    return summary


