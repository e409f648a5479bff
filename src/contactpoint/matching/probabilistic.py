"""The probabilistic linker: blocking through the blind index, Fellegi-Sunter scores,
and the decision rules of matching.decide, for each record of a batch.

Records earlier in the same batch are candidates too (a new child made three rows ago
must be found by its twin's record now), so the batch keeps its own small index of the
new children it creates.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from contactpoint.crypto.blind import TOKEN_BYTES, BlindIndex, pack_tokens, unpack_tokens
from contactpoint.matching.blocking import SEARCH_ONLY_KEYS, index_keys, query_keys
from contactpoint.matching.decide import (
    CandidateRecord,
    Decision,
    Thresholds,
    decide,
    score_children,
)
from contactpoint.matching.linker import CandidateStore, Placement, Placing
from contactpoint.matching.model import MatchModel
from contactpoint.matching.profile import Profile, profile

#: A token held by more children than this is too common to narrow anything down.
MAX_CHILDREN_PER_TOKEN = 200

#: A stored child is compared with a record only when they share this many of the
#: record's blocking tokens, or an NHS number or UPN. One token alone is a stranger born
#: on a date one slip away whose name sounds like one of the record's names: at 700,000
#: children about 15 of them for every record, and reading and unsealing them was most
#: of a load's time. A child's own records share two or more (docs/matching.md).
MIN_SHARED_TOKENS = 2


class ProbabilisticLinker:
    """The linker (matching.linker.Linker) that placing uses, over either store."""

    #: Its decisions are kept only under a stored configuration (ConfiguredLinker's).
    configuration_id: int | None = None

    def __init__(self, index: BlindIndex, store: CandidateStore, model: MatchModel,
                 thresholds: Thresholds | None = None) -> None:
        self.index = index
        self.store = store
        self.model = model
        self.thresholds = thresholds or Thresholds()
        #: The last batch's decisions (the tests and the benchmark read them).
        self.decisions: list[Decision] = []
        # The tokens of the batch just placed, by id() of the record, holding the record
        # too so a recycled id can never hand back another record's tokens.
        self._stored_tokens: dict[int, tuple[dict[str, Any], Prepared]] = {}

    def _tokens(self, keys: set[tuple[str, ...]]) -> set[bytes]:
        return {self.index.token(*key) for key in keys}

    def tokens(self, record: dict[str, Any]) -> set[bytes]:
        """The blind-index tokens stored for a record (computed once for a placed one)."""
        cached = self._stored_tokens.get(id(record))
        if cached is not None and cached[0] is record:
            return cached[1].stored
        return self._tokens(index_keys(profile(record)))

    def prepare(self, record: dict[str, Any], source: str) -> Prepared:
        """What placing a record needs that depends on the record alone.

        The loader has its validating worker call this, so the HMACs and name sounds are
        computed on the other core while this process places the previous batch.
        """
        p = profile(record, source)
        query = {key: self.index.token(*key) for key in query_keys(p)}
        # The stored keys are nearly all among the query's (its date and year unwidened):
        # reuse those tokens rather than compute each HMAC twice.
        stored: set[bytes] = set()
        search_only: set[bytes] = set()
        for key in index_keys(p):
            (search_only if key[0] in SEARCH_ONLY_KEYS else stored).add(
                query.get(key) or self.index.token(*key))
        identifiers = {token for key, token in query.items() if key[0] in IDENTIFIER_KEYS}
        return Prepared.of(p, query.values(), stored, identifiers, search_only)

    def place(self, records: Sequence[dict[str, Any]], source: str,
              prepared: Sequence[Prepared | None] | None = None) -> Placing:
        ready = [done or self.prepare(r, source)
                 for r, done in zip(records, prepared or [None] * len(records), strict=True)]
        self._stored_tokens = {id(r): (r, done) for r, done in zip(records, ready,
                                                                   strict=True)}
        profiles = [done.profile for done in ready]
        queries: list[set[bytes]] = []
        # Rows of this batch whose stored tokens an earlier row's query holds, by row.
        earlier: dict[int, set[int]] | None = None
        whole_batch = self.store.compared_for_batch(
            ready, max_children=MAX_CHILDREN_PER_TOKEN, min_shared=MIN_SHARED_TOKENS)
        if whole_batch is not None:  # the in-memory store's answers for the whole batch
            compared, earlier = whole_batch
        else:
            queries = [done.query for done in ready]
            holding = self.store.children_holding(set().union(*queries) if queries else set())
            holding = {t: c for t, c in holding.items() if len(c) <= MAX_CHILDREN_PER_TOKEN}
            compared = [_compared(holding, query, done.identifiers)
                        for query, done in zip(queries, ready, strict=True)]
        held = self.store.child_records(set().union(*compared))
        batch = _BatchIndex(held.sources)
        placements: list[Placement] = []
        child_of_row: list[int] = []
        self.decisions = []
        for i, p in enumerate(profiles):
            candidates = [r for c in compared[i] for r in held.records.get(c, [])]
            if earlier is None:
                candidates += batch.candidates(queries[i])
            elif i in earlier:  # the same children _BatchIndex would find by token
                candidates += batch.records_of({child_of_row[j] for j in earlier[i]})
            decision = decide(score_children(self.model, p, candidates, batch.sources),
                              self.thresholds)
            self.decisions.append(decision)
            if decision.state == "auto" and decision.child is not None and decision.child > 0:
                placement = Placement("auto", child_id=decision.child)
                child = decision.child
            elif decision.state == "auto":  # a child made earlier in this batch
                group = _group(decision.child)
                placement = Placement("auto", new_group=group)
                child = -group - 1
            else:  # review or new: a child of its own until a person decides
                placement = Placement(decision.state, new_group=len(placements))
                child = -len(placements) - 1
            # Later records of the batch see this one: a twin's record arriving next must
            # find that its sibling's child now holds a record from this source.
            batch.add(i, child, p, ready[i].stored if earlier is None else ())
            child_of_row.append(child)
            placements.append(placement)
        return Placing(placements, self.decisions, held.unsealed)


#: Blocking keys that are identifiers: one shared is reason enough to compare.
IDENTIFIER_KEYS = frozenset({"id:nhs_number", "id:upn"})


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record's matching profile, the tokens to look it up by, and the tokens to store;
    `identifiers` are the query tokens of its NHS number and UPN.

    The stored tokens end with the `search_only` ones (keys that only a search asks by:
    matching.blocking.SEARCH_ONLY_KEYS): stored for the record, never asked for by
    placing, so the in-memory index leaves them out (`packed_blocking`), a fifth of it.

    The tokens are kept packed (crypto.blind.pack_tokens): the reading worker pickles
    every row's across, and forty bytes objects in sets cost it a sixth of its time
    where three cost next to nothing; the in-memory store reads the packed form as an
    array, and the initial load spools it as it is."""

    profile: Profile
    packed_query: bytes
    packed_stored: bytes
    packed_identifiers: bytes = b""
    search_only: int = 0  #: how many of the stored tokens, at their end

    @classmethod
    def of(cls, profile: Profile, query: Iterable[bytes], stored: Iterable[bytes],
           identifiers: Iterable[bytes] = (), search_only: Collection[bytes] = ()) -> Prepared:
        return cls(profile, pack_tokens(query), pack_tokens(stored) + pack_tokens(search_only),
                   pack_tokens(identifiers), len(search_only))

    @property
    def packed_blocking(self) -> bytes:
        """The stored tokens that placing looks records up by, packed."""
        if not self.search_only:
            return self.packed_stored
        return self.packed_stored[:len(self.packed_stored) - self.search_only * TOKEN_BYTES]

    @property
    def query(self) -> set[bytes]:
        return unpack_tokens(self.packed_query)

    @property
    def stored(self) -> set[bytes]:
        return unpack_tokens(self.packed_stored)

    @property
    def identifiers(self) -> set[bytes]:
        return unpack_tokens(self.packed_identifiers)

    def __reduce__(self) -> tuple[type[Prepared], tuple[object, ...]]:
        # Pickled across from the reading worker for every row (see matching.profile).
        return (Prepared, (self.profile, self.packed_query, self.packed_stored,
                           self.packed_identifiers, self.search_only))


