"""The audit trail as a log: sequencing, signed checkpoints, verification and reading.

Entries are written by `hooks.record` in the caller's transaction, with a `Pending`
mark. `sequence()` then gives pending entries the next sequence numbers, in entry-id
order, in a short transaction of its own that holds the one `Head` row: requests never
wait on it, only sequencers wait on each other (as Trillian sequences). Each entry's
leaf commits to its sequence number and to every stored column, ciphertext included
(`leaf_data`), so shredding a child leaves the log verifying.

`sign_checkpoint()` signs the log's size and root with the trail's Ed25519 key (a
system key in the key store) as a C2SP signed-note checkpoint, keeps it in the database
and writes it under `DATA_DIR/audit/checkpoints/`. The web app sequences every second
and signs at least once a minute while entries arrive (`background.py`).

`verify()` recomputes the whole log from the stored entries and checks it against
every signed checkpoint, and optionally one kept elsewhere.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from contactpoint.audit import chain, chains, sealing
from contactpoint.audit import checkpoint as notes
from contactpoint.audit.merkle import TreeBuilder, leaf_hash
from contactpoint.audit.models import Entry, EntryChild, Head, Leaf, Pending, SignedCheckpoint
from contactpoint.audit.verification import LogCheck, Problem
from contactpoint.crypto.keystore import AUDIT_SIGNING_KEY, KeyStore, get_keystore
from contactpoint.db import bulk
from contactpoint.db.dialect import dialect_for

#: The stored columns a leaf commits to, in this order, after the sequence number.
COLUMNS = ("at", "event", "actor", "organisation", "role", "subject", "children", "details",
           "sealed")
#: Entries placed per sequencing transaction (under SQLite's 999 parameters a statement).
BATCH = 900
#: A checkpoint is signed at least this often while entries arrive.
CHECKPOINT_EVERY = timedelta(seconds=60)

_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def _micros(at: datetime | str) -> int:
    """A stored time as microseconds since 1970 (UTC), however the driver returned it."""
    if isinstance(at, str):  # SQLite through a raw cursor: naive UTC text
        at = datetime.fromisoformat(at)
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return (at - _EPOCH) // _MICROSECOND


def leaf_data(seq: int, columns: tuple[Any, ...] | list[Any], links: str | None = None
              ) -> bytes:
    """The bytes the log commits to for the entry at `seq`.

    `columns` are the entry's stored COLUMNS in order, its time as microseconds since
    1970 (as `_select_columns` reads it) or as a datetime. With `links` (`Leaf.links`),
    a chained leaf (`chain.py`); without, the older kind: a JSON line, then the sealed
    bytes (JSON never holds a raw newline, so the first one ends the readable part).
    """
    at, event, actor, organisation, role, subject, children, details, sealed = columns
    if at is not None and type(at) is not int:
        at = _micros(at)
    if links is not None:
        return chain.leaf_data(chains.salt_key(), seq, [at, *columns[1:]],
                               chain.parse_prevs(links))
    head = orjson.dumps([seq, at, event, actor, organisation, role, subject, children, details])
    return head + b"\n" + (bytes(sealed) if sealed is not None else b"")


def _select_columns(alias: str) -> str:
    """COLUMNS for a SELECT, the time read as whole microseconds by the database itself.

    Exact on both engines (PostgreSQL's EXTRACT gives a numeric; SQLite's text is split
    at the seconds), and quicker than making a datetime of every row in Python. A time
    that is not one reads as NULL, so its entry no longer verifies. Run it with a
    parameter list (empty if need be), which turns its "%%" into "%".
    """
    micros = dialect_for(connection).epoch_micros(f"{alias}.at")  # alias: fixed by callers
    return ", ".join([micros, *(f"{alias}.{c}" for c in COLUMNS[1:])])


# -- sequencing ------------------------------------------------------------------------------
def sequence(batch: int = BATCH) -> int:
    """Give every pending entry its place in the log; returns how many were placed."""
    placed = 0
    while True:
        done = _sequence_batch(batch)
        placed += done
        if done < batch:
            return placed


def _sequence_batch(batch: int) -> int:
    if not Pending.objects.exists():  # a read: no write lock taken when there is nothing
        return 0
    Head.objects.bulk_create([Head(id=1)], ignore_conflicts=True)
    with transaction.atomic():
        head = Head.objects.select_for_update().get(pk=1)
        waiting = list(Pending.objects.order_by("entry_id")
                       .values_list("entry_id", flat=True)[:batch])
        if not waiting:
            return 0
        which, params = bulk.one_of(connection, waiting)  # at most BATCH: under SQLite's limit
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT e.id, {_select_columns('e')} FROM audit_entry e "  # noqa: S608
                           f"WHERE e.id {which} ORDER BY e.id", params)
            rows = cursor.fetchall()
        tree = TreeBuilder.resume(head.size, bytes(head.frontier))
        leaves, index = [], []
        at_children = COLUMNS.index("children")
        ids = [(columns[at_children] or "").split() for _, *columns in rows]
        links = chains.Links([c for about in ids for c in about], head.chained_from)
        salts = chains.salt_key()
        for (entry_id, *columns), children in zip(rows, ids, strict=True):
            seq = tree.size
            prevs = links.prevs(seq, children)
            hashed = leaf_hash(chain.leaf_data(salts, seq, columns, prevs))
            tree.append(hashed)
            leaves.append((seq, entry_id, hashed, chain.format_prevs(prevs)))
            index += [(c, entry_id) for c in children]
        # Rows straight to the database (COPY on PostgreSQL): no model objects for what
        # is placed every second while searches arrive.
        bulk.insert_rows(Leaf, ["seq", "entry_id", "leaf_hash", "links"], leaves)
        bulk.append_rows(EntryChild, ["contactpoint_id", "entry_id"], index)
        links.save()
        Pending.objects.filter(entry_id__in=waiting).delete()
        head.size, head.frontier, head.updated_at = tree.size, tree.frontier(), timezone.now()
        head.save()
    return len(waiting)


# -- checkpoints -----------------------------------------------------------------------------
def origin() -> str:
    return settings.CONTACTPOINT.audit_origin


def signing_key(keys: KeyStore | None = None) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(
        (keys or get_keystore()).system_secret(AUDIT_SIGNING_KEY))


def verifier_key(keys: KeyStore | None = None) -> str:
    """The verifier key an operator publishes: `<origin>+<key id>+<public key>`."""
    return notes.vkey(origin(), signing_key(keys).public_key())


def checkpoint_dir() -> Path:
    return settings.CONTACTPOINT.data_dir / "audit" / "checkpoints"


def sign_checkpoint(keys: KeyStore | None = None) -> SignedCheckpoint:
    """Place what is pending, then sign the log as it stands, keep it and write its file."""
    sequence()
    with transaction.atomic():
        head = Head.objects.select_for_update().filter(pk=1).first() or Head(id=1)
        tree = TreeBuilder.resume(head.size, bytes(head.frontier))
        root = tree.root()
        text = notes.sign_checkpoint(origin(), tree.size, root, signing_key(keys), origin())
        signed = SignedCheckpoint.objects.create(size=tree.size, root=root, text=text,
                                                 signed_at=timezone.now())
    _write_file(signed)
    return signed


def checkpoint_if_due(keys: KeyStore | None = None) -> SignedCheckpoint | None:
    """Sign a checkpoint when entries have been placed since the last one a minute ago."""
    latest = SignedCheckpoint.objects.order_by("-signed_at", "-id").first()
    head = Head.objects.filter(pk=1).first()
    if head is None or head.size == 0 or (latest is not None and latest.size >= head.size):
        return None
    if latest is not None and timezone.now() - latest.signed_at < CHECKPOINT_EVERY:
        return None
    return sign_checkpoint(keys)


def _write_file(signed: SignedCheckpoint) -> None:
    """`checkpoints/<size>` and `checkpoint` (the latest), each replaced atomically."""
    folder = checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for path in (folder / f"{signed.size:012d}", folder.parent / "checkpoint"):
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(signed.text, encoding="utf-8")
        os.replace(temporary, path)


# -- verification ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Verification:
    """What `verify` found: the log's check, the checkpoints read, and anything else wrong."""

    log: LogCheck
    checkpoints: int
    pending: int
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.log.ok and self.problem is None

    def describe(self) -> str:
        if not self.log.ok:
            return self.log.describe()
        if self.problem:
            return self.problem
        waiting = f"; {self.pending} entries waiting for their place" if self.pending else ""
        return (f"audit trail verified: {self.log.size} entries, {self.checkpoints} signed "
                f"checkpoints, all consistent{waiting}")


