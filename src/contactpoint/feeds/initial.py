"""The initial load: a whole population's first feeds into an empty index, in bulk.

`contactpoint ingest` places each batch against the index in the database and writes it
in one transaction: right for a day's changes, but a national first load through it
ran at under 1,000 records a second, spending its time on round trips to a growing
index and on unsealing candidates (docs/benchmarks.md). Here, in two phases:

1. **Place.** feeds.placing.memory.MemoryPlacer reads the files in the order given, through
   reading workers on every core, and places every record exactly as `ingest` would
   place those files in that order, against an index held in memory. Each placed
   record goes to a spool on disk, in buckets by child, sealed under a key that exists
   only in this process's memory: a copy of the spool, or a crash that leaves it
   behind, reveals nothing.
2. **Write.** Forked writers take the buckets in turn. A bucket holds every record of
   its children, so each child is derived once from all its records, and its data key
   is made, committed to the key store, then its rows written (children, sealed source
   records, blind-index entries) in one transaction per few thousand children,
   numbered in the order they are written. Decisions and review items, which name
   children and records of other buckets, are written last.

It needs an empty index (no children, no source records). A marker (a FeedLoad per file,
not finished) is committed before anything else; if the load dies, running it again
finds the marker, clears what the dead run wrote and starts again, so it ends as one
clean run would. Keys made for children the dead run wrote are left unused in the key
store, as a crashed `ingest` leaves them.
"""

from __future__ import annotations

import gc
import getpass
import marshal
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import tempfile
import threading
import time
import traceback
from array import array
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import orjson
import psutil
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, connections, transaction
from django.utils import timezone

from contactpoint import bulk
from contactpoint.audit import hooks as audit
from contactpoint.checkpoints import checkpoint_in_background
from contactpoint.crypto import envelope
from contactpoint.crypto.blind import TOKEN_BYTES
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.crypto.models import DataKey
from contactpoint.feeds.loader import (
    BATCH_SIZE,
    INITIAL_LOAD_MARKER,
    check_feed_file,
    register_source,
    rejects_path,
    unfinished_initial_loads,
    write_rejects,
)
from contactpoint.feeds.models import FeedLoad, SourceSystem
from contactpoint.feeds.pipeline import _end_with
from contactpoint.feeds.placing.memory import Change, MemoryPlacer
from contactpoint.feeds.placing.rules import LoadSummary
from contactpoint.gcpolicy import rare_collections
from contactpoint.identity import store
from contactpoint.identity.derive import SourceView
from contactpoint.identity.models import BlindIndexEntry, Child, ChildStatus, SourceRecord
from contactpoint.matching.configuration import configured_linker
from contactpoint.matching.decisions import (
    DECISION_COLUMNS,
    REVIEW_COLUMNS,
    Placed,
    decision_rows,
)
from contactpoint.matching.memory import CompactStore
from contactpoint.matching.models import MatchDecision, ReviewItem, ReviewStatus
from contactpoint.matching.probabilistic import ProbabilisticLinker

#: Children's records are spooled in this many buckets; a writer holds one at a time.
BUCKETS = 64
#: Children written per transaction (and per key-store commit).
CHILDREN_PER_COMMIT = 2000
#: SQLite page cache of each writer (KiB).
WRITER_CACHE_KIB = 64 * 1024
#: How long a writer waits for SQLite's write lock (seconds).
WRITER_BUSY_SECONDS = 600
#: What the marker FeedLoads hold until the load finishes (and the host and process).
MARKER = INITIAL_LOAD_MARKER
#: The spool's folder, in the temporary directory: this, the load's process id, a dash.
SPOOL_PREFIX = "contactpoint-initial-"


