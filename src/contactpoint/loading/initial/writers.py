"""The initial load's writing: each bucket of the spool's children derived, sealed and
written, numbered in the order they are written; then the decisions and review items.

A bucket holds every record of its children, so each child is derived once from all
its records, and its data key is made, committed to the key store, then its rows
written (children, sealed source records, blind-index entries) in one transaction per
CHILDREN_PER_COMMIT children. A `Writer` runs in a forked process (`processes`) or in
the load's own.
"""

from __future__ import annotations

import marshal
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, transaction

from contactpoint.access.models import SourceSystem
from contactpoint.crypto.blind import TOKEN_BYTES
from contactpoint.crypto.keystore import KeyStore
from contactpoint.db import bulk
from contactpoint.db.dialect import dialect_for
from contactpoint.identity import sealing, store
from contactpoint.identity.derive import SourceView
from contactpoint.identity.models import BlindIndexEntry, Child, ChildStatus, SourceRecord
from contactpoint.loading.initial.spool import Spool
from contactpoint.loading.placing.memory import MemoryPlacer
from contactpoint.matching.decisions import DECISION_COLUMNS, REVIEW_COLUMNS
from contactpoint.matching.models import MatchDecision, ReviewItem, ReviewStatus

#: Children written per transaction (and per key-store commit).
CHILDREN_PER_COMMIT = 2000
#: SQLite page cache of each writer (KiB).
WRITER_CACHE_KIB = 64 * 1024
#: How long a writer waits for SQLite's write lock (seconds).
WRITER_BUSY_SECONDS = 600


@dataclass
class _Entry:
    """A record as the spool holds it, at the version placing left it."""

    record: int
    slot: int
    child: int
    state: str
    source: str
    source_key: bytes
    recorded_at: datetime
    digest: bytes
    payload: bytes | None  # None for a record deleted (child 0)
    tokens: bytes

    def live_payload(self) -> bytes:
        """The payload of a record placed with a child: only a deleted one has none."""
        if self.payload is None:
            raise ValueError(f"record {self.record} was deleted: it has no payload")
        return self.payload


def numbers_in_write_order(child_of: array, children: int,
                           buckets: int) -> tuple[array, array]:
    """The primary keys children and records are written under: `child_id[c]` of placed
    child `c` (1 to `children`), `record_id[r]` of record `r` (`child_of[r]` its child, 0
    once deleted; index 0 unused).

    The writers take the buckets in turn; a bucket writes its deleted records, then its
    children in order (bucket `c % buckets`), each with its records in order. Numbered
    in that order, each bucket's rows take one run of keys, written from its start to
    its end. Under placing's numbers they landed all over each table: a record's number
    says when its file was read, a child's which bucket it is in. SQLite keeps a table
    in key order, so each row was written into a page of its own at random, and each
    commit wrote thousands of pages of 4 KB for rows a fifth of that (most of SQLite's
    writing time at 1,000,000 children); PostgreSQL's primary-key indexes likewise.
    """
    number = np.arange(children + 1, dtype=np.int64)
    child_id = np.zeros(children + 1, dtype=np.int64)
    child_id[np.lexsort((number[1:], number[1:] % buckets)) + 1] = number[1:]
    owner = child_id[np.frombuffer(child_of, dtype=child_of.typecode)]  # 0: deleted
    records = np.arange(len(owner), dtype=np.int64)
    record_id = np.zeros(len(owner), dtype=np.int64)
    record_id[np.lexsort((records[1:], owner[1:])) + 1] = records[1:]
    return array("q", child_id.tobytes()), array("q", record_id.tobytes())


