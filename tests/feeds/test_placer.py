"""The placing loop (loading.placing.placer) over a store of records in a dict, and over
the in-memory store (loading.placing.memory), with no database."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactpoint.crypto.blind import BlindIndex
from contactpoint.feeds.pipeline import Checked
from contactpoint.feeds.validate import Rejection, ValidRow
from contactpoint.loading.placing.memory import Change, MemoryRecords
from contactpoint.loading.placing.placer import Held, Incoming, Placer, Plan, Ready
from contactpoint.loading.placing.rules import DELETE, NEW, PLACE, REVIEW, UPDATE, LoadSummary
from contactpoint.matching.decide import Decision, Thresholds
from contactpoint.matching.linker import Placement, Placing
from contactpoint.matching.memory import CompactStore
from contactpoint.matching.model import load_default_model
from contactpoint.matching.probabilistic import Prepared, ProbabilisticLinker

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
SOURCE = "school_census"
INDEX = BlindIndex(b"k" * 32)
#: A real linker, only to prepare rows as the reading workers do.
PREPARER = ProbabilisticLinker(INDEX, CompactStore(), load_default_model())


class FamilyLinker:
    """Places by family name alone: a record joins the child of an earlier record of the
    same family (stored, or earlier in the batch), else starts one; the Reviews family
    goes to review. Enough to tell every kind of placement apart."""

    thresholds = Thresholds()
    configuration_id = None

    def __init__(self, children_of_family: dict[str, int]) -> None:
        self.children_of_family = children_of_family  # what the store holds
        self.placed: list[list[str]] = []  # source ids of each batch asked

    def prepare(self, record: dict[str, Any], source: str) -> Prepared:
        return PREPARER.prepare(record, source)

    def place(self, records: Sequence[dict[str, Any]], source: str,
              prepared: Sequence[Prepared | None] | None = None) -> Placing:
        assert prepared is not None
        assert all(p is not None for p in prepared)
        self.placed.append([p.profile.family_full for p in prepared])  # type: ignore[union-attr]
        placing = Placing()
        in_batch: dict[str, int] = {}
        for row, p in enumerate(prepared):
            family = p.profile.family_full  # type: ignore[union-attr]
            stored = self.children_of_family.get(family)
            if family == "reviews":
                placement, child = Placement(REVIEW, new_group=row), -row - 1
            elif stored is not None:
                placement, child = Placement("auto", child_id=stored), stored
            elif family in in_batch:
                group = in_batch[family]
                placement, child = Placement("auto", new_group=group), -group - 1
            else:
                in_batch[family] = row
                placement, child = Placement(NEW, new_group=row), -row - 1
            placing.placements.append(placement)
            placing.decisions.append(Decision(placement.state, child, None, []))
        return placing


class DictRecords:
    """The RecordStore of the placing rules at their plainest: a dict of records."""

    def __init__(self) -> None:
        self.records: dict[bytes, Held] = {}
        self.content: dict[bytes, bytes] = {}
        self.children = 0
        self.family_child: dict[str, int] = {}
        self.plans: list[Plan] = []

    def batch(self) -> nullcontext[None]:
        return nullcontext()

    def version(self, item: Incoming) -> tuple[datetime, bytes]:
        return item.recorded_at, item.ready.digest

    def held(self, items: Sequence[Incoming]) -> list[Held | None]:
        return [self.records.get(i.ready.source_key) for i in items]

    def write(self, plan: Plan) -> None:
        self.plans.append(plan)
        new = {}
        for group in plan.new_groups:
            self.children += 1
            new[group] = self.children
        for step in plan.steps:
            item, held = step.item, step.item.held
            ref = held.ref if held is not None else len(self.records) + 1
            if step.action == DELETE:
                child, state = None, held.state if held is not None else NEW
            elif step.action == UPDATE:
                assert held is not None
                assert held.child is not None
                child, state = held.child, held.state
            else:
                placement = step.placement
                assert placement is not None
                assert step.decision is not None
                child = (placement.child_id if placement.child_id is not None
                         else new[placement.new_group])
                state = placement.state
                if state != REVIEW:
                    self.family_child.setdefault(item.ready.linker.profile.family_full, child)
            self.records[item.ready.source_key] = Held(ref, child, state, self.version(item))
            self.content[item.ready.source_key] = item.row.content


def row(line: int, source_id: str, *, family: str = "Lee", given: str = "Ann",
        at: int | None = 1, delete: bool = False) -> ValidRow:
    record = None if delete else {"given_names": given, "family_name": family,
                                  "date_of_birth": "2015-01-02"}
    content = f"{source_id}|{delete}|{family}|{given}".encode()
    return ValidRow(line, source_id, "delete" if delete else "upsert",
                    None if at is None else NOW - timedelta(days=10) + timedelta(hours=at),
                    {}, record, content=content)


def prepare(r: ValidRow) -> Ready:
    return Ready(hashlib.sha256(r.source_id.encode()).digest()[:16],
                 hashlib.sha256(r.content).digest(),
                 PREPARER.prepare(r.record, SOURCE) if r.action == "upsert" else None)


def load(rows: Sequence[ValidRow], store: Any = None, *, batch_size: int = 3,
         rejected: int = 0) -> tuple[LoadSummary, Any, FamilyLinker]:
    store = store if store is not None else DictRecords()
    linker = FamilyLinker(store.family_child if isinstance(store, DictRecords) else {})
    placer = Placer(linker, store, now=NOW, batch_size=batch_size)
    checked = [Checked(r, []) for r in rows]
    checked += [Checked(None, [Rejection(0, None, None, "bad")]) for _ in range(rejected)]
    rejections: list[Rejection] = []
    summary = placer.load(checked, SOURCE, prepare, rejections.append)
    assert len(rejections) == rejected
    return summary, store, linker


def placed_outcomes(summary: LoadSummary) -> int:
    return (summary.created + summary.linked + summary.review + summary.updated
            + summary.deleted + summary.unchanged + summary.superseded)


# -- the plan ----------------------------------------------------------------------------------

def test_a_new_record_starts_a_child_and_its_sibling_record_joins_it():
    summary, store, _ = load([row(1, "A"), row(2, "B"), row(3, "C", family="Khan")])
    assert (summary.created, summary.linked) == (2, 1)
    children = {sid: store.records[prepare(row(0, sid)).source_key].child
                for sid in "ABC"}
    assert children["A"] == children["B"] != children["C"]


def test_an_update_keeps_its_child_and_is_not_placed_again():
    _, store, _ = load([row(1, "A")])
    summary, store, linker = load([row(1, "A", given="Anne", at=2)], store)
    assert (summary.updated, summary.created, summary.linked) == (1, 0, 0)
    assert linker.placed == []
    assert store.plans[-1].steps[0].action == UPDATE


def test_a_delete_unlinks_and_a_record_sent_again_is_placed_again():
    _, store, _ = load([row(1, "A")])
    summary, store, _ = load([row(1, "A", at=2, delete=True)], store)
    key = prepare(row(0, "A")).source_key
    assert summary.deleted == 1
    assert store.records[key].child is None
    summary, store, linker = load([row(1, "A", at=3)], store)
    assert summary.linked == 1  # its family's child is still there
    assert linker.placed == [["lee"]]
    assert store.plans[-1].steps[0].action == PLACE


def test_a_review_is_counted_and_starts_a_child_of_its_own():
    summary, store, _ = load([row(1, "A", family="Reviews"), row(2, "B", family="Reviews")])
    assert summary.review == 2
    assert len({h.child for h in store.records.values()}) == 2


def test_only_records_on_no_child_are_asked_of_the_linker():
    _, store, _ = load([row(1, "A"), row(2, "B", family="Khan")])
    _, store, linker = load([row(1, "A", at=2, given="Anne"), row(2, "C", family="Khan"),
                             row(3, "D", family="Ng")], store, batch_size=10)
    assert linker.placed == [["khan", "ng"]]


def test_a_linker_placing_more_records_than_given_is_refused():
    class TooMany(FamilyLinker):
        def place(self, records, source, prepared=None):
            placing = super().place(records, source, prepared)
            placing.placements.append(Placement(NEW, new_group=99))
            placing.decisions.append(Decision(NEW, None, None, []))
            return placing

    placer = Placer(TooMany({}), DictRecords(), now=NOW)
    with pytest.raises(ValueError, match="more records"):
        placer.load([Checked(row(1, "A"), [])], SOURCE, prepare)


def test_a_row_to_place_that_was_not_prepared_is_refused():
    placer = Placer(FamilyLinker({}), DictRecords(), now=NOW)
    with pytest.raises(RuntimeError, match="not prepared"):
        placer.load([Checked(row(1, "A"), [])], SOURCE,
                    lambda r: Ready(b"k" * 16, b"d" * 32))


def test_progress_is_told_the_rows_read_after_each_batch():
    told: list[int] = []
    placer = Placer(FamilyLinker({}), DictRecords(), now=NOW, batch_size=2)
    placer.load([Checked(row(i, str(i)), []) for i in range(5)], SOURCE, prepare,
                progress=told.append)
    assert told == [2, 4, 5]


# -- properties ----------------------------------------------------------------------------------

ROWS = st.lists(st.tuples(st.sampled_from("ABCD"), st.sampled_from(["Lee", "Khan", "Reviews"]),
                          st.sampled_from(["Ann", "Bo"]), st.one_of(st.none(), st.integers(1, 4)),
                          st.booleans()),
                max_size=24)


def rows_of(drawn: list[tuple[str, str, str, int | None, bool]]) -> list[ValidRow]:
    return [row(i + 1, sid, family=family, given=given, at=at, delete=delete)
            for i, (sid, family, given, at, delete) in enumerate(drawn)]


@given(ROWS, st.integers(1, 6), st.integers(0, 3))
def test_every_row_read_is_counted_once(drawn, batch_size, rejected):
    summary, _, _ = load(rows_of(drawn), batch_size=batch_size, rejected=rejected)
    assert summary.read == len(drawn) + rejected
    assert summary.rejected == rejected
    assert placed_outcomes(summary) == len(drawn)


@given(ROWS, st.integers(1, 6))
def test_loading_the_same_rows_again_changes_nothing(drawn, batch_size):
    """CONTRACTS: loading the same file twice changes nothing (a source that stamps a
    record's rows, or none of them: one whose rows are stamped only sometimes can have
    an unstamped version, stamped with each load's time, win again)."""
    stamped: dict[str, bool] = {}
    for sid, _, _, at, _ in drawn:
        stamped.setdefault(sid, at is not None)
    rows = rows_of([(sid, family, given, (at or 1) if stamped[sid] else None, delete)
                    for sid, family, given, at, delete in drawn])
    _, store, _ = load(rows, batch_size=batch_size)
    before = dict(store.records)
    summary, store, linker = load(rows, store, batch_size=batch_size)
    assert store.records == before
    assert summary.written == 0
    assert linker.placed == []


@settings(max_examples=60)
@given(ROWS, st.integers(1, 6), st.integers(1, 6), st.randoms(use_true_random=False))
def test_with_recorded_at_sent_the_newest_version_is_kept_whatever_the_order(
        drawn, batch_size, other_batch_size, rng: random.Random):
    """Rows stamped by their source: each record ends as its newest version, however
    the rows are ordered and batched."""
    rows = rows_of([(sid, family, given, at or 1, delete)
                    for sid, family, given, at, delete in drawn])
    shuffled = rows[:]
    rng.shuffle(shuffled)
    _, first, _ = load(rows, batch_size=batch_size)
    _, second, _ = load(shuffled, batch_size=other_batch_size)
    newest = {}
    for r in rows:
        ready = prepare(r)
        version = (r.recorded_at, ready.digest)
        if ready.source_key not in newest or version > newest[ready.source_key][0]:
            newest[ready.source_key] = (version, r.content)
    for store in (first, second):
        assert {key: (held.version, store.content[key]) for key, held in store.records.items()
                } == newest


@settings(max_examples=60)
@given(ROWS, st.integers(1, 6))
def test_the_memory_store_places_as_the_plain_one(drawn, batch_size):
    """MemoryRecords keeps versions as (a float, 8 bytes of the digest): the same
    outcomes, children and states as the plain store, numbered alike."""
    rows = rows_of(drawn)
    plain_summary, plain, _ = load(rows, batch_size=batch_size)
    family_child: dict[str, int] = {}

    def keep_families(changes: list[Change]) -> None:  # as DictRecords keeps them
        for change in changes:
            if change.decision is not None and change.state != REVIEW:
                family_child.setdefault(change.ready.linker.profile.family_full, change.child)

    memory = MemoryRecords(CompactStore(), on_change=keep_families)
    linker = FamilyLinker(family_child)
    placer = Placer(linker, memory, now=NOW, batch_size=batch_size)
    summary = placer.load([Checked(r, []) for r in rows], SOURCE, prepare)
    assert summary == plain_summary
    for held in plain.records.values():
        record = held.ref
        assert memory.child[record] == (held.child or 0)
        assert ("new", "auto", "review")[memory.state[record]] == held.state


def test_the_memory_store_holds_each_live_version_once_for_the_linker():
    memory = MemoryRecords(CompactStore())
    placer = Placer(FamilyLinker({}), memory, now=NOW)
    placer.load([Checked(r, []) for r in [row(1, "A"), row(2, "B", family="Khan")]],
                SOURCE, prepare)
    placer.load([Checked(r, []) for r in [row(1, "A", at=2, given="Anne"),
                                          row(2, "B", at=2, delete=True)]], SOURCE, prepare)
    assert memory.store is not None
    held = memory.store.child_records([1, 2])
    assert [c.profile.given for c in held.records[1]] == [("anne",)]
    assert held.records[2] == []


def test_the_memory_store_refuses_to_place_once_it_let_go_of_the_index():
    memory = MemoryRecords(CompactStore())
    memory.forget_index()
    placer = Placer(FamilyLinker({}), memory, now=NOW)
    with pytest.raises(RuntimeError, match="let go"):
        placer.load([Checked(row(1, "A"), [])], SOURCE, prepare)


def test_a_source_key_the_store_never_held_is_new():
    memory = MemoryRecords(CompactStore())
    item = Incoming(row(1, "A"), prepare(row(1, "A")), NOW)
    assert memory.held([item]) == [None]