#: The memory placing takes beyond what the load's process holds as it starts (about
#: 80 MiB): for each record (235 bytes in its structures, 270 with their spare room),
#: and the rest of the process and its two reading workers. Fitted to the loads of
#: docs/benchmarks.md (session 13): 965 MiB, summed, at the end of placing 2,680,541
#: records; and a script placing 536,102 (no Django, no workers) at 252 MiB.
PLACING_BYTES_PER_RECORD = 270
PLACING_BASE_BYTES = 200 * 2**20
#: Lines read from the start of each feed to estimate its records from its size.
SAMPLED_LINES = 2000


class InitialLoadError(RuntimeError):
    """The initial load cannot start or did not finish; the message says why."""


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
        out = [f"{source} ({name}): " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                                 for k, v in counts.items())
               for source, name, counts in self.files]
        out.append(f"{self.records} source records, {self.children} children, "
                   f"{self.decisions} decisions, {self.review_items} review items; placed in "
                   f"{self.place_seconds:.1f} s, written in {self.write_seconds:.1f} s")
        return out


# -- the spool -------------------------------------------------------------------------------

class Spool:
    """Length-prefixed entries in bucket files, each sealed with AES-GCM under a key
    held only in memory. The folder is private to this user and removed afterwards."""

    def __init__(self, buckets: int, parent: Path | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-",
                                            dir=parent))
        self.buckets = buckets
        self._cipher = AESGCM(AESGCM.generate_key(bit_length=256))
        self._prefix = secrets.token_bytes(4)
        self._counter = 0
        self._files: list[BinaryIO] | None = [
            open(self._path(b), "wb", buffering=1 << 16)  # noqa: SIM115  (closed in close())
            for b in range(buckets)]

    def _path(self, bucket: int) -> Path:
        return self.folder / f"{bucket}.spool"

    def put(self, bucket: int, entry: bytes) -> None:
        self.put_many(bucket, [entry])

    def put_many(self, bucket: int, entries: list[bytes]) -> None:
        """The entries, sealed together (one seal a batch's entries for a bucket, rather
        than one an entry, cost the placing process less)."""
        if self._files is None:
            raise RuntimeError("the spool is closed for writing")
        self._counter += 1
        nonce = self._prefix + self._counter.to_bytes(8, "big")
        block = b"".join(len(e).to_bytes(4, "big") + e for e in entries)
        # Bound to its bucket: a block moved to another bucket's file does not open.
        sealed = self._cipher.encrypt(nonce, block, bucket.to_bytes(4, "big"))
        self._files[bucket].write(len(sealed).to_bytes(4, "big") + nonce + sealed)

    def close(self) -> None:
        if self._files is not None:
            for fh in self._files:
                fh.close()
            self._files = None

    def read(self, bucket: int) -> Iterator[bytes]:
        with open(self._path(bucket), "rb", buffering=1 << 20) as fh:
            while head := fh.read(4):
                size = int.from_bytes(head, "big")
                nonce = fh.read(12)
                block = self._cipher.decrypt(nonce, fh.read(size), bucket.to_bytes(4, "big"))
                at = 0
                while at < len(block):
                    size = int.from_bytes(block[at:at + 4], "big")
                    yield block[at + 4:at + 4 + size]
                    at += 4 + size

    def remove(self) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# -- phase 1: placing ------------------------------------------------------------------------

class _Spooler:
    """MemoryPlacer's change hook: each record's version to the records spool (bucket by
    child), and each placing decision to the decisions spool (bucket by record)."""

    def __init__(self, records: Spool, decisions: Spool, configuration: int,
                 linker: ProbabilisticLinker, now: datetime) -> None:
        self.records, self.decisions = records, decisions
        self.configuration, self.linker, self.now = configuration, linker, now

    def __call__(self, changes: list[Change]) -> None:
        records: dict[int, list[bytes]] = {}
        decisions: dict[int, list[bytes]] = {}
        for change in changes:
            if change.decision is not None:
                placed = Placed(change.record, change.child, change.decision)
                row, items = decision_rows(
                    self.configuration, placed, self.linker.thresholds,
                    child_pk=change.child_number,  # type: ignore[arg-type]
                    record_pk=change.record_number,  # type: ignore[arg-type]
                    now=self.now)
                decisions.setdefault(change.record % self.decisions.buckets, []).append(
                    orjson.dumps([change.record, row[2], row[3], row[4],
                                  [i[1:5] for i in items]]))
            prepared = change.ready.linker
            tokens = prepared.packed_stored if prepared is not None else b""
            entry = marshal.dumps((
                change.record, change.slot, change.child, change.state, change.source,
                change.ready.source_key, change.recorded_at.isoformat(), change.ready.digest,
                change.ready.payload, tokens))
            records.setdefault(change.child % self.records.buckets, []).append(entry)
        for bucket, entries in records.items():
            self.records.put_many(bucket, entries)
        for bucket, entries in decisions.items():
            self.decisions.put_many(bucket, entries)


