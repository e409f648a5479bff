"""Placing a whole first load in memory: the placer over records kept in arrays.

A national first load starts from an empty index. Placing it through the database, as
`contactpoint ingest` does, costs a round trip per batch to a growing index and the
unsealing of every candidate; that, not matching, is what held a first load to under
1,000 records a second. Here the linker (matching.probabilistic, unchanged) reads its
candidates from matching.memory.CompactStore, and the records placed are kept in
`MemoryRecords`, the in-memory `RecordStore` of loading.placing.placer: the same placing
loop and rules as `ingest`'s, so the same files in the same order are placed exactly
as `ingest` would place them (tests/bench/test_match_memory.py holds the two to the
same links).

Memory is what limits this, not time: the per-record bookkeeping is arrays of 4-byte
numbers, each record's stored version kept as (recorded_at as a float, the digest's
first 8 bytes), about 235 bytes a record in all with the store (docs/benchmarks.md).

Nothing here needs Django: the benchmark in bench.match_memory runs it without a
database, and loading.initial writes what it placed.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from contactpoint.crypto.blind import BlindIndex
from contactpoint.feeds.pipeline import Checked, ReaderPool, checked_rows
from contactpoint.feeds.validate import Rejection, ValidRow
from contactpoint.loading.placing.placer import Held, Incoming, Placer, Plan, Ready
from contactpoint.loading.placing.rules import BATCH_SIZE, DELETE, PLACE, STATES, LoadSummary
from contactpoint.matching.decide import Decision
from contactpoint.matching.memory import NO_SLOT, CompactStore, KeyMap, token_key
from contactpoint.matching.probabilistic import ProbabilisticLinker

_STATE_CODE = {state: code for code, state in enumerate(STATES)}


def digest_key(digest: bytes) -> int:
    """The first 8 bytes of a content digest, ordered as the bytes are (a tie in
    recorded_at goes to the greater digest: loading.placing.rules.newer)."""
    return int.from_bytes(digest[:8], "big")


@dataclass(slots=True)
class Change:
    """One record's version as it was placed or written, for whoever keeps it."""

    record: int  #: the record's number, the same for all its versions (from 1)
    slot: int  #: this version's slot in the store; NO_SLOT for a delete
    child: int  #: 0 for a delete
    state: str
    source: str
    row: ValidRow
    ready: Ready
    recorded_at: datetime
    decision: Decision | None  #: for a record placed now; None for an update or delete
    #: The decision's candidates name children and records as the linker knows them;
    #: these give their numbers (as loading.loader's child_pk and record_pk give keys).
    child_number: Callable[[int], int] | None = None
    record_number: Callable[[int], int] | None = None


#: Called with each batch's changes once the batch is placed, in file order.
ChangeHook = Callable[[list[Change]], None]
#: Called with (source, source_id, decision, child) for each record placed.
DecisionHook = Callable[[str, str, Decision, int], None]


class MemoryRecords:
    """The records placed, by number (from 1, in the order the loader would insert
    them), with the children they are on (numbered alike), over a CompactStore that
    holds each live version for the linker to find."""

    def __init__(self, store: CompactStore, *, on_change: ChangeHook | None = None,
                 on_decision: DecisionHook | None = None, keep_ids: bool = False) -> None:
        self.store: CompactStore | None = store
        self.on_change, self.on_decision = on_change, on_decision
        #: source key (8 bytes) -> record number; by record number (index 0 unused):
        self._record_of = KeyMap()
        self.child = array("i", [0])  # C ints, as in CompactStore
        self.state = bytearray(1)
        self.slot = array("i", [NO_SLOT])
        self._record_of_slot = array("i", [0])
        self._recorded_at = array("d", [0.0])
        self._digest = array("Q", [0])
        self.children = 0
        #: (source, source_id) by record number, when asked for (the benchmark's links).
        self.ids: list[tuple[str, str]] | None = [("", "")] if keep_ids else None

    def forget_index(self) -> None:
        """Let go of what placing needed (the store, the source keys), keeping where each
        record ended: `child`, `state` and `slot` by record number."""
        self.store = None
        self._record_of = KeyMap()
        self._record_of_slot = array("i")
        self._recorded_at, self._digest = array("d"), array("Q")

    # -- RecordStore ---------------------------------------------------------------------
    def batch(self) -> nullcontext[None]:
        return nullcontext()

    def version(self, item: Incoming) -> tuple[float, int]:
        return item.recorded_at.timestamp(), digest_key(item.ready.digest)

    def held(self, items: Sequence[Incoming]) -> list[Held | None]:
        known = self._record_of.get_many([token_key(i.ready.source_key) for i in items])
        out: list[Held | None] = []
        for item in items:
            record = known.get(token_key(item.ready.source_key))
            out.append(None if record is None else Held(
                record, self.child[record] or None, STATES[self.state[record]],
                (self._recorded_at[record], self._digest[record])))
        return out

    def write(self, plan: Plan) -> None:
        """Number the batch's new children (in group order) and records, and hold each
        live version in the store (a record's old version killed)."""
        store = self.store
        if store is None:
            raise RuntimeError("the index was let go: nothing more can be placed")
        new_child = {}
        for group in plan.new_groups:
            self.children += 1
            new_child[group] = self.children
        row_record: list[int] = []  # the record number of each row placed, in order

        def child_number(child: int) -> int:  # in-batch children are -(group + 1)
            return child if child > 0 else new_child[-child - 1]

        def record_number(ref: int) -> int:  # in-batch records are -(row + 1)
            return self._record_of_slot[ref] if ref > 0 else row_record[-ref - 1]

        source, out = plan.source, []
        for step in plan.steps:
            item, row, ready = step.item, step.item.row, step.item.ready
            record = item.held.ref if item.held is not None else self._new_record(
                ready, source, row)
            old_slot = self.slot[record]
            if old_slot != NO_SLOT:
                store.kill(old_slot)
                self.slot[record] = NO_SLOT
            self._recorded_at[record], self._digest[record] = self.version(item)
            if step.action == DELETE:
                self.child[record] = 0
                out.append(Change(record, NO_SLOT, 0, STATES[self.state[record]], source, row,
                                  ready, item.recorded_at, None))
                continue
            if step.action == PLACE:
                placement = step.placement
                assert placement is not None  # noqa: S101  (a PLACE step has one)
                child = (placement.child_id if placement.child_id is not None
                         else new_child[placement.new_group])  # type: ignore[index]  # one or the other
                state = placement.state
                self.child[record], self.state[record] = child, _STATE_CODE[state]
                row_record.append(record)
                if self.on_decision is not None and step.decision is not None:
                    self.on_decision(source, row.source_id, step.decision, child)
            else:
                child, state = self.child[record], STATES[self.state[record]]
            prepared = ready.linker
            if prepared is None:
                raise RuntimeError("a row to hold was not prepared")
            slot = store.add_packed(child, source, prepared.profile, prepared.packed_blocking)
            self._record_of_slot.append(record)
            self.slot[record] = slot
            out.append(Change(record, slot, child, state, source, row, ready,
                              item.recorded_at, step.decision, child_number, record_number))
        if self.on_change is not None and out:
            self.on_change(out)

    def _new_record(self, ready: Ready, source: str, row: ValidRow) -> int:
        record = len(self.child)
        self._record_of.put(token_key(ready.source_key), record)
        self.child.append(0)
        self.state.append(0)
        self.slot.append(NO_SLOT)
        self._recorded_at.append(0.0)
        self._digest.append(0)
        if self.ids is not None:
            self.ids.append((source, row.source_id))
        return record