def _compared(holding: dict[bytes, set[int]], query: set[bytes],
              identifiers: set[bytes]) -> set[int]:
    """The stored children worth comparing with a record: those sharing at least
    MIN_SHARED_TOKENS of its query tokens, or one of its identifiers."""
    shared: dict[int, int] = {}
    for token in query:
        for child in holding.get(token, ()):
            shared[child] = shared.get(child, 0) + 1
    chosen = {c for c, n in shared.items() if n >= MIN_SHARED_TOKENS}
    for token in identifiers:
        chosen.update(holding.get(token, ()))
    return chosen


def _group(child: int | None) -> int:
    if child is None or child >= 0:
        raise ValueError("an in-batch child has a negative id")
    return -child - 1


class _BatchIndex:
    """Records placed earlier in this batch, found by the same tokens: in new children
    (negative ids) and in stored children they were linked to; and the sources every
    candidate child holds, the batch's records included."""

    def __init__(self, sources_held: dict[int, set[str]]) -> None:
        self.by_token: dict[bytes, set[int]] = {}
        self.records: dict[int, list[CandidateRecord]] = {}
        self.sources: dict[int, set[str]] = {c: set(s) for c, s in sources_held.items()}

    def add(self, row: int, child: int, p: Profile, tokens: Iterable[bytes]) -> None:
        self.records.setdefault(child, []).append(CandidateRecord(-row - 1, child, p))
        self.sources.setdefault(child, set()).add(p.source)
        for token in tokens:
            self.by_token.setdefault(token, set()).add(child)

    def candidates(self, query: set[bytes]) -> list[CandidateRecord]:
        return self.records_of({c for t in query for c in self.by_token.get(t, ())})

    def records_of(self, children: set[int]) -> list[CandidateRecord]:
        return [r for c in children for r in self.records[c]]
