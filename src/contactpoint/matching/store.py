"""What linkers read from the index: who holds a token, and candidate children's records.

The Django side of matching: lookups through the blind index, and unsealing candidate
children's source records (with their own keys) into profiles for comparison.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from contactpoint.access.models import SourceSystem
from contactpoint.crypto.keystore import KeyStore
from contactpoint.db import bulk
from contactpoint.identity.models import BlindIndexEntry, Child, SourceRecord
from contactpoint.identity.sealing import open_source
from contactpoint.matching.decide import CandidateRecord
from contactpoint.matching.linker import Candidates, Unsealed
from contactpoint.matching.probabilistic import Prepared
from contactpoint.matching.profile import profile


class IndexStore:
    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys
        self._sources: dict[int, str] = {}

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

    def compared_for_batch(self, prepared: Sequence[Prepared], *, max_children: int,
                           min_shared: int) -> None:
        """The database answers token by token (children_holding), not for a batch."""

    def child_records(self, child_ids: Iterable[int]) -> Candidates:
        """Every live record of these children as profiles, the sources each holds, and
        the records unsealed (the loader re-derives the children from these)."""
        child_ids = list(child_ids)
        records: dict[int, list[CandidateRecord]] = {c: [] for c in child_ids}
        sources: dict[int, set[str]] = {c: set() for c in child_ids}
        unsealed: Unsealed = {c: [] for c in child_ids}
        if not child_ids:
            return Candidates(records, sources, unsealed)
        cp_ids = dict(bulk.select_in(Child, ["id", "contactpoint_id"], "id", child_ids))
        rows = bulk.select_in(SourceRecord, ["id", "child", "source", "source_key", "payload",
                                             "recorded_at"],
                              "child", child_ids, extra="AND NOT deleted")
        ciphers = self.keys.child_keys({cp_ids[child] for _, child, _, _, _, _ in rows})
        for record_id, child, source_pk, source_key, payload, recorded_at in rows:
            cp_id = cp_ids[child]
            sealed = open_source(ciphers[cp_id], cp_id, source_key, payload)
            name = self._source_name(source_pk)
            records[child].append(CandidateRecord(record_id, child,
                                                  profile(sealed["record"], name)))
            sources[child].add(name)
            unsealed[child].append((record_id, source_pk, recorded_at, sealed["record"]))
        return Candidates(records, sources, unsealed)
