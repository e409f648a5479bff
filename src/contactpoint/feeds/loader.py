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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from django.db import transaction
from django.utils import timezone

from contactpoint import bulk
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.feeds.models import FeedLoad, SourceSystem, source_name_validator
from contactpoint.feeds.reader import read_feed
from contactpoint.feeds.validate import Rejection, RowRejected, ValidRow, validate_row
from contactpoint.identity import store
from contactpoint.identity.models import (
    BlindIndexEntry,
    Child,
    ChildStatus,
    LinkState,
    SourceRecord,
)
from contactpoint.matching.deterministic import DeterministicLinker, Linker, Placement
from contactpoint.matching.tokens import record_tokens

log = logging.getLogger(__name__)

BATCH_SIZE = 1000


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


@dataclass(slots=True)
class _Incoming:
    row: ValidRow
    source_key: bytes
    recorded_at: datetime
    digest: bytes
    existing: _Stored | None = None


@dataclass(slots=True)
class _Write:
    item: _Incoming
    pk: int | None
    child_id: int | None
    link_state: str
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
        self.linker = linker or DeterministicLinker(self.index)
        self.now = timezone.now()
        self.today = today or timezone.localdate()
        self.batch_size = batch_size
        self.summary = LoadSummary()
        self.deriver = store.ChildDeriver(self.keys)

    # -- rows in ---------------------------------------------------------------------------
    def load_rows(self, rows: Iterable[tuple[int, dict[str, Any] | None, str | None]],
                  on_reject: Callable[[Rejection], None],
                  progress: Callable[[int], None] | None = None) -> LoadSummary:
        batch: list[ValidRow] = []
        for line, data, error in rows:
            self.summary.read += 1
            if data is None:
                self.summary.rejected += 1
                on_reject(Rejection(line, None, None, error or "row cannot be read"))
                continue
            try:
                valid = validate_row(line, data, today=self.today, now=self.now)
            except RowRejected as exc:
                self.summary.rejected += 1
                sid = data.get("source_id")
                on_reject(Rejection(line, sid if isinstance(sid, str) else None, exc.field,
                                    exc.reason))
                continue
            for part in valid.rejections:
                self.summary.parts_rejected += 1
                on_reject(part)
            batch.append(valid)
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
    def _incoming(self, batch: list[ValidRow]) -> list[_Incoming]:
        """Key, order and de-duplicate the batch: one winner per source record."""
        winners: dict[bytes, _Incoming] = {}
        for row in batch:
            content = orjson.dumps(row.received, option=orjson.OPT_SORT_KEYS)
            item = _Incoming(
                row=row,
                source_key=self.index.token("source-record", self.source.name, row.source_id),
                recorded_at=row.recorded_at or self.now,
                digest=self.index.digest("source-content", content),
            )
            held = winners.get(item.source_key)
            if held is None or (item.recorded_at, item.digest) > (held.recorded_at, held.digest):
                if held is not None:
                    self.summary.superseded += 1
                winners[item.source_key] = item
            else:
                self.summary.superseded += 1
        return list(winners.values())

    def _load_batch(self, batch: list[ValidRow]) -> None:
        items = self._incoming(batch)
        existing = {
            bytes(key): _Stored(pk, child_id, link_state, recorded_at, bytes(digest))
            for key, pk, child_id, link_state, recorded_at, digest in
            SourceRecord.objects.filter(source_key__in=[i.source_key for i in items])
            .values_list("source_key", "pk", "child_id", "link_state", "recorded_at",
                         "content_digest")
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
        placements = self.linker.place([i.row.record for i in to_place], self._lookup)
        new_groups = sorted({p.new_group for p in placements if p.child_id is None})
        new_children = store.reserve_children(self.keys, len(new_groups))
        with transaction.atomic():
            new_ids = bulk.insert_rows(
                Child, ["contactpoint_id", "status", "shielded", "created_at", "updated_at"],
                [(cp_id, ChildStatus.ACTIVE, False, self.now, self.now)
                 for cp_id in new_children])
            group_child = dict(zip(new_groups, new_ids, strict=True))
            cp_ids = dict(zip(new_ids, new_children, strict=True))
            placed = dict(zip(map(id, to_place), placements, strict=True))
            affected = self._apply(changes, placed, group_child, cp_ids)
            self.deriver.rederive(affected)

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

    def _lookup(self, tokens: Iterable[bytes]) -> dict[bytes, set[int]]:
        found: dict[bytes, set[int]] = {}
        tokens = list(tokens)
        for start in range(0, len(tokens), 900):
            for token, child_id in BlindIndexEntry.objects.filter(
                    token__in=tokens[start:start + 900]).values_list("token", "child_id"):
                found.setdefault(bytes(token), set()).add(child_id)
        return found

    def _apply(self, changes: list[_Incoming], placed: dict[int, Placement],
               group_child: dict[int, int], cp_ids: dict[int, str]) -> set[int]:
        """Write source records and their tokens; return the ids of children to re-derive."""
        affected: set[int] = set()
        writes: list[_Write] = []
        for item in changes:
            held = item.existing
            write = _Write(item, pk=held.pk if held else None,
                           child_id=held.child_id if held else None,
                           link_state=held.link_state if held else LinkState.NEW)
            writes.append(write)
            if write.child_id is not None:
                affected.add(write.child_id)
            if item.row.action == "delete":
                write.child_id = None
                self.summary.deleted += 1
                continue
            if write.child_id is None:
                placement = placed[id(item)]
                if placement.child_id is None:
                    write.child_id = group_child[placement.new_group]  # type: ignore[index]
                else:
                    write.child_id = placement.child_id
                write.link_state = placement.state
                if placement.state == LinkState.NEW:
                    self.summary.created += 1
                elif placement.state == LinkState.REVIEW:
                    self.summary.review += 1
                else:
                    self.summary.linked += 1
            else:
                self.summary.updated += 1
            affected.add(write.child_id)
        live = [w for w in writes if w.item.row.action == "upsert"]
        payloads = store.seal_source_payloads(
            self.keys, [(w.child_id, w.item.source_key,
                         {"received": w.item.row.received, "record": w.item.row.record})
                        for w in live], cp_ids)
        for write, payload in zip(live, payloads, strict=True):
            write.payload = payload
        self._write_source_records(writes)
        return affected

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
        if updates:
            BlindIndexEntry.objects.filter(source_record_id__in=[w.pk for w in updates]).delete()
        bulk.insert_rows(BlindIndexEntry, ["token", "source_record", "child"], [
            (token, w.pk, w.child_id) for w in writes if w.payload is not None
            for token in sorted(record_tokens(w.item.row.record, self.index))])


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
                batch_size: int = BATCH_SIZE) -> LoadSummary:
    """Load one feed file; rejected rows and parts go to FILE.rejects.jsonl."""
    source_name_validator(source_name)
    rows: Iterator[tuple[int, dict[str, Any] | None, str | None]] = (
        (r.line, r.data, r.error) for r in read_feed(path))
    first = next(rows, None)  # opens the file now, so an unreadable file fails before work
    source, _ = register_source(source_name)
    load = FeedLoad.objects.create(source=source, file_name=path.name[:255])
    write, close = write_rejects(rejects_path(path))
    try:
        loader = FeedLoader(source, today=today, batch_size=batch_size)

        def all_rows() -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
            if first is not None:
                yield first
            yield from rows

        summary = loader.load_rows(all_rows(), write, progress)
    finally:
        close()
    load.finished_at = timezone.now()
    load.counts = summary.as_dict()
    load.save(update_fields=["finished_at", "counts"])
    return summary


