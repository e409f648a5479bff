"""The index held in memory for a first load: what the linker reads, without a database.

A national first load starts from an empty index. Placing it through the database, as
`contactpoint ingest` does, costs a round trip per batch to a growing index and the
unsealing of every candidate. `CompactStore` answers the linker's two reads (who holds
a token, a child's records) from memory instead: it is matching.linker's other
CandidateStore, beside matching.store.IndexStore. loading.placing.memory places over it.

Memory is what limits this, not time: held as Python objects, the index of 1,000,000
children (2,700,000 records, 32,000,000 token postings) took 8.4 GiB. Here postings are
sorted numpy arrays (12 bytes each, and only of the tokens placing looks up), profiles
marshalled bytes, and the per-slot arrays of 4-byte numbers (docs/benchmarks.md).

Nothing here needs Django.
"""

from __future__ import annotations

import marshal
import struct
from array import array
from collections.abc import Collection, Iterable, Iterator, Sequence

import numpy as np

from contactpoint.crypto.blind import TOKEN_BYTES
from contactpoint.matching.decide import CandidateRecord
from contactpoint.matching.linker import Candidates
from contactpoint.matching.probabilistic import Prepared
from contactpoint.matching.profile import Profile

#: A token's first 8 bytes stand for it in memory. Two of 30,000,000 tokens sharing them
#: by chance (odds about 1 in 40,000,000,000) would only make a stranger a candidate,
#: to be scored and turned down like any other.
_KEY_BYTES = 8
_SHARD_BITS = 4
NO_SLOT = 0
#: compared_children packs (record, child) and (token, child) pairs in one uint64 each.
_HALF = np.uint64(32)
_LOW = np.uint64(0xFFFF_FFFF)


_FIRST_8 = struct.Struct("<Q").unpack_from


def token_key(token: bytes) -> int:
    return _FIRST_8(token)[0]