class _Refused(ValueError):
    pass


def _checked(text: str, verifier: str, where: str) -> notes.Checkpoint:
    try:
        return notes.verify_checkpoint(text, verifier, origin=origin())
    except notes.CheckpointError as exc:
        raise _Refused(f"bad checkpoint: {where}: {exc}") from None


def stored_entries(start: int = 0, stop: int | None = None, chunk: int = 10_000,
                   ) -> Iterator[tuple[int, bytes | None, bytes | None]]:
    """Placed entries numbered from `start` up to `stop` (all, by default), in sequence
    order, as (seq, data, leaf_hash): what the verifier reads.

    A streaming cursor; the inner loop is written out for speed (verification reads
    every entry of the trail). `data` is None when the entry is gone or unreadable.
    """
    upper, params = ("", [start]) if stop is None else (" AND l.seq < %s", [start, stop])
    sql = (f"SELECT l.seq, l.leaf_hash, e.id, {_select_columns('e')}, l.links "  # noqa: S608
           f"FROM audit_leaf l LEFT JOIN audit_entry e ON e.id = l.entry_id "
           f"WHERE l.seq >= %s{upper} ORDER BY l.seq")
    dumps, newline = orjson.dumps, b"\n"
    salts = chains.salt_key()
    # PostgreSQL streams through a server-side cursor, which lives in a transaction. On
    # SQLite the one SELECT reads one snapshot by itself, and a transaction would begin
    # IMMEDIATE (settings.py), taking the write lock: parallel workers would queue on it.
    with dialect_for(connection).streaming_read(connection), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)  # parameters, so "%%" reads as "%" as when sequencing
        while rows := cursor.fetchmany(chunk):
            for row in rows:
                # row: seq, leaf_hash, entry id, then COLUMNS (the time in microseconds).
                seq, stored, at = row[0], row[1], row[3]
                if row[12] is not None:  # placed since chaining began
                    data = _chained_row(salts, row)
                elif type(at) is int and type(row[11]) is not memoryview:
                    try:
                        data = dumps([seq, at, row[4], row[5], row[6], row[7], row[8], row[9],
                                      row[10]]) + newline + (row[11] or b"")
                    except (TypeError, orjson.JSONEncodeError):
                        data = None  # a column no longer holds what was written
                else:
                    data = _odd_row(row)
                yield seq, data, (stored if type(stored) is bytes else _bytes(stored))


