"""What linkers read from the index: who holds a token, and candidate children's records.

The Django side of matching: lookups through the blind index, and unsealing candidate
children's source records (with their own keys) into profiles for comparison.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from contactpoint import bulk
from contactpoint.crypto import envelope
from contactpoint.crypto.keystore import KeyStore
from contactpoint.feeds.models import SourceSystem
from contactpoint.identity.models import BlindIndexEntry, Child, SourceRecord
from contactpoint.identity.store import source_purpose
from contactpoint.matching.decide import CandidateRecord
from contactpoint.matching.profile import Profile, profile

#: Candidates' profiles kept between batches. The same children are candidates again
#: and again (every record of a common name born in the same year finds them), and
#: reading, unsealing and profiling them was most of a load's time once the index held
#: half a million children. About 1 KB each.
CACHED_RECORDS = 150_000


class IndexStore:
    def __init__(self, keys: KeyStore, *, cached_records: int = CACHED_RECORDS) -> None:
        self.keys = keys
        self._sources: dict[int, str] = {}
        #: Every live record of the children the last child_records call read, unsealed:
        #: (record pk, source pk, recorded_at, record). The loader re-derives from these.
        #: Only children none of whose records came from the cache are here.
        self.unsealed: dict[int, list[tuple[int, int, datetime, dict[str, Any]]]] = {}
        #: (record pk, content digest) -> profile. Keyed by the digest, so a changed
        #: record is never served stale; its child is always read afresh.
        self._cache: OrderedDict[tuple[int, bytes], Profile] = OrderedDict()
        self._cache_size = cached_records

    def children_holding(self, tokens: Iterable[bytes]) -> dict[bytes, set[int]]:
        found: dict[bytes, set[int]] = {}
        for token, child_id in bulk.select_in(BlindIndexEntry, ["token", "child"], "token",
                                              list(tokens)):
            found.setdefault(token, set()).add(child_id)
        return found

    def _source_name(self, pk: int) -> str:
        if pk not in self._sources:
            self._sources.update(SourceSystem.objects.values_list("pk", "name"))
        return self._sources[pk]

    def child_records(self, child_ids: Iterable[int]
                      ) -> tuple[dict[int, list[CandidateRecord]], dict[int, set[str]]]:
        """Every live record of these children as profiles, and the sources each holds.

        Records met before (same pk, same content) come from the cache; only the others'
        payloads are read and unsealed, with their children's keys.
        """
        child_ids = list(child_ids)
        records: dict[int, list[CandidateRecord]] = {c: [] for c in child_ids}
        sources: dict[int, set[str]] = {c: set() for c in child_ids}
        self.unsealed = {}
        if not child_ids:
            return records, sources
        rows = bulk.select_in(SourceRecord, ["id", "child", "source", "source_key",
                                             "recorded_at", "content_digest"],
                              "child", child_ids, extra="AND NOT deleted")
        # Taken from the cache before anything is added to it, which may evict them.
        cached: dict[int, Profile] = {}
        for record_id, _child, _source, _key, _at, digest in rows:
            p = self._cache.get((record_id, digest))
            if p is not None:
                self._cache.move_to_end((record_id, digest))
                cached[record_id] = p
        opened = self._unseal([row for row in rows if row[0] not in cached])
        partial: set[int] = set()
        unsealed: dict[int, list[tuple[int, int, datetime, dict[str, Any]]]] = {}
        for record_id, child, source_pk, _key, recorded_at, digest in rows:
            name = self._source_name(source_pk)
            if record_id in cached:
                p = cached[record_id]
                partial.add(child)
            else:
                p, record = opened[record_id]
                self._remember((record_id, digest), p)
                unsealed.setdefault(child, []).append((record_id, source_pk, recorded_at,
                                                       record))
            records[child].append(CandidateRecord(record_id, child, p))
            sources[child].add(name)
        self.unsealed = {c: held for c, held in unsealed.items() if c not in partial}
        return records, sources

    def _unseal(self, rows: list[tuple[Any, ...]]) -> dict[int, tuple[Profile, dict[str, Any]]]:
        """These source records' payloads, read and unsealed: record pk -> (profile,
        record)."""
        if not rows:
            return {}
        children = {child for _, child, *_ in rows}
        cp_ids = dict(bulk.select_in(Child, ["id", "contactpoint_id"], "id", list(children)))
        payloads = dict(bulk.select_in(SourceRecord, ["id", "payload"], "id",
                                       [row[0] for row in rows]))
        ciphers = self.keys.child_keys(set(cp_ids.values()))
        opened = {}
        for record_id, child, source_pk, source_key, _at, _digest in rows:
            cp_id = cp_ids[child]
            record = envelope.open_json(ciphers[cp_id], cp_id, source_purpose(source_key),
                                        payloads[record_id])["record"]
            opened[record_id] = (profile(record, self._source_name(source_pk)), record)
        return opened

    def _remember(self, key: tuple[int, bytes], value: Profile) -> None:
        self._cache[key] = value
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