def _check_files(files: Sequence[tuple[str, Path]]) -> None:
    if not files:
        raise InitialLoadError("no feed files given")
    seen = set()
    for source, path in files:
        check_feed_file(source, path)
        if path.resolve() in seen:
            raise InitialLoadError(f"{path} is given twice")
        seen.add(path.resolve())


# -- memory --------------------------------------------------------------------------------

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
    limit_left = _cgroup_memory_left()
    return available if limit_left is None else min(available, limit_left)


def _cgroup_memory_left(cgroup: Path = Path("/proc/self/cgroup"),
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


def _check_memory(files: Sequence[tuple[str, Path]],
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


# -- the marker and clearing a dead run ------------------------------------------------------

def _running_here() -> dict[str, Any]:
    return {**MARKER, "host": socket.gethostname(), "pid": os.getpid()}


def _alive(marker: dict[str, Any], dead_hosts: Collection[str] = ()) -> bool:
    """Whether the load that wrote this marker may still be running. On this host, a
    load whose process is gone (or whose number now belongs to some other program) is
    dead; one of another host cannot be told apart from a live one: taken for alive,
    unless the operator has said that host is gone (`dead_hosts`)."""
    if "pid" not in marker:
        return False
    if marker.get("host") != socket.gethostname():
        return marker.get("host") not in dead_hosts
    pid = int(marker["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc to ask: the process exists
    # Empty for a moment while a process starts: it cannot be told apart yet.
    return not command or b"initial-load" in command


def _operator(by: str | None) -> str:
    """Who runs the load, as the trail names them (the machine's user if not said)."""
    return audit.operator(by if by is not None else getpass.getuser())


def _start(files: Sequence[tuple[str, Path]], dead_hosts: Collection[str] = (),
           by: str | None = None) -> tuple[list[FeedLoad], bool]:
    """Check the index is empty (clearing a dead initial load), and mark this one."""
    cleared = False
    shred: list[str] = []
    with transaction.atomic():
        store.lock_index()
        dead = list(unfinished_initial_loads())
        running = [d.counts for d in dead if _alive(d.counts, dead_hosts)]
        if running:
            where = running[0]
            raise InitialLoadError(
                f"an initial load is already running (process {where.get('pid')} on "
                f"{where.get('host')}); if it is not, run this again on that host, or, if "
                f"that host is gone for good, with --dead-host {where.get('host')}")
        if dead:
            _remove_spools([d.counts for d in dead])
            shred = _clear()
            # On the emptied tables, at no cost: dropped again below.
            for d in dead:
                _restore_indexes(d.counts.get(INDEXES, []))
                _restore_constraints(d.counts.get(CONSTRAINTS, []))
            # Deleting a whole index's children and shredding their keys is audited.
            audit.record("feeds:initial-load:clear", actor=_operator(by),
                         details={"children": len(shred),
                                  "dead_loads": [d.counts.get("pid") for d in dead],
                                  "hosts": sorted({str(d.counts.get("host")) for d in dead}),
                                  "hosts_said_dead": sorted(dead_hosts)})
            FeedLoad.objects.filter(pk__in=[d.pk for d in dead]).delete()
            cleared = True
        children = Child.objects.count()
        records = SourceRecord.objects.count()
        if children or records:
            raise InitialLoadError(
                f"the index already holds {children} children and {records} source records: "
                "an initial load is only for an empty index; load further feeds with "
                "`contactpoint ingest`")
        # Dropped in the marker's transaction and named in it: a run that dies before
        # putting them back leaves them to the next, which clears and restores.
        marker = {**_running_here(), CONSTRAINTS: _drop_constraints(),
                  INDEXES: _drop_indexes()}
        loads = [FeedLoad.objects.create(source=register_source(source)[0],
                                         file_name=path.name[:255], counts=marker)
                 for source, path in files]
    # The cleared children's keys, once their data is gone for good: a backup taken
    # while the dead run was writing can no longer be read either.
    keys = get_keystore()
    for start in range(0, len(shred), 10_000):
        keys.destroy_child_keys(shred[start:start + 10_000])
    return loads, cleared


def _remove_spools(markers: list[dict[str, Any]]) -> None:
    """The spools dead loads of this host left behind (unreadable: their key died with
    them, but not small)."""
    for marker in markers:
        if marker.get("host") == socket.gethostname() and "pid" in marker:
            for folder in Path(tempfile.gettempdir()).glob(
                    f"{SPOOL_PREFIX}{int(marker['pid'])}-*"):
                shutil.rmtree(folder, ignore_errors=True)


def _clear() -> list[str]:
    """Everything a dead initial load wrote (it began on an empty index); the ContactPoint
    IDs of the children it made. Plain DELETEs, children last: the ORM's delete reads
    every row first. Anything else that came to point at one of those children (it
    should not: feeds and people wait for the load) fails the clearing, and so the load."""
    owners = list(Child.objects.values_list("contactpoint_id", flat=True))
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in (ReviewItem, MatchDecision, BlindIndexEntry, SourceRecord, Child):
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")  # noqa: S608  (a model's table)
    return owners


# -- constraints and indexes, put back at the end ------------------------------------------

#: The marker's list of the constraints this load dropped: [table, name, definition].
#: (Its name is older than the unique constraints in it.)
CONSTRAINTS = "foreign_keys"
#: The marker's list of the indexes this load dropped: [table, name, definition].
INDEXES = "indexes"
#: The tables the load fills.
_FILLED = (Child, SourceRecord, BlindIndexEntry, MatchDecision, ReviewItem)


def _tables() -> list[str]:
    return [model._meta.db_table for model in _FILLED]


def _drop_constraints() -> list[list[str]]:
    """On PostgreSQL, drop the foreign keys and unique constraints of the tables the load
    fills (PostgreSQL's advice for a bulk load); [table, name, definition] of each, to
    add back.

    The foreign keys are DEFERRABLE INITIALLY DEFERRED: each row's check is queued and
    run, one by one, at commit (for the blind index's ten entries a record, the larger
    part of the writing time); added back, they are checked in one join each. A unique
    constraint's index takes random keys (source keys, ContactPoint IDs), a page visited
    at random per row; added back, it is built once, sorted, and a duplicate fails the
    load there. SQLite cannot drop either from a table: it keeps them.
    """
    if connection.vendor != "postgresql":
        return []
    dropped = []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        # PostgreSQL alters no table with checks pending in this transaction (a dead
        # run's rows were just deleted): make them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT cl.relname, co.conname, pg_get_constraintdef(co.oid) "
            "FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid "
            "WHERE co.contype IN ('f', 'u') AND cl.relname = ANY(%s) "
            "AND cl.relnamespace = to_regnamespace(current_schema())::oid "
            "ORDER BY co.contype, cl.relname, co.conname",
            [_tables()])
        for table, name, definition in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
            dropped.append([table, name, definition])
    return dropped


def _restore_constraints(dropped: list[list[str]]) -> None:
    """Add back the constraints a load dropped (those not there already), each checked
    against every row at once: a row pointing nowhere, or a second row with one source
    key, fails the load here."""
    if not dropped or connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, name, definition in dropped:
            cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s "
                           "AND conrelid = to_regclass(%s)", [name, qn(table)])
            if cursor.fetchone() is None:
                # The definition is PostgreSQL's own rendering of what it dropped.
                cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} "
                               f"{definition}")


