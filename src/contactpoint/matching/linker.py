"""What placing asks of a linker, and what a linker reads: the two interfaces of matching.

A `Linker` places each record of a batch (an existing child, a new one, or review) and
returns, with the placements, why (its decisions) and every live record of the
candidate children it unsealed to decide (so the loader re-derives those children
without unsealing them again). A `CandidateStore` is where the linker reads
candidates: matching.store.IndexStore over the database, matching.memory.CompactStore
in memory. Nothing here needs Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from contactpoint.matching.decide import CandidateRecord, Decision, Thresholds

if TYPE_CHECKING:
    from contactpoint.matching.probabilistic import Prepared

#: A candidate child's live records as unsealed from the index, by child:
#: (record pk, source pk, recorded_at, record).
Unsealed = dict[int, list[tuple[int, int, datetime, dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a record goes: an existing child (by its number) or a new child.

    Records placed in the same `new_group` within one batch become one new child.
    """

    state: str  # "auto" | "new" | "review"
    child_id: int | None = None
    new_group: int | None = None


@dataclass(slots=True)
class Placing:
    """A batch placed: each record's placement and decision, in the batch's order, and
    what the store unsealed of the candidate children (empty for a store in memory)."""

    placements: list[Placement] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    unsealed: Unsealed = field(default_factory=dict)


class Candidates(NamedTuple):
    """Candidate children's live records as profiles, the sources each child holds, and
    the records as unsealed (by IndexStore; empty from memory)."""

    records: dict[int, list[CandidateRecord]]
    sources: dict[int, set[str]]
    unsealed: Unsealed


class CandidateStore(Protocol):
    """What the linker reads from the index.

    `compared_for_batch` answers for a whole batch at once: which stored children are
    worth comparing with each record, and which earlier rows of the batch each row's
    query shares a token with. A store that cannot (the database's) returns None, and
    the linker chooses from `children_holding` instead (probabilistic._compared: the
    same answer).
    """

    def children_holding(self, tokens: Iterable[bytes]) -> dict[bytes, set[int]]: ...

    def child_records(self, child_ids: Iterable[int]) -> Candidates: ...

    def compared_for_batch(self, prepared: Sequence[Prepared], *, max_children: int,
                           min_shared: int,
                           ) -> tuple[list[set[int]], dict[int, set[int]]] | None: ...


class Linker(Protocol):
    """Everything placing (loading.placing) uses of a linker."""

    #: The floors its decisions were made with (kept with each decision).
    thresholds: Thresholds

    @property
    def configuration_id(self) -> int | None:
        """The stored matcher version its decisions are kept under; None: not kept."""

    def prepare(self, record: dict[str, Any], source: str) -> Prepared:
        """What placing the record needs that depends on the record alone (run by the
        reading workers); its `stored` tokens are the blind-index entries to write."""

    def place(self, records: Sequence[dict[str, Any]], source: str,
              prepared: Sequence[Prepared | None] | None = None) -> Placing:
        """Where each record of a batch from `source` goes, and why."""
