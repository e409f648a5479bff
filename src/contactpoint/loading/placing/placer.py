"""Placing rows of a feed, batch by batch, over a store of records: the one placing loop.

For each batch: one winner per source record (loading.placing.rules.newer); the stored
versions read; those that stand set aside (rules.standing); the records on no child
placed by the linker; and the plan (delete, update, place) handed to the store to keep.
The store is the database's (loading.loader.IndexRecords, for `ingest` and the feeds
API) or memory's (loading.placing.memory.MemoryRecords, for `initial-load` and the
replay): two implementations of `RecordStore`, so both place alike by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from contactpoint.loading.placing.rules import (
    BATCH_SIZE,
    DELETE,
    PLACE,
    SUPERSEDED,
    UNCHANGED,
    UPDATE,
    LoadSummary,
    newer,
    standing,
)
from contactpoint.matching.linker import Linker, Placement, Placing, Unsealed

if TYPE_CHECKING:
    from contactpoint.feeds.pipeline import Checked
    from contactpoint.feeds.validate import Rejection, ValidRow
    from contactpoint.matching.decide import Decision
    from contactpoint.matching.probabilistic import Prepared


@dataclass(frozen=True, slots=True)
class Ready:
    """What is made of a row before placing (by the reading workers where there are
    some): its keyed source key and content digest, the linker's preparation (None for
    a delete) and, where the store wants it made early, the payload to seal."""

    source_key: bytes
    digest: bytes
    linker: Prepared | None = None
    payload: bytes | None = None

    def __reduce__(self) -> tuple[type[Ready], tuple[object, ...]]:
        # Pickled across from the reading worker for every row (see matching.profile).
        return (Ready, (self.source_key, self.digest, self.linker, self.payload))


@dataclass(slots=True)
class Held:
    """A stored record as its store holds it."""

    ref: int  #: the store's number for the record (a primary key, a record number)
    child: int | None  #: None: on no child (deleted)
    state: str  #: its link state
    version: tuple[Any, Any]  #: (recorded_at, digest), in the store's terms (`version`)


@dataclass(slots=True)
class Incoming:
    """A row of the batch that won over the batch's other versions of its record."""

    row: ValidRow
    ready: Ready
    recorded_at: datetime  #: as sent, or the load's time
    held: Held | None = None


@dataclass(slots=True)
class Step:
    """One change of the plan: what it does and, for a record placed now, where the
    linker put it and why."""

    item: Incoming
    action: str  #: rules.DELETE, UPDATE or PLACE
    placement: Placement | None = None
    decision: Decision | None = None


@dataclass(slots=True)
class Plan:
    """What a batch changes, for the store to keep."""

    source: str
    steps: list[Step]  #: every change, in the batch's order
    #: The new children by group (Placement.new_group), in the order they are made.
    new_groups: list[int]
    #: What the linker's store unsealed of the candidate children.
    unsealed: Unsealed

    @property
    def placed(self) -> list[Step]:
        """The steps the linker placed, in its order (that of its decisions' ids)."""
        return [s for s in self.steps if s.action == PLACE]


class RecordStore(Protocol):
    """Where placed records are kept: the index in the database, or memory."""

    def batch(self) -> AbstractContextManager[object]:
        """Around each batch's reading and writing (the database's transaction)."""

    def held(self, items: Sequence[Incoming]) -> list[Held | None]:
        """The stored version of each item's record, None for a record never stored."""

    def version(self, item: Incoming) -> tuple[Any, Any]:
        """The item's (recorded_at, digest) in the terms of this store's `Held.version`."""

    def write(self, plan: Plan) -> None:
        """Keep the batch's changes."""