class MemoryPlacer:
    """Placing feed files in memory: loading.placing.placer.Placer over MemoryRecords.
    Records and children are numbered from 1 in the order the loader would insert them
    (`child`, `state` and `slot` by record number; `children` made)."""

    def __init__(self, linker: ProbabilisticLinker, store: CompactStore, index: BlindIndex,
                 *, today: date, now: datetime | None = None, batch_size: int = BATCH_SIZE,
                 workers: int = 1, on_change: ChangeHook | None = None,
                 on_decision: DecisionHook | None = None, keep_ids: bool = False) -> None:
        self.linker, self.index = linker, index
        self.today, self.now = today, now or datetime.now(UTC)
        self.workers = workers
        self.kept = MemoryRecords(store, on_change=on_change, on_decision=on_decision,
                                  keep_ids=keep_ids)
        self.placer = Placer(linker, self.kept, now=self.now, batch_size=batch_size)

    @property
    def counts(self) -> LoadSummary:
        """What the placing did so far, over every file."""
        return self.placer.summary

    @property
    def records(self) -> int:
        return len(self.kept.child) - 1

    @property
    def child(self) -> array[int]:
        return self.kept.child

    @property
    def state(self) -> bytearray:
        return self.kept.state

    @property
    def slot(self) -> array[int]:
        return self.kept.slot

    @property
    def children(self) -> int:
        return self.kept.children

    @property
    def ids(self) -> list[tuple[str, str]] | None:
        return self.kept.ids

    def forget_index(self) -> None:
        """Let go of the index held for placing (the linker's store too)."""
        self.kept.forget_index()
        self.linker.store = None  # type: ignore[assignment]  # nothing is placed after this

    # -- rows in -------------------------------------------------------------------------
    def prepare(self, source: str) -> Callable[[ValidRow], Ready]:
        """The per-row work for the reading workers. Everything placing and writing need
        of the row's record is made here, and the record and content are let go: the
        row then crosses to the placing process at a fraction of the cost."""
        def ready(row: ValidRow) -> Ready:
            record = row.record if row.action == "upsert" else None
            made = Ready(self.index.token("source-record", source, row.source_id),
                         self.index.digest("source-content", row.content),
                         self.linker.prepare(record, source) if record is not None else None,
                         row.payload() if record is not None else None)
            row.record, row.content = None, b""
            return made
        return ready

    def reading(self) -> ReaderPool:
        """Reading workers for several files, forked now (while this placer is small:
        see feeds.pipeline.ReaderPool); pass their `rows` to load_file, close them after."""
        return ReaderPool(today=self.today, now=self.now, workers=self.workers,
                          prepare_for=self.prepare)

    def load_file(self, path: Any, source: str, rows: Iterable[Checked] | None = None,
                  on_reject: Callable[[Rejection], None] | None = None) -> None:
        """Place one feed file's rows (checked by `workers` reading processes forked for
        it, unless given), batch by batch as the loader does; rejected rows and parts of
        rows go to `on_reject`."""
        if rows is None:
            rows = checked_rows(path, today=self.today, now=self.now,
                                prepare=self.prepare(source), workers=self.workers)
        self.placer.load(rows, source, self.prepare(source), on_reject)
