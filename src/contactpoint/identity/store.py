"""Sealing and unsealing children's data, and re-deriving children from source records.

The only place that turns plaintext into stored bytes and back for children: every
sealed value is bound to the child's ContactPoint ID and to what it is (the record, or
one source record), so rows cannot be swapped between children unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone

from contactpoint.crypto import envelope
from contactpoint.crypto.keystore import KeyStore
from contactpoint.crypto.models import DataKey
from contactpoint.feeds.models import SourceSystem
from contactpoint.identity.derive import SourceView, derive
from contactpoint.identity.identifiers import new_contactpoint_id
from contactpoint.identity.models import Child, PostcodeDistrict, SourceRecord
from contactpoint.identity.normalise import postcode_district

CHILD_RECORD = "child-record"


def source_purpose(source_key: bytes) -> str:
    return f"source-record:{bytes(source_key).hex()}"


def reserve_children(keys: KeyStore, count: int) -> list[Child]:
    """Unsaved children with fresh, unused ContactPoint IDs whose keys are already stored.

    Ids are random, so at national scale a fresh id collides with an existing one about
    once in a hundred draws: every draw is checked against both databases.
    """
    ids: set[str] = set()
    while len(ids) < count:
        draw = {new_contactpoint_id() for _ in range(count - len(ids))} - ids
        taken = set(Child.objects.filter(contactpoint_id__in=draw)
                    .values_list("contactpoint_id", flat=True))
        taken |= set(DataKey.objects.filter(owner__in=draw).values_list("owner", flat=True))
        ids |= draw - taken
    ordered = sorted(ids)
    keys.create_child_keys(ordered)
    return [Child(contactpoint_id=cp_id) for cp_id in ordered]


def _contactpoint_ids(records: Sequence[SourceRecord]) -> dict[int, str]:
    known = {sr.child.pk: sr.child.contactpoint_id for sr in records
             if sr.child is not None and sr.child.contactpoint_id}
    unknown = {sr.child_id for sr in records if sr.child_id not in known}
    if unknown:
        known.update(Child.objects.filter(pk__in=unknown).values_list("pk", "contactpoint_id"))
    return known


def seal_payloads(keys: KeyStore, records: Sequence[SourceRecord]) -> None:
    """Seal each record's `_received` / `_record` under its child's key."""
    cp_ids = _contactpoint_ids(records)
    ciphers = keys.child_keys(set(cp_ids.values()))
    for sr in records:
        cp_id = cp_ids[sr.child_id]
        sr.payload = envelope.seal_json(
            ciphers[cp_id], cp_id, source_purpose(sr.source_key),
            {"received": sr._received, "record": sr._record})


def open_payload(keys: KeyStore, cp_id: str, sr: SourceRecord) -> dict[str, Any]:
    return envelope.open_json(keys.child_key(cp_id), cp_id, source_purpose(sr.source_key),
                              sr.payload)


def open_child_record(keys: KeyStore, child: Child) -> dict[str, Any] | None:
    if child.record is None:
        return None
    return envelope.open_json(keys.child_key(child.contactpoint_id), child.contactpoint_id,
                              CHILD_RECORD, child.record)


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

    def views(self, child: Child, records: Iterable[SourceRecord]) -> list[SourceView]:
        cipher = self.keys.child_key(child.contactpoint_id)
        views = []
        for sr in records:
            payload = envelope.open_json(cipher, child.contactpoint_id,
                                         source_purpose(sr.source_key), sr.payload)
            source = self._source(sr.source_id)
            views.append(SourceView(source.name, source.trust_rank,
                                    payload["record"]["source_id"], sr.recorded_at,
                                    payload["record"]))
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
        by_name = {s.name: s for s in self._sources.values()}
        for view in views:
            source = by_name.get(view.source)
            if source is not None and source.authority_id is not None:
                return source.authority_id
        return None

    def rederive(self, child_ids: Iterable[int]) -> list[Child]:
        child_ids = list(child_ids)
        if not child_ids:
            return []
        children = list(Child.objects.filter(pk__in=child_ids))
        records: dict[int, list[SourceRecord]] = {c.pk: [] for c in children}
        for sr in SourceRecord.objects.filter(Q(child_id__in=child_ids), deleted=False):
            records[sr.child_id].append(sr)
        self.keys.child_keys([c.contactpoint_id for c in children])  # one round trip
        for child in children:
            views = self.views(child, records[child.pk])
            if not views:
                child.record, child.local_authority_id = None, None
                continue
            record = derive(views)
            child.record = envelope.seal_json(self.keys.child_key(child.contactpoint_id),
                                              child.contactpoint_id, CHILD_RECORD, record)
            child.local_authority_id = self.local_authority(record, views)
        now = timezone.now()
        for child in children:
            child.updated_at = now
        Child.objects.bulk_update(children, ["record", "local_authority", "updated_at"],
                                  batch_size=500)
        return children