def _chained_row(salts: bytes, row: tuple[Any, ...]) -> bytes | None:
    """The data of a chained entry's row (`chain.py`), or None if it cannot be read."""
    if row[2] is None or type(row[3]) is not int:
        return None
    try:
        return chain.leaf_data(salts, row[0], row[3:12], chain.parse_prevs(row[12]))
    except (ValueError, TypeError, AttributeError, orjson.JSONEncodeError):
        return None


def _odd_row(row: tuple[Any, ...]) -> bytes | None:
    """The data of a row the quick path cannot take: its entry gone, its time not a time
    (None) or a driver's own type, its sealed bytes a memoryview."""
    if row[2] is None:  # the leaf's entry is gone
        return None
    try:
        return leaf_data(row[0], row[3:12])
    except (ValueError, TypeError, AttributeError, orjson.JSONEncodeError):
        return None


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


#: How far either side of an altered entry to look for where its row came from.
_NEAR = 64


def _leaf_row(seq: int) -> tuple[bytes | None, list[Any] | None, str | None]:
    """A leaf's stored hash, its entry's columns and its links (which move with the row)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT l.leaf_hash, e.id, {_select_columns('e')}, l.links "  # noqa: S608
                       "FROM audit_leaf l LEFT JOIN audit_entry e ON e.id = l.entry_id "
                       "WHERE l.seq = %s", [seq])
        row = cursor.fetchone()
    if row is None or row[1] is None:
        return (bytes(row[0]) if row else None), None, None
    return bytes(row[0]), list(row[2:-1]), row[-1]


def _hashes_near(seq: int, columns: list[Any] | None, links: str | None
                 ) -> dict[int, bytes | None] | None:
    """The leaf hashes an entry's columns would have at each number near `seq` (None
    where they cannot make a leaf: links for another number of children)."""
    if columns is None:
        return None
    return {t: _hash_or_none(t, columns, links)
            for t in range(max(seq - _NEAR, 0), seq + _NEAR + 1)}


def _hash_or_none(seq: int, columns: list[Any] | None, links: str | None) -> bytes | None:
    try:
        return leaf_hash(leaf_data(seq, columns or [], links))
    except (ValueError, TypeError, AttributeError, orjson.JSONEncodeError):
        return None


def _diagnose(log: LogCheck) -> LogCheck:
    """Say more than "altered" when an entry's row was moved rather than edited.

    Each leaf commits to its own sequence number, so a row renumbered by an insertion
    or a deletion still matches the hash stored beside it at its old number, and an
    entry swapped onto another's leaf matches the hash stored at its own.
    """
    if log.problem != Problem.ALTERED or log.first_bad is None:
        return log
    seq = log.first_bad
    stored, columns, links = _leaf_row(seq)
    at = _hashes_near(seq, columns, links)
    if stored is None or at is None:
        return log
    if at.get(seq - 1) == stored:
        return dataclasses.replace(log, problem=Problem.INSERTED, first_bad=seq - 1,
                                   earliest=seq - 1, detail=f"entry {seq - 1} was put in "
                                   "the log afterwards: the entries after it were renumbered")
    moved_from = next((t for t in sorted(at) if t > seq and at[t] == stored), None)
    if moved_from is not None:
        return dataclasses.replace(log, problem=Problem.MISSING, detail=(
            f"entries from {seq} were removed and the log renumbered: entry {seq} was "
            f"entry {moved_from}"))
    # An entry swapped onto another's leaf: its own leaf (with that leaf's links) is near.
    stored_near = Leaf.objects.filter(seq__in=list(at)).exclude(seq=seq).order_by("seq")
    home = next((t for t, h, near_links in stored_near.values_list("seq", "leaf_hash", "links")
                 if bytes(h) == _hash_or_none(t, columns, near_links)), None)
    if home is not None:
        return dataclasses.replace(log, problem=Problem.REORDERED,
                                   detail=f"it holds the content of entry {home}")
    return log


def verify(since: str | None = None, keys: KeyStore | None = None, *,
           workers: int | None = None) -> Verification:
    """Recompute the log and check it against every signed checkpoint (and `since`).

    `workers` processes read and hash the entries (`parallel.py`); by default one per
    core for a large trail, none for a small one.
    """
    from contactpoint.audit import parallel  # noqa: PLC0415  (imports this module)

    verifier = verifier_key(keys)
    kept = list(SignedCheckpoint.objects.order_by("size", "id").values_list("size", "text"))
    try:
        marks = [_checked(text, verifier, f"the one stored for size {size}")
                 for size, text in kept]
        if since is not None:
            marks.append(_checked(since, verifier, "the one given with --since"))
    except _Refused as exc:
        return Verification(LogCheck(0, 0, 0), len(kept), 0, str(exc))
    log = _diagnose(parallel.verify_stored(marks, workers))
    pending = Pending.objects.count()
    if not log.ok:
        return Verification(log, len(marks), pending)
    stray = (Entry.objects.filter(leaf__isnull=True)
             .exclude(pk__in=Pending.objects.values("entry_id")).order_by("pk")
             .values_list("pk", flat=True).first())
    if stray is not None:
        return Verification(log, len(marks), pending,
                            f"{Problem.INSERTED} at entry row {stray}: it is neither in the log "
                            "nor waiting for its place")
    return Verification(log, len(marks), pending)


# -- reading ---------------------------------------------------------------------------------
def readable(entry: Entry, seq: int | None, keys: KeyStore | None = None) -> dict[str, Any]:
    """An entry as those allowed to read the trail see it, its sealed content opened.

    The personal content joins `details`; `reason` is the reason given. When every
    child the entry concerns has been shredded, `reason` is None and `details["sealed"]`
    says the content can no longer be read.
    """
    details = orjson.loads(entry.details)
    reason = None
    if entry.sealed is not None:
        try:
            content = sealing.open_content(bytes(entry.sealed), keys or get_keystore())
        except sealing.Unreadable:
            details["sealed"] = "unreadable: the children it concerns were shredded"
        else:
            reason = content.pop("reason", None)
            details.update(content)
    return {"seq": seq, "at": entry.at.astimezone(UTC).isoformat(timespec="milliseconds"),
            "event": entry.event, "actor": entry.actor, "organisation": entry.organisation,
            "role": entry.role, "reason": reason, "subject": entry.subject,
            "children": entry.children.split() if entry.children else [],
            "details": details}


def select(*, child: str | None = None, user: str | None = None,
           organisation: str | None = None, event: str | None = None,
           since: datetime | None = None, until: datetime | None = None) -> Any:
    """Entries matching every filter given, oldest first, each with its `seq` (or None)."""
    found = Entry.objects.all()
    if child:
        # Placed entries through the child index; those still waiting by their own column.
        found = found.filter(
            Q(pk__in=EntryChild.objects.filter(contactpoint_id=child).values("entry_id"))
            | Q(pk__in=Pending.objects.values("entry_id"), children__contains=child))
    if user:
        found = found.filter(actor=user)
    if organisation:
        found = found.filter(organisation=organisation)
    if event:
        found = found.filter(event=event)
    if since:
        found = found.filter(at__gte=since)
    if until:
        found = found.filter(at__lt=until)
    return found.select_related("leaf").order_by("at", "pk")


def seq_of(entry: Entry) -> int | None:
    try:
        return entry.leaf.seq
    except Leaf.DoesNotExist:
        return None


def export(out: Path, *, by: str, keys: KeyStore | None = None, **filters: Any) -> int:
    """Write the matching entries, decrypted, one JSON object a line; returns how many.

    The export is itself an entry of the trail, written before anything is read.
    """
    from contactpoint.audit import hooks  # noqa: PLC0415

    asked = {name: (value.isoformat() if isinstance(value, datetime) else value)
             for name, value in filters.items() if value}
    with transaction.atomic():
        hooks.record("audit:trail:export", actor=hooks.operator(by),
                     details={"filters": asked, "out": str(out)},
                     children=[filters["child"]] if filters.get("child") else None)
    sequence()
    keys = keys or get_keystore()
    count = 0
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as fh:
        for entry in select(**filters).iterator(chunk_size=2_000):
            fh.write(orjson.dumps(readable(entry, seq_of(entry), keys)) + b"\n")
            count += 1
    os.replace(temporary, out)
    return count
