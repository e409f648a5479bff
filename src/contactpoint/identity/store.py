"""Children's stored data read and written in bulk, and children re-derived from their
source records.

What is sealed, and how, is `identity/sealing.py`'s: this module fetches the keys and
rows and calls it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError, transaction
from django.utils import timezone

from contactpoint.access.models import Organisation, SourceSystem
from contactpoint.crypto.keystore import KeyStore
from contactpoint.db import bulk
from contactpoint.db.dialect import dialect_for
from contactpoint.identity import sealing
from contactpoint.identity.derive import SourceView, derive
from contactpoint.identity.identifiers import new_contactpoint_id
from contactpoint.identity.models import (
    BlindIndexEntry,
    Child,
    Involvement,
    PostcodeDistrict,
    SourceRecord,
)
from contactpoint.identity.normalise import postcode_district

#: Any fixed number: PostgreSQL advisory locks are named by integers.
INDEX_LOCK = 0x436F6E74


def lock_index() -> None:
    """Until this transaction ends, no one else places records or moves them.

    Whoever links records to children reads the index and then changes it; two at once
    (two feeds of the same child, or a load and a person's merge) could each make a new
    child for one child. SQLite's IMMEDIATE transactions already serialise writers.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("lock_index() holds only inside a transaction")
    dialect_for(connection).lock_writers(connection, INDEX_LOCK)


def reserve_children(keys: KeyStore, count: int) -> list[str]:
    """Fresh, unused ContactPoint IDs whose data keys are already stored.

    Every child's key is stored before the child, so the key store alone knows every
    id in use; its primary key refuses a duplicate. Ids are random: with a million
    children about one draw in 800 is taken, so most batches of a thousand draw one,
    and at eleven million every batch draws a dozen. The taken ones are found with one
    lookup and drawn again, before the insert; redrawing the whole batch instead would
    almost never finish at national scale. Only an id taken by a concurrent load
    between the lookup and the insert makes the batch start again.
    """
    while True:
        ids: set[str] = set()
        drawn = _draw_ids(count, ids)
        while drawn:
            ids |= drawn - keys.owners_present(drawn)
            drawn = _draw_ids(count - len(ids), ids)
        ordered = sorted(ids)
        try:
            keys.create_child_keys(ordered)
        except IntegrityError:
            continue
        return ordered


def _draw_ids(count: int, kept: set[str]) -> set[str]:
    """`count` fresh random ids, none of them already in `kept`."""
    drawn: set[str] = set()
    while len(drawn) < count:
        candidate = new_contactpoint_id()
        if candidate not in kept:
            drawn.add(candidate)
    return drawn


def seal_source_payloads(keys: KeyStore, items: Sequence[tuple[int, bytes, bytes]],
                         cp_ids: dict[int, str]) -> list[bytes]:
    """Seal (child pk, source key, serialised payload) items under each child's key.

    `cp_ids` holds the ContactPoint IDs already known (new children); the rest are read.
    """
    unknown = {child_id for child_id, _, _ in items} - cp_ids.keys()
    if unknown:
        cp_ids = {**cp_ids, **dict(Child.objects.filter(pk__in=unknown)
                                   .values_list("pk", "contactpoint_id"))}
    ciphers = keys.child_keys({cp_ids[child_id] for child_id, _, _ in items})
    return [sealing.seal_source(ciphers[cp_ids[child_id]], cp_ids[child_id], source_key,
                                payload)
            for child_id, source_key, payload in items]


def open_payload(keys: KeyStore, cp_id: str, sr: SourceRecord) -> dict[str, Any]:
    if sr.payload is None:
        raise ValueError(f"source record {sr.pk} was deleted: it has no payload")
    return sealing.open_source(keys.child_key(cp_id), cp_id, bytes(sr.source_key),
                               bytes(sr.payload))


def open_child_record(keys: KeyStore, child: Child) -> dict[str, Any] | None:
    if child.record is None:
        return None
    return sealing.open_record(keys.child_key(child.contactpoint_id), child.contactpoint_id,
                               bytes(child.record))


def open_involvement(keys: KeyStore, cp_id: str, involvement: Involvement) -> dict[str, Any]:
    """A practitioner's involvement's sealed details: practitioner, phone, email, dates,
    consent."""
    return sealing.open_involvement_details(keys.child_key(cp_id), cp_id, involvement.pk,
                                            bytes(involvement.details))


class ChildDeriver:
    """Re-derives children from their live source records, in bulk."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys
        self._sources: dict[int, SourceSystem] = {}
        self._districts: dict[str, int] | None = None

    def _source(self, source_id: int) -> SourceSystem:
        if source_id not in self._sources:
            self._sources.update((s.pk, s) for s in SourceSystem.objects.all())
        return self._sources[source_id]

    def _authority_for_district(self, district: str) -> int | None:
        if self._districts is None:
            self._districts = dict(PostcodeDistrict.objects.values_list("district",
                                                                         "authority_id"))
        return self._districts.get(district)

    def views(self, cp_id: str, records: Iterable[tuple[int, bytes, datetime, bytes]],
              cipher: AESGCM | None = None) -> list[SourceView]:
        """Unseal (source pk, source key, recorded_at, payload) rows of one child."""
        cipher = cipher or self.keys.child_key(cp_id)
        views = []
        for source_pk, source_key, recorded_at, payload in records:
            sealed = sealing.open_source(cipher, cp_id, source_key, payload)
            source = self._source(source_pk)
            views.append(SourceView(source.name, source.trust_rank,
                                    sealed["record"]["source_id"], recorded_at,
                                    sealed["record"]))
        return views

    def local_authority(self, record: dict[str, Any], views: Sequence[SourceView]) -> int | None:
        """The child's authority: where their address is, else their most recent source's.

        Rule (docs/architecture.md): the postcode district of the current or last-known
        address decides; without one, the authority of the most recent source record whose
        source system belongs to an authority; otherwise none (national team only).
        """
        address = record.get("address") or {}
        if address.get("postcode") and record.get("address_status") in ("current",
                                                                         "last_known"):
            found = self._authority_for_district(postcode_district(address["postcode"]))
            if found is not None:
                return found
        if not self._sources:
            self._sources.update((s.pk, s) for s in SourceSystem.objects.all())
        by_name = {s.name: s for s in self._sources.values()}
        for view in views:
            source = by_name.get(view.source)
            if source is not None and source.authority_id is not None:
                return source.authority_id
        return None

    def view(self, source_pk: int, recorded_at: datetime, record: dict[str, Any]) -> SourceView:
        source = self._source(source_pk)
        return SourceView(source.name, source.trust_rank, record["source_id"], recorded_at,
                          record)

    def rederive(self, child_ids: Iterable[int],
                 known: dict[int, list[SourceView]] | None = None) -> None:
        """Re-derive and re-seal these children from their live source records.

        `known` holds every live record of some of them, already unsealed (the loader
        has them from matching): those are not read back.
        """
        child_ids = list(child_ids)
        if not child_ids:
            return
        known = known or {}
        cp_ids = dict(bulk.select_in(Child, ["id", "contactpoint_id"], "id", child_ids))
        records: dict[int, list[tuple[int, bytes, datetime, bytes]]] = {pk: [] for pk in cp_ids}
        unknown = [pk for pk in cp_ids if pk not in known]
        for child_id, source, source_key, recorded_at, payload in bulk.select_in(
                SourceRecord, ["child", "source", "source_key", "recorded_at", "payload"],
                "child", unknown, extra="AND NOT deleted"):
            records[child_id].append((source, source_key, recorded_at, payload))
        ciphers = self.keys.child_keys(cp_ids.values())  # one round trip for every key
        involvements = self.involvements(cp_ids, ciphers)
        now = timezone.now()
        rows = []
        for pk, cp_id in cp_ids.items():
            views = known.get(pk) or self.views(cp_id, records[pk], ciphers[cp_id])
            rows.append((pk, *self.seal_derived(cp_id, views, ciphers[cp_id],
                                                involvements.get(pk, ())), now))
        bulk.update_rows(Child, ["record", "local_authority", "updated_at"], rows)

    def involvements(self, cp_ids: dict[int, str],
                     ciphers: dict[str, AESGCM]) -> dict[int, list[dict[str, Any]]]:
        """Practitioners' current involvements of these children, as service entries."""
        found: dict[int, list[dict[str, Any]]] = {}
        rows = bulk.select_in(Involvement, [
            "id", "child", "service_type", "lead_professional", "caf", "details",
            "recorded_at", "organisation"], "child", list(cp_ids),
            extra="AND superseded_by_id IS NULL")
        if not rows:
            return found
        # The organisation's name as people know it, beside its code (the code is what
        # visibility compares with the viewer's own organisation).
        orgs = {pk: (code, name) for pk, code, name in Organisation.objects.filter(
            pk__in={r[7] for r in rows}).values_list("pk", "code", "name")}
        for pk, child, kind, lead, caf, details, at, org in sorted(rows):
            cp_id = cp_ids[child]
            sealed = sealing.open_involvement_details(ciphers[cp_id], cp_id, pk, details)
            found.setdefault(child, []).append({
                **sealed, "type": kind, "organisation": orgs[org][1],
                "organisation_code": orgs[org][0],
                "lead_professional": lead, "caf": caf, "consent": sealed.get("consent"),
                "involvement": pk,
                "provenance": {"source": "practitioner", "source_id": f"involvement-{pk}",
                               "recorded_at": at.isoformat()}})
        return found

    def seal_derived(self, cp_id: str, views: Sequence[SourceView],
                     cipher: AESGCM | None = None, involvements: Iterable[dict[str, Any]] = (),
                     ) -> tuple[bytes | None, int | None]:
        """The sealed derived record and the authority, for a child with these records."""
        if not views:
            return None, None
        record = derive(views, involvements)
        sealed = sealing.seal_record(cipher or self.keys.child_key(cp_id), cp_id, record)
        return sealed, self.local_authority(record, views)


def move_records(keys: KeyStore, moves: Sequence[tuple[int, int, str]]) -> list[dict[str, Any]]:
    """Move live source records to other children: (record pk, to child pk, link state).

    Each payload is re-sealed under its new child's key (a sealed record is bound to its
    child), its blind-index entries follow it, and the caller re-derives the children on
    both sides. Returns what each record was before: [{"record", "from", "to", "state"}].
    """
    if not moves:
        return []
    target = {record: (child, state) for record, child, state in moves}
    rows = bulk.select_in(SourceRecord, ["id", "child", "source_key", "payload", "link_state"],
                          "id", list(target), extra="AND NOT deleted")
    if len(rows) != len(target):
        raise ValueError("only live source records can move")
    children = {child for _, child, _, _, _ in rows} | {c for c, _ in target.values()}
    cp_ids = dict(bulk.select_in(Child, ["id", "contactpoint_id"], "id", list(children)))
    ciphers = keys.child_keys(cp_ids.values())
    now = timezone.now()
    updates, before = [], []
    for pk, child, source_key, payload, state in rows:
        to, new_state = target[pk]
        plain = sealing.open_source_bytes(ciphers[cp_ids[child]], cp_ids[child], source_key,
                                          payload)
        sealed = sealing.seal_source(ciphers[cp_ids[to]], cp_ids[to], source_key, plain)
        updates.append((pk, to, new_state, sealed, now))
        before.append({"record": pk, "from": child, "to": to, "state": state})
    bulk.update_rows(SourceRecord, ["child", "link_state", "payload", "updated_at"], updates)
    bulk.update_rows(BlindIndexEntry, ["child"], [
        (entry, target[record][0]) for entry, record in bulk.select_in(
            BlindIndexEntry, ["id", "source_record"], "source_record", list(target))])
    return before