def _drop_indexes() -> list[list[str]]:
    """Drop the indexes of the tables the load fills that are not a primary key's or a
    constraint's; [table, name, definition] of each, to build again.

    Thirty million blind-index entries under random tokens, and records and children
    written bucket by bucket (their children's and sources' numbers interleaved), are
    far cheaper to index once, sorted, than row by row into B-trees whose pages are
    visited at random. The index is empty, so nothing needs them until the load ends:
    matching and search wait for it.
    """
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.relname, i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = ANY(%s) AND NOT x.indisprimary "
                "AND t.relnamespace = to_regnamespace(current_schema())::oid "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) "
                "ORDER BY t.relname, i.relname", [_tables()])
        else:
            # An index SQLite made for a constraint written into the table has no SQL.
            marks = ", ".join(["%s"] * len(_FILLED))
            cursor.execute("SELECT tbl_name, name, sql FROM sqlite_master "  # noqa: S608
                           f"WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks}) "
                           "ORDER BY tbl_name, name", _tables())
        dropped = [list(row) for row in cursor.fetchall()]
        for _table, name, _definition in dropped:
            cursor.execute(f"DROP INDEX {qn(name)}")
    return dropped


def _restore_indexes(dropped: list[list[str]]) -> None:
    """Build the indexes a load dropped (those not there already)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            # Inside a caller's transaction the rows' deferred foreign-key checks may be
            # pending, and PostgreSQL will not index a table with pending checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _table, name, definition in dropped:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT to_regclass(%s)", [connection.ops.quote_name(name)])
                missing = cursor.fetchone()[0] is None
            else:
                cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' "
                               "AND name = %s", [name])
                missing = cursor.fetchone() is None
            if missing:
                # The definition is the database's own, as it held it before the drop.
                cursor.execute(definition)


# -- phase 2: writing ------------------------------------------------------------------------

@dataclass
class _Entry:
    record: int
    slot: int
    child: int
    state: str
    source: str
    source_key: bytes
    recorded_at: datetime
    digest: bytes
    payload: bytes | None
    tokens: bytes


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


class _Writer:
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
            # Keys first, in the key store's own transaction (feeds.loader's rule).
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
        closed, as feeds.loader closes them."""
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
                record = orjson.loads(entry.payload)["record"]  # type: ignore[arg-type]
                views.append(SourceView(source.name, source.trust_rank, record["source_id"],
                                        entry.recorded_at, record))
                record_items.append((child, entry, envelope.seal(
                    cipher, cp_id, store.source_purpose(entry.source_key),
                    entry.payload)))  # type: ignore[arg-type]
            sealed, authority = self.deriver.seal_derived(cp_id, views, cipher)
            child_rows.append((self.child_id[child], cp_id, ChildStatus.ACTIVE, False,
                               sealed, authority, self.now, self.now))
        return child_rows, record_items

    def _insert_children(self, child_rows: list[tuple[Any, ...]],
                         record_items: list[tuple[int, _Entry, bytes]]) -> None:
        bulk.insert_rows(Child, ["id", "contactpoint_id", "status", "shielded", "record",
                                 "local_authority", "created_at", "updated_at"], child_rows)
        self._write_records(record_items)

    def _write_records(self, items: list[tuple[int | None, _Entry, bytes | None]]) -> None:
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
    """On SQLite, this connection's commits leave the log to the load's checkpointing
    thread (contactpoint.checkpoints): otherwise every writer's commit copies the log
    into the database and waits on the disk (a third of the writing time at 20,000).
    That thread empties a log grown past its limit while the writers wait, for as long
    as copying it takes: longer than the usual 30 s of a busy disk, on which the load
    failed with "database is locked" at 1,000,000 children; a writer waits up to
    WRITER_BUSY_SECONDS. And a larger page cache than SQLite's 2 MB."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
            cursor.execute(f"PRAGMA busy_timeout={WRITER_BUSY_SECONDS * 1000}")


def _give_back_freed() -> None:
    """Collect what placing let go, and hand the C heap's free pages back to the system
    (glibc's malloc_trim) before the writers fork: otherwise each writer starts out
    sharing, and soon copying, a heap mostly of free space."""
    gc.collect()
    try:
        import ctypes  # noqa: PLC0415

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its pages stay with the process
        pass


def _write_all(task: Callable[[int], tuple[int, int]], buckets: int,
               workers: int) -> tuple[int, int]:
    """`task` on every bucket, by `workers` forked processes taking them in turn (or in
    this process, for one); the sums of what it returned."""
    if workers <= 1:
        totals = [task(b) for b in range(buckets)]
        return sum(t[0] for t in totals), sum(t[1] for t in totals)
    connections.close_all()  # each writer opens its own
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    procs = [context.Process(target=_write_share,
                             args=(task, buckets, w, workers, results, os.getpid()),
                             daemon=True) for w in range(workers)]
    gc.freeze()  # as feeds.pipeline: a forked writer must not free what it inherited
    try:
        for proc in procs:
            proc.start()
    finally:
        gc.unfreeze()
    done = [0, 0]
    failures = []
    try:
        for _ in procs:
            outcome = _result(results, procs)
            if isinstance(outcome, str):
                failures.append(outcome)
                continue
            done[0] += outcome[0]
            done[1] += outcome[1]
    finally:
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
    if failures:
        raise InitialLoadError("a writer failed; run the initial load again to start it "
                               "afresh:\n" + "\n".join(failures))
    return done[0], done[1]


def _result(results, procs) -> Any:  # type: ignore[no-untyped-def]
    from queue import Empty  # noqa: PLC0415

    while True:
        alive = [p.is_alive() for p in procs]
        try:
            return results.get(timeout=1.0)
        except Empty:
            if not any(alive):
                codes = ", ".join(str(p.exitcode) for p in procs)
                return f"a writer ended without a word (exit codes {codes})"


def _die_with(parent: int) -> None:
    """End this writer as soon as the load that forked it is gone.

    A writer outliving a killed load would go on writing while the load is run again
    (which first clears what the dead run wrote). Linux kills it at once when asked
    (PR_SET_PDEATHSIG); elsewhere a thread watches the parent, as feeds.pipeline does.
    """
    try:
        import ctypes  # noqa: PLC0415

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before the kernel was asked
        os._exit(1)


def _write_share(task: Callable[[int], tuple[int, int]], buckets: int,  # noqa: PLR0917
                 share: int, workers: int, results, parent: int) -> None:  # type: ignore[no-untyped-def]
    _die_with(parent)
    try:
        totals = [task(b) for b in range(share, buckets, workers)]
        results.put((sum(t[0] for t in totals), sum(t[1] for t in totals)))
    except BaseException as exc:  # reported to the parent, which fails the load
        results.put(f"writer {share}: {exc!r}\n{traceback.format_exc()}")
    finally:
        connections.close_all()
        results.close()
        results.join_thread()
        os._exit(0)


def _finish(loads: list[FeedLoad], per_file: list[dict[str, int]], summary: InitialSummary,
            by: str | None) -> None:
    """Mark the loads finished and audit the initial load: one entry, with each file's
    source and counts, in the transaction that finishes it."""
    with transaction.atomic():
        _restore_constraints(loads[0].counts.get(CONSTRAINTS, []) if loads else [])
        if connection.vendor == "postgresql":
            # Rows were written with numbers of the load's own: the tables' own
            # sequences must carry on after them.
            with connection.cursor() as cursor:
                for model in (Child, SourceRecord):
                    table = model._meta.db_table
                    quoted = connection.ops.quote_name(table)  # a model's own table name
                    sql = ("SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
                           f"GREATEST((SELECT max(id) FROM {quoted}), 1))")
                    cursor.execute(sql, [table])
        now = timezone.now()
        for load, counts in zip(loads, per_file, strict=True):
            load.finished_at, load.counts = now, counts
            load.save(update_fields=["finished_at", "counts"])
        audit.record("feeds:initial-load:finish", actor=_operator(by), details={
            "files": [{"source": load.source.name, "file": load.file_name, "load": load.pk,
                       **counts} for load, counts in zip(loads, per_file, strict=True)],
            "children": summary.children, "records": summary.records,
            "decisions": summary.decisions, "review_items": summary.review_items,
            "cleared": summary.cleared})


# -- the whole load --------------------------------------------------------------------------

class _Steps:
    """Reports each step of the writing phase with the seconds it took."""

    def __init__(self, progress: Callable[[str], None] | None) -> None:
        self.progress, self.started = progress, time.perf_counter()

    def __call__(self, what: str) -> None:
        now = time.perf_counter()
        if self.progress is not None:
            self.progress(f"{what} in {now - self.started:.1f} s")
        self.started = now


def _write(writer: _Writer, summary: InitialSummary, buckets: int, workers: int,  # noqa: PLR0917
           step: _Steps, indexes: list[list[str]]) -> None:
    """Phase 2: every bucket's children and records, then the decisions and review
    items, then the indexes dropped for the writing."""
    with checkpoint_in_background():
        summary.children, summary.records = _write_all(writer.write_bucket, buckets, workers)
        step("wrote children and source records")
        # Decisions and review items name records and children of every bucket: written
        # once they all are.
        summary.decisions, summary.review_items = _write_all(writer.write_decisions,
                                                             buckets, workers)
        step("wrote decisions and review items")
        _restore_indexes(indexes)
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
        _check_memory(files, progress)
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
    loads, summary.cleared = _start(files, dead_hosts, by)
    keys = get_keystore()
    configured = configured_linker(keys)
    linker = ProbabilisticLinker(keys.blind_index, CompactStore(), configured.model,
                                 configured.thresholds)
    now = timezone.now()
    made: list[Spool] = []  # removed however the load ends
    try:
        spool = Spool(buckets)
        made.append(spool)
        decisions = Spool(buckets)
        made.append(decisions)
        placer = MemoryPlacer(linker, linker.store, keys.blind_index,  # type: ignore[arg-type]
                              today=today or timezone.localdate(), now=now, workers=workers,
                              batch_size=batch_size,
                              on_change=_Spooler(spool, decisions, configured.configuration.pk,
                                                 linker, now))
        started = time.perf_counter()
        per_file = []
        with placer.reading() as pool:
            for source, path in files:
                before = dict(placer.counts.__dict__)
                write, close = write_rejects(rejects_path(path))
                try:
                    placer.load_file(path, source, rows=pool.rows(path, source),
                                     on_reject=write)
                finally:
                    close()
                per_file.append({k: v - before[k]
                                 for k, v in placer.counts.__dict__.items()})
                if progress:
                    progress(f"placed {source}: {LoadSummary(**per_file[-1]).line()}")
        spool.close()
        decisions.close()
        summary.place_seconds = time.perf_counter() - started
        # The writers need only where each record ended (placer.slot): the index held
        # for placing is let go before they fork.
        placer.forget_index()
        _give_back_freed()
        started = time.perf_counter()
        step = _Steps(progress)
        _write(_Writer(spool, decisions, placer, keys, sources={
            s.name: s for s in SourceSystem.objects.filter(
                name__in={source for source, _ in files})},
            configuration=configured.configuration.pk, now=now),
            summary, buckets, workers, step, loads[0].counts.get(INDEXES, []))
        _finish(loads, per_file, summary, by)
        step("added back the constraints" if connection.vendor == "postgresql"
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