class Writer:
    """Writes buckets of the spool, in a forked process (or this one)."""

    def __init__(self, spool: Spool, decisions: Spool, placer: MemoryPlacer, keys: KeyStore,
                 *, sources: dict[str, SourceSystem], configuration: int,
                 now: datetime) -> None:
        self.spool, self.decisions, self.placer, self.keys = spool, decisions, placer, keys
        self.sources, self.configuration, self.now = sources, configuration, now
        self.child_id, self.record_id = numbers_in_write_order(
            placer.child, placer.children, spool.buckets)
        self.deriver = store.ChildDeriver(keys)

    def current(self, bucket: int) -> dict[int, list[_Entry]]:
        """The bucket's live versions by child; deleted records under child 0."""
        latest: dict[int, _Entry] = {}
        for raw in self.spool.read(bucket):
            (record, slot, child, state, source, source_key, at, digest, payload,
             tokens) = marshal.loads(raw)  # noqa: S302  (this load's own spool)
            if slot != self.placer.slot[record]:
                continue  # a version replaced later (or a record deleted later)
            latest[record] = _Entry(record, slot, child, state, source, source_key,
                                    datetime.fromisoformat(at), digest, payload, tokens)
        by_child: dict[int, list[_Entry]] = {}
        for entry in latest.values():
            by_child.setdefault(entry.child, []).append(entry)
        return by_child

    def write_bucket(self, bucket: int) -> tuple[int, int]:
        """Children and records of one bucket of the records spool: (children, records)."""
        _writer_connection()
        by_child = self.current(bucket)
        deleted = by_child.pop(0, [])
        records = 0
        if deleted:
            with transaction.atomic():
                self._write_records([(None, e, None) for e in sorted(
                    deleted, key=lambda e: e.record)])
            records += len(deleted)
        # Every child of the bucket, those left without records too (their only records
        # deleted later in the load): the loader keeps such a child, empty.
        buckets = self.spool.buckets
        children = sorted(by_child.keys() | set(range(bucket or buckets,
                                                      self.placer.children + 1, buckets)))
        for start in range(0, len(children), CHILDREN_PER_COMMIT):
            chunk = children[start:start + CHILDREN_PER_COMMIT]
            # Keys first, in the key store's own transaction (loading.loader's rule).
            cp_ids = store.reserve_children(self.keys, len(chunk))
            ciphers = self.keys.child_keys(cp_ids)
            # Derived and sealed before the transaction: on SQLite a transaction holds
            # the database's one write lock, which the other writer waits for.
            rows = self._children_rows(
                [(child, cp_id, by_child.get(child, [])) for child, cp_id in zip(
                    chunk, cp_ids, strict=True)], ciphers)
            with transaction.atomic():
                self._insert_children(*rows)
            records += sum(len(by_child.get(c, ())) for c in chunk)
        return len(children), records

    def write_decisions(self, bucket: int) -> tuple[int, int]:
        """Decisions and review items of one bucket of the decisions spool, once every
        record and child is written: (decisions, review items). A record placed twice
        (deleted, then back) keeps its latest; a deleted record's review items are
        closed, as loading.loader closes them."""
        _writer_connection()
        latest: dict[int, list[Any]] = {}
        for raw in self.decisions.read(bucket):
            entry = orjson.loads(raw)
            latest[entry[0]] = entry
        decisions, items = [], []
        child_id, record_id = self.child_id, self.record_id
        for record, state, score, kept, reviews in latest.values():
            for candidate in kept:  # placing's numbers, as everywhere in the spool
                candidate["child"] = child_id[candidate["child"]]
                if candidate["record"] is not None:
                    candidate["record"] = record_id[candidate["record"]]
            decisions.append((record_id[record], self.configuration, state, score, kept,
                              self.now))
            status = ReviewStatus.OPEN if self.placer.child[record] else ReviewStatus.CLOSED
            items += [(record_id[record], child_id[candidate], review_score, reason,
                       explanation, status, self.now)
                      for candidate, review_score, reason, explanation in reviews]
        with transaction.atomic():
            bulk.append_rows(MatchDecision, DECISION_COLUMNS, decisions)
            bulk.append_rows(ReviewItem, REVIEW_COLUMNS, items)
        return len(decisions), len(items)

    def _children_rows(self, chunk: list[tuple[int, str, list[_Entry]]],
                       ciphers: dict[str, AESGCM],
                       ) -> tuple[list[tuple[Any, ...]], list[tuple[int, _Entry, bytes]]]:
        """Each child's row, derived and sealed, and its records sealed under its key."""
        child_rows, record_items = [], []
        for child, cp_id, entries in chunk:
            entries.sort(key=lambda e: e.record)
            cipher = ciphers[cp_id]
            views = []
            for entry in entries:
                source = self.sources[entry.source]
                payload = entry.live_payload()
                record = orjson.loads(payload)["record"]
                views.append(SourceView(source.name, source.trust_rank, record["source_id"],
                                        entry.recorded_at, record))
                record_items.append((child, entry, sealing.seal_source(
                    cipher, cp_id, entry.source_key, payload)))
            sealed, authority = self.deriver.seal_derived(cp_id, views, cipher)
            child_rows.append((self.child_id[child], cp_id, ChildStatus.ACTIVE, False,
                               sealed, authority, self.now, self.now))
        return child_rows, record_items

    def _insert_children(self, child_rows: list[tuple[Any, ...]],
                         record_items: list[tuple[int, _Entry, bytes]]) -> None:
        bulk.insert_rows(Child, ["id", "contactpoint_id", "status", "shielded", "record",
                                 "local_authority", "created_at", "updated_at"], child_rows)
        self._write_records(record_items)

    def _write_records(self, items: Sequence[tuple[int | None, _Entry, bytes | None]],
                       ) -> None:
        """Records given as (child, entry, sealed payload) under placing's numbers, and
        their blind-index entries, under the numbers they are written under."""
        now, child_id, record_id = self.now, self.child_id, self.record_id
        bulk.insert_rows(SourceRecord, [
            "id", "source", "source_key", "received_at", "recorded_at", "content_digest",
            "payload", "deleted", "child", "link_state", "updated_at"], [
            (record_id[e.record], self.sources[e.source].pk, e.source_key, now,
             e.recorded_at, e.digest, sealed, sealed is None,
             None if child is None else child_id[child], e.state, now)
            for child, e, sealed in items])
        entries = []
        for child, e, _sealed in items:
            if child is not None:
                tokens, record, owner = e.tokens, record_id[e.record], child_id[child]
                entries += [(tokens[i:i + TOKEN_BYTES], record, owner)
                            for i in range(0, len(tokens), TOKEN_BYTES)]
        bulk.append_rows(BlindIndexEntry, ["token", "source_record", "child"], entries)


def _writer_connection() -> None:
    """Where the engine wants it (SQLite), this connection's commits leave the log to
    the load's checkpointing thread (contactpoint.db.checkpoints): otherwise every
    writer's commit copies the log into the database and waits on the disk (a third of
    the writing time at 20,000). That thread empties a log grown past its limit while
    the writers wait, for as long as copying it takes: longer than the usual 30 s of a
    busy disk, on which the load failed with "database is locked" at 1,000,000
    children; a writer waits up to WRITER_BUSY_SECONDS. And a larger page cache than
    SQLite's 2 MB."""
    dialect_for(connection).prepare_bulk_writer(connection, cache_kib=WRITER_CACHE_KIB,
                                                busy_seconds=WRITER_BUSY_SECONDS)