def _packed_keys(packed: bytes) -> np.ndarray:
    """token_key of each token packed end to end (crypto.blind.pack_tokens), in order."""
    return np.frombuffer(packed, dtype="<u8")[::TOKEN_BYTES // _KEY_BYTES].astype(np.uint64)


def _batch_keys(packed: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The keys of a batch's rows' packed tokens, and each key's row (its position)."""
    rows = np.repeat(np.arange(len(packed), dtype=np.uint64),
                     [len(tokens) // TOKEN_BYTES for tokens in packed])
    return _packed_keys(b"".join(packed)), rows


def _in_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The positions of ranges laid end to end: each range's start, repeated over its
    length, plus the position within it."""
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + within


def _merged(keys: np.ndarray, values: np.ndarray, more_keys: np.ndarray,
            more_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys and their values with more added, sorted again; for equal keys the
    ones held before stay first, then the new ones in the order given.

    Only the new keys are sorted; they are then inserted into the held ones in one
    sequential pass. Sorting everything again (and gathering it in that order, at
    random) made each merge cost more the larger the index: the load's placing grew
    slower as it went."""
    order = np.argsort(more_keys, kind="stable")
    more_keys, more_values = more_keys[order], more_values[order]
    at = np.searchsorted(keys, more_keys, side="right")
    return np.insert(keys, at, more_keys), np.insert(values, at, more_values)


class Postings:
    """token -> the slots holding it, as sorted numpy arrays in 16 shards (by the key's
    top bits), a younger sorted pair of arrays of the latest additions, merged into the
    shards once it reaches `merge_at`, and the additions since the last lookup, sorted
    into the young arrays by the next one. A shard is re-sorted alone, so the spare
    memory a merge needs is a sixteenth of the whole; no lookup walks a dict key by key
    (at 1,000,000 children that was a tenth of the placing). Slots come back in the
    order they were added."""

    def __init__(self, merge_at: int = 1 << 20) -> None:
        shards = 1 << _SHARD_BITS
        self._keys = [np.empty(0, dtype=np.uint64) for _ in range(shards)]
        self._slots = [np.empty(0, dtype=np.uint32) for _ in range(shards)]
        self._directories: list[np.ndarray | None] = [None] * shards
        self._young_keys = np.empty(0, dtype=np.uint64)
        self._young_slots = np.empty(0, dtype=np.uint32)
        self._new_keys: list[np.ndarray] = []
        self._new_slots: list[int] = []  # each new key's slot
        self.merge_at = merge_at

    def __len__(self) -> int:
        return (sum(len(k) for k in self._keys) + len(self._young_keys)
                + len(self._new_slots))

    def nbytes(self) -> int:
        return (sum(k.nbytes + s.nbytes for k, s in zip(self._keys, self._slots, strict=True))
                + sum(d.nbytes for d in self._directories if d is not None))

    def add(self, slot: int, keys: Iterable[int] | np.ndarray) -> None:
        """Post the slot under these keys (distinct: a key given twice is posted twice)."""
        keys = keys if isinstance(keys, np.ndarray) else np.fromiter(keys, dtype=np.uint64)
        self._new_keys.append(keys)
        self._new_slots += [slot] * len(keys)

    def _settle(self) -> None:
        """Sort the additions into the young arrays."""
        if self._new_slots:
            keys = np.concatenate(self._new_keys).astype(np.uint64, copy=False)
            slots = np.array(self._new_slots, dtype=np.uint32)
            self._new_keys, self._new_slots = [], []
            self._young_keys, self._young_slots = _merged(self._young_keys, self._young_slots,
                                                          keys, slots)

    def merge(self) -> None:
        """Everything added into the shards."""
        self._settle()
        keys, slots = self._young_keys, self._young_slots
        if not len(keys):
            return
        self._young_keys = np.empty(0, dtype=np.uint64)
        self._young_slots = np.empty(0, dtype=np.uint32)
        # The young arrays are sorted, so each shard's part is one run of them.
        bounds = np.searchsorted(keys >> np.uint64(64 - _SHARD_BITS),
                                 np.arange((1 << _SHARD_BITS) + 1, dtype=np.uint64)).tolist()
        for shard in range(1 << _SHARD_BITS):
            first, last = bounds[shard], bounds[shard + 1]
            if first < last:
                self._keys[shard], self._slots[shard] = _merged(
                    self._keys[shard], self._slots[shard], keys[first:last],
                    slots[first:last])
                self._directories[shard] = None

    def get(self, keys: Collection[int]) -> dict[int, list[int]]:
        """The slots holding each key that any slot holds."""
        wanted = np.unique(np.fromiter(keys, dtype=np.uint64, count=len(keys)))
        at, slots = self.held(wanted)
        order = np.argsort(at, kind="stable")  # by key, each key's slots as they came
        at, slots = at[order], slots[order]
        found: dict[int, list[int]] = {}
        asked = wanted.tolist()
        for position, slot in zip(at.tolist(), slots.tolist(), strict=True):
            found.setdefault(asked[position], []).append(slot)
        return found

    def held(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every posting of these keys (sorted, unique, uint64), as two arrays of one
        length: the position in `keys` of the posting's key, and its slot. A key's slots
        come in the order they were added, the keys' in no order."""
        self._settle()
        if len(self._young_keys) >= self.merge_at:
            self.merge()
        shard_of = keys >> np.uint64(64 - _SHARD_BITS)
        bounds = np.searchsorted(shard_of, np.arange((1 << _SHARD_BITS) + 1,
                                                     dtype=np.uint64)).tolist()
        found = []
        for shard in range(1 << _SHARD_BITS):
            first, last = bounds[shard], bounds[shard + 1]
            sorted_keys = self._keys[shard]
            if first == last or not len(sorted_keys):
                continue
            directory = self._directories[shard]
            if directory is None:
                directory = self._directories[shard] = _directory(sorted_keys)
            asked = keys[first:last]
            lo, count = _ranges_in_directory(sorted_keys, directory, asked)
            found.append(_postings_of(lo, count, first, self._slots[shard]))
        if len(self._young_keys):  # small, and changed by every batch: searched directly
            lo = np.searchsorted(self._young_keys, keys, "left")
            count = np.searchsorted(self._young_keys, keys, "right") - lo
            found.append(_postings_of(lo, count, 0, self._young_slots))
        held = [f for f in found if f is not None]
        if not held:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint32)
        return (np.concatenate([at for at, _ in held]),
                np.concatenate([slots for _, slots in held]))


#: A shard's directory has a bucket for about this many keys.
_KEYS_PER_BUCKET = 4
_MAX_BUCKET_BITS = 20


def _directory(sorted_keys: np.ndarray) -> np.ndarray:
    """Where each bucket of a shard's sorted keys starts (and, last, where they end): the
    bucket is the key's next bits after the shard's. Keys are HMAC output, so spread
    evenly: a bucket holds a few keys, and a lookup reads its bucket's bounds and a
    cache line or two of keys, where a binary search of the whole shard (12 MB at
    1,000,000 children) missed the cache at each of its last ten steps, a sixth of the
    placing's time."""
    bits = min(_MAX_BUCKET_BITS, max(1, (len(sorted_keys) // _KEYS_PER_BUCKET).bit_length()))
    bucket = _bucket_of(sorted_keys, bits)
    starts = np.zeros((1 << bits) + 1, dtype=np.uint32)
    np.cumsum(np.bincount(bucket, minlength=1 << bits), out=starts[1:])
    return starts


def _bucket_of(keys: np.ndarray, bits: int) -> np.ndarray:
    return ((keys >> np.uint64(64 - _SHARD_BITS - bits))
            & np.uint64((1 << bits) - 1)).astype(np.intp)


def _ranges_in_directory(sorted_keys: np.ndarray, directory: np.ndarray,
                         asked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.searchsorted's left bound of each asked key, and how many keys equal it, by
    binary search within each key's bucket only."""
    bucket = _bucket_of(asked, (len(directory) - 1).bit_length() - 1)
    end = directory[bucket + 1].astype(np.intp)
    first = _bisect(sorted_keys, asked, directory[bucket].astype(np.intp), end.copy(),
                    right=False)
    return first, _bisect(sorted_keys, asked, first.copy(), end, right=True) - first


def _bisect(sorted_keys: np.ndarray, asked: np.ndarray, lo: np.ndarray, hi: np.ndarray, *,
            right: bool) -> np.ndarray:
    """Each asked key's insertion point in sorted_keys[lo:hi] (left or right of equal
    keys), all keys a step at a time; lo and hi are changed in place."""
    active = np.flatnonzero(lo < hi)
    while len(active):
        mid = (lo[active] + hi[active]) >> 1
        probe, wanted = sorted_keys[mid], asked[active]
        up = probe <= wanted if right else probe < wanted
        lo[active[up]] = mid[up] + 1
        hi[active[~up]] = mid[~up]
        active = active[lo[active] < hi[active]]
    return lo


def _postings_of(lo: np.ndarray, count: np.ndarray, first: int,
                 values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """For asked keys whose equal keys in a sorted array start at `lo` and number
    `count`: each match's asked position (counted from `first`) and the value stored
    beside the matching key; None when nothing matches."""
    if not count.sum():
        return None
    return (np.repeat(np.arange(first, first + len(lo)), count),
            values[_in_ranges(lo, count)])


class KeyMap:
    """A map of 8-byte keys to numbers, as Postings holds them: sorted numpy arrays plus
    a dict of the latest, merged in at `merge_at`. 12 bytes an entry, against about 100
    in a dict of Python ints (for 2,700,000 source records, 270 MB)."""

    def __init__(self, merge_at: int = 1 << 16) -> None:
        self._keys = np.empty(0, dtype=np.uint64)
        self._values = np.empty(0, dtype=np.uint32)
        self._recent: dict[int, int] = {}
        self.merge_at = merge_at

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def put(self, key: int, value: int) -> None:
        """Set a key that is not held yet (keys are never changed or removed)."""
        self._recent[key] = value
        if len(self._recent) >= self.merge_at:
            keys = np.fromiter(self._recent.keys(), dtype=np.uint64, count=len(self._recent))
            values = np.fromiter(self._recent.values(), dtype=np.uint32,
                                 count=len(self._recent))
            self._keys, self._values = _merged(self._keys, self._values, keys, values)
            self._recent = {}

    def get_many(self, keys: Collection[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        if keys and len(self._keys):
            asked = np.fromiter(keys, dtype=np.uint64, count=len(keys))
            at = np.searchsorted(self._keys, asked)
            inside = at < len(self._keys)
            hit = np.zeros(len(asked), dtype=bool)
            hit[inside] = self._keys[at[inside]] == asked[inside]
            found = dict(zip(asked[hit].tolist(), self._values[at[hit]].tolist(),
                             strict=True))
        for key in keys:
            value = self._recent.get(key)
            if value is not None:
                found[key] = value
        return found


_SEX_CODE = {None: None, "female": True, "male": False}
_SEX = {code: sex for sex, code in _SEX_CODE.items()}


def _pack(p: Profile) -> bytes:
    """The profile but its source (the store keeps each slot's), its sex as one byte."""
    return marshal.dumps((p.given, p.family, p.former, p.dob, _SEX_CODE[p.sex], p.postcode,
                          p.nhs, p.upn, p.carers))


def _unpack(data: bytes | bytearray, source: str) -> Profile:
    # Bytes this process marshalled itself, never anything read from outside.
    given, family, former, dob, sex, postcode, nhs, upn, carers = marshal.loads(data)  # noqa: S302
    return Profile(given, family, former, dob, _SEX[sex], postcode, nhs, upn, carers, source)


class CompactStore:
    """matching.store.IndexStore's reads, from memory: token -> slots -> child.

    A slot is one version of one record: its child, source, profile and tokens. A
    record's new version takes a new slot and the old one is killed (a killed slot is
    never a candidate again); a deleted record's slot is killed. Slots are numbered from
    1, as the database numbers records: the linker takes ids below 1 for the records of
    the batch it is placing.
    """

    def __init__(self) -> None:
        self.postings = Postings()
        # Slot 0 stands for no slot: never alive, in no chain.
        # Numbers as C ints (4 bytes; 2,147,483,647 at most, far above the 30,000,000 records
        # of a national load): appending a larger one raises OverflowError.
        self._child = array("i", [0])
        self._source = bytearray(1)
        self._alive = bytearray(1)
        self._next = array("i", [NO_SLOT])  # the child's previous slot: a chain per child
        self._head = array("i")  # child -> its latest slot
        # Every slot's marshalled profile, end to end, and where each ends: one object,
        # not millions (each bytes object costs 33 bytes and an allocation of its own).
        self._profiles = bytearray()
        self._profile_end = array("Q", [0])
        self._sources: list[str] = []
        self._source_index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._child) - 1

    def add(self, child: int, source: str, p: Profile, tokens: Iterable[bytes]) -> int:
        """Hold a record's version under its child and tokens; its slot."""
        slot = len(self._child)
        index = self._source_index.get(source)
        if index is None:
            index = self._source_index[source] = len(self._sources)
            self._sources.append(source)
        while len(self._head) <= child:
            self._head.append(NO_SLOT)
        self._child.append(child)
        self._source.append(index)
        self._alive.append(1)
        self._next.append(self._head[child])
        self._head[child] = slot
        self._profiles += _pack(p)
        self._profile_end.append(len(self._profiles))
        keys = {token_key(t) for t in tokens}
        if keys:
            self.postings.add(slot, keys)
        return slot

    def add_packed(self, child: int, source: str, p: Profile, packed: bytes) -> int:
        """`add`, the tokens packed (crypto.blind.pack_tokens, so distinct)."""
        slot = self.add(child, source, p, ())
        self.postings.add(slot, _packed_keys(packed))
        return slot

    def kill(self, slot: int) -> None:
        self._alive[slot] = 0

    def profile(self, slot: int) -> Profile:
        return _unpack(self._profiles[self._profile_end[slot - 1]:self._profile_end[slot]],
                       self._sources[self._source[slot]])

    def child_of(self, slot: int) -> int:
        return self._child[slot]

    def children_holding(self, tokens: Iterable[bytes]) -> dict[bytes, set[int]]:
        by_key = {token_key(t): t for t in tokens}
        alive, child = self._alive, self._child
        found: dict[bytes, set[int]] = {}
        for key, slots in self.postings.get(by_key.keys()).items():
            children = {child[s] for s in slots if alive[s]}
            if children:
                found[by_key[key]] = children
        return found

    def compared_for_batch(self, prepared: Sequence[Prepared], *, max_children: int,
                           min_shared: int) -> tuple[list[set[int]], dict[int, set[int]]]:
        """The batch's compared children and earlier sharers, as the linker asks."""
        return (self.compared_children(prepared, max_children=max_children,
                                       min_shared=min_shared),
                self.earlier_sharing(prepared))

    def compared_children(self, prepared: Sequence[Prepared], *, max_children: int,
                          min_shared: int) -> list[set[int]]:
        """For each record, the children matching.probabilistic._compared chooses from
        children_holding: those holding at least `min_shared` of its query tokens, or
        one of its identifiers, counting only tokens held by at most `max_children`
        live children. The same answer, for a whole batch at once in arrays: at
        1,000,000 children, building a set per token and counting per record in
        Python was a third of the placing's time."""
        if not prepared:
            return []
        keys, records = _batch_keys([p.packed_query for p in prepared])
        unique_keys, key_of = np.unique(keys, return_inverse=True)
        at, slots = self.postings.held(unique_keys)
        # Views of the growing arrays, let go before anything is added to them.
        child, alive = np.frombuffer(self._child, dtype=np.intc), np.frombuffer(
            self._alive, dtype=np.uint8)
        live = alive[slots] != 0
        held_children = child[slots[live]].astype(np.uint64)
        del child, alive
        # Each token's distinct live children, tokens held by too many left out.
        pairs = np.unique((at[live].astype(np.uint64) << _HALF) | held_children)
        pair_key, pair_child = (pairs >> _HALF).astype(np.int64), pairs & _LOW
        per_key = np.bincount(pair_key, minlength=len(unique_keys))
        narrow = per_key[pair_key] <= max_children
        pair_key, pair_child = pair_key[narrow], pair_child[narrow]
        per_key = np.bincount(pair_key, minlength=len(unique_keys))
        first = np.cumsum(per_key) - per_key

        def children_of(record: np.ndarray, key: np.ndarray) -> np.ndarray:
            """(record << 32 | child) for every child holding each (record, key)."""
            count = per_key[key]
            return ((np.repeat(record, count) << _HALF)
                    | pair_child[_in_ranges(first[key], count)])

        # (record, token) pairs: distinct, as a record's tokens are (two tokens of one
        # record sharing their first 8 bytes would count a child twice: see _KEY_BYTES).
        asked = (records << _HALF) | key_of.astype(np.uint64)
        shared, times = np.unique(children_of(asked >> _HALF, (asked & _LOW).astype(np.int64)),
                                  return_counts=True)
        chosen = shared[times >= min_shared]
        wanted, who = _batch_keys([p.packed_identifiers for p in prepared])
        if len(wanted) and len(unique_keys):
            where = np.minimum(np.searchsorted(unique_keys, wanted), len(unique_keys) - 1)
            asked_too = unique_keys[where] == wanted  # an identifier is among the query's
            chosen = np.union1d(chosen, children_of(who[asked_too], where[asked_too]))
        bounds = np.searchsorted(chosen >> _HALF,
                                 np.arange(len(prepared) + 1, dtype=np.uint64)).tolist()
        children = (chosen & _LOW).tolist()
        return [set(children[bounds[i]:bounds[i + 1]]) for i in range(len(prepared))]

    @staticmethod
    def earlier_sharing(prepared: Sequence[Prepared]) -> dict[int, set[int]]:
        """For each row of a batch, the earlier rows (by position) holding one of its
        query tokens among their stored ones; rows with none are left out. In arrays:
        most rows share nothing with the rest of their batch, and a dict of tokens
        filled and read row by row cost the placing a tenth of its time."""
        stored, holder = _batch_keys([p.packed_blocking for p in prepared])
        query, asker = _batch_keys([p.packed_query for p in prepared])
        order = np.argsort(stored, kind="stable")
        stored, holder = stored[order], holder[order]
        lo = np.searchsorted(stored, query, "left")
        count = np.searchsorted(stored, query, "right") - lo
        # Each query token paired with each row storing it: its own row, mostly.
        pairs = _postings_of(lo, count, 0, holder)
        if pairs is None:
            return {}
        rows, earlier_rows = asker[pairs[0]], pairs[1]
        keep = earlier_rows < rows
        found: dict[int, set[int]] = {}
        for row, earlier in zip(rows[keep].tolist(), earlier_rows[keep].tolist(), strict=True):
            found.setdefault(row, set()).add(earlier)
        return found

    def slots_of(self, child: int) -> Iterator[int]:
        """The child's live slots, latest first."""
        slot = self._head[child] if child < len(self._head) else NO_SLOT
        while slot != NO_SLOT:
            if self._alive[slot]:
                yield slot
            slot = self._next[slot]

    def child_records(self, child_ids: Iterable[int]) -> Candidates:
        """Every live record of these children as profiles, and the sources each holds
        (nothing is sealed in memory: nothing unsealed)."""
        records: dict[int, list[CandidateRecord]] = {}
        sources: dict[int, set[str]] = {}
        for child in child_ids:
            slots = list(self.slots_of(child))
            slots.reverse()  # oldest first, as the database gives them
            records[child] = [CandidateRecord(s, child, self.profile(s))
                              for s in slots]
            sources[child] = {self._sources[self._source[s]] for s in slots}
        return Candidates(records, sources, {})