def plan(source: str, changes: Sequence[Incoming], placing: Placing,
         summary: LoadSummary) -> Plan:
    """Each change's step, counted: a delete unlinks, a record on a child keeps it, and
    each other record takes the linker's next placement (`placing` holds one for each
    upsert on no child, in order)."""
    placed = iter(zip(placing.placements, placing.decisions, strict=True))
    steps = []
    for item in changes:
        if item.row.action == "delete":
            summary.deleted += 1
            steps.append(Step(item, DELETE))
        elif item.held is not None and item.held.child is not None:
            summary.updated += 1
            steps.append(Step(item, UPDATE))
        else:
            placement, decision = next(placed)
            summary.count_placed(placement.state)
            steps.append(Step(item, PLACE, placement, decision))
    if next(placed, None) is not None:
        raise ValueError("the linker placed more records than were given")
    new_groups = sorted({s.placement.new_group for s in steps
                         if s.placement is not None and s.placement.new_group is not None})
    return Plan(source, steps, new_groups, placing.unsealed)


def to_place(item: Incoming) -> bool:
    """Whether the linker places the item: an upsert of a record on no child."""
    return item.row.action == "upsert" and (item.held is None or item.held.child is None)


class Placer:
    """Places feed rows into a record store with a linker, counting what it did."""

    def __init__(self, linker: Linker, records: RecordStore, *, now: datetime,
                 batch_size: int = BATCH_SIZE) -> None:
        self.linker, self.records, self.now = linker, records, now
        self.batch_size = batch_size
        self.summary = LoadSummary()

    def load(self, rows: Iterable[Checked], source: str, prepare: Callable[[ValidRow], Ready],
             on_reject: Callable[[Rejection], None] | None = None,
             progress: Callable[[int], None] | None = None) -> LoadSummary:
        """Place checked rows of `source` in batches of `batch_size`; rejected rows and
        parts go to `on_reject`; rows the reading workers did not prepare are prepared
        here. `progress` is told the rows read after each batch."""
        summary = self.summary
        batch: list[tuple[ValidRow, Ready]] = []
        for checked in rows:
            summary.read += 1
            if on_reject is not None:
                for rejection in checked.rejections:
                    on_reject(rejection)
            if checked.row is None:
                summary.rejected += 1
                continue
            summary.parts_rejected += len(checked.rejections)
            batch.append((checked.row, checked.prepared or prepare(checked.row)))
            if len(batch) >= self.batch_size:
                self.place_batch(batch, source)
                batch = []
                if progress:
                    progress(summary.read)
        if batch:
            self.place_batch(batch, source)
        if progress:
            progress(summary.read)
        return summary

    def winners(self, batch: Sequence[tuple[ValidRow, Ready]]) -> list[Incoming]:
        """One version of each record of the batch, the newest; the rest superseded."""
        won: dict[bytes, Incoming] = {}
        for row, ready in batch:
            item = Incoming(row, ready, row.recorded_at or self.now)
            held = won.get(ready.source_key)
            if held is None or newer((item.recorded_at, ready.digest),
                                     (held.recorded_at, held.ready.digest)):
                if held is not None:
                    self.summary.superseded += 1
                won[ready.source_key] = item
            else:
                self.summary.superseded += 1
        return list(won.values())

    def changes(self, items: Sequence[Incoming]) -> list[Incoming]:
        """The items that change their record: the rest, counted, leave it as stored."""
        out = []
        for item, held in zip(items, self.records.held(items), strict=True):
            item.held = held
            if held is not None:
                stands = standing(held.version, self.records.version(item),
                                  recorded_at_sent=item.row.recorded_at is not None)
                if stands == UNCHANGED:
                    self.summary.unchanged += 1
                    continue
                if stands == SUPERSEDED:
                    self.summary.superseded += 1
                    continue
            out.append(item)
        return out

    def place_batch(self, batch: Sequence[tuple[ValidRow, Ready]], source: str) -> None:
        """One batch: what changes, placed, then kept. The store keeps it after placing,
        so the linker sees the batch's updates and deletes only from the next batch."""
        incoming = self.winners(batch)
        with self.records.batch():
            changes = self.changes(incoming)
            if not changes:
                return
            placing = Placing()
            placed = [item for item in changes if to_place(item)]
            if placed:
                prepared = [item.ready.linker for item in placed]
                if any(p is None for p in prepared):  # not `None in`: that calls __eq__
                    raise RuntimeError("a row to place was not prepared")
                placing = self.linker.place([item.row.record or {} for item in placed],
                                            source, prepared=prepared)
            self.records.write(plan(source, changes, placing, self.summary))
