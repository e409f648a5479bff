"""The in-memory matching harness: real figures on a small population, and the same
links as the real loader driving the same linker on the same feeds."""

from __future__ import annotations

import contextlib
import csv
import io
import secrets
from collections import defaultdict
from datetime import date

import numpy as np
import pytest

from contactpoint.bench.match_memory import feed_files, main, run
from contactpoint.crypto.blind import BlindIndex, unpack_tokens
from contactpoint.matching.decide import Thresholds
from contactpoint.matching.memory import (
    CompactStore,
    KeyMap,
    _directory,
    _merged,
    _ranges_in_directory,
)
from contactpoint.matching.model import load_default_model
from contactpoint.matching.probabilistic import Prepared, ProbabilisticLinker, _compared
from contactpoint.matching.profile import profile
from contactpoint.synth import generate
from databases import both_databases

TODAY = date(2026, 11, 1)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feeds")
    generate(400, 11, folder, today=TODAY)
    return folder


def partition(links_csv):
    """Records grouped by child, with their states, independent of the children's ids."""
    groups, states = defaultdict(set), {}
    with open(links_csv, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (row["source"], row["source_id"])
            groups[row["contactpoint_id"]].add(key)
            states[key] = row["state"]
    return {frozenset(g) for g in groups.values()}, states


def test_a_few_hundred_children_are_matched_without_wrong_merges(feeds, tmp_path):
    result = run(feeds, load_default_model(), tmp_path, today=TODAY, in_process=True)
    report = result.report
    assert report.records_scored == result.counts.read - result.counts.rejected
    assert report.wrongly_merged_children == 0
    assert report.twins_merged == 0
    assert report.automatic_precision == 1.0
    assert report.recall_with_review >= 0.99
    assert report.review_share < 0.02
    assert result.diagnosis is not None
    assert result.diagnosis.counts["wrong link"] == 0


def test_the_report_names_what_it_measured(feeds, tmp_path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--feeds", str(feeds), "--model", "shipped", "--out", str(tmp_path)]) == 0
    text = out.getvalue()
    assert "precision of automatic links" in text
    assert "twins/triplets merged: 0" in text
    assert (tmp_path / "memory_links.csv").exists()


@pytest.mark.parametrize("merge_at", [1, 3, 1000])
def test_compact_store_forgets_a_killed_record(merge_at):
    # Sorted in at once, after the second record, and never: the same answers.
    store = CompactStore()
    store.postings.merge_at = merge_at
    record = {"given_names": "Ann", "family_name": "Lee", "date_of_birth": "2015-01-02"}
    p = profile(record, "b")
    t1, t2, t3 = (bytes([n]) * 16 for n in (1, 2, 255))
    first = store.add(7, "a", profile(record, "a"), [t1, t2])
    second = store.add(8, "b", p, [t2])
    assert store.children_holding([t1, t2, t3]) == {t1: {7}, t2: {7, 8}}
    store.kill(first)
    assert store.children_holding([t1, t2]) == {t2: {8}}
    records, sources, unsealed = store.child_records([7, 8])
    assert unsealed == {}  # nothing is sealed in memory
    assert records[7] == []
    assert [(r.record_id, r.profile) for r in records[8]] == [(second, p)]
    assert sources == {7: set(), 8: {"b"}}


@pytest.mark.parametrize("gender", ["female", "male", "unknown", None])
def test_a_held_profile_comes_back_whole(gender):
    # Held without its source (the slot's) and with its sex as one byte.
    store = CompactStore()
    record = {"given_names": "Zoë Ann", "family_name": "O'Neill-Smith",
              "former_family_names": ["Brown"], "date_of_birth": "2015-01-02",
              "gender": gender, "address": {"postcode": "LS1 4AB"},
              "identifiers": {"nhs_number": "9434765919"},
              "carers": [{"given_names": "Mary", "family_name": "Smith"}]}
    slots = {source: store.add(3, source, profile(record, source), [])
             for source in ("school_census", "nhs_demographics")}
    for source, slot in slots.items():
        assert store.profile(slot) == profile(record, source)
    assert store.profile(slots["school_census"]).sex == (
        gender if gender in ("female", "male") else None)


def test_placing_holds_no_token_that_only_a_search_asks_by():
    from contactpoint.matching.blocking import (  # noqa: PLC0415
        SEARCH_ONLY_KEYS,
        index_keys,
        query_keys,
    )

    index = BlindIndex(secrets.token_bytes(32))
    linker = ProbabilisticLinker(index, CompactStore(), load_default_model(), Thresholds())
    record = {"given_names": "Ann", "family_name": "Lee-Smith", "date_of_birth": "2015-01-02",
              "address": {"postcode": "LS1 4AB"}}
    prepared = linker.prepare(record, "school_census")
    keys = index_keys(prepared.profile)
    search_only = {index.token(*k) for k in keys if k[0] in SEARCH_ONLY_KEYS}
    assert len(search_only) == 3  # the date alone, and with each family-name initial
    # All stored for the record (the database's index serves search)...
    assert prepared.stored == {index.token(*k) for k in keys}
    # ...but the in-memory index holds only what placing looks records up by,
    blocking = unpack_tokens(prepared.packed_blocking)
    assert blocking == prepared.stored - search_only
    store = CompactStore()
    store.add_packed(1, "school_census", prepared.profile, prepared.packed_blocking)
    assert len(store.postings) == len(blocking)
    # and placing never asks by the others.
    assert not {index.token(*k) for k in query_keys(prepared.profile)} & search_only


def test_key_map_finds_keys_before_and_after_merging():
    keys = KeyMap(merge_at=4)
    held = {(n * 7919) % 1000 * 2**54 + n: n for n in range(1, 11)}  # big and small keys
    for key, value in held.items():
        keys.put(key, value)
    asked = [*held, 5, 2**63 + 1]  # and two never put
    assert keys.get_many(asked) == held
    assert keys.get_many([]) == {}
    assert len(keys) == 10


def test_merging_keeps_keys_sorted_held_ones_first_and_new_ones_in_order():
    rng = np.random.default_rng(7)
    keys = np.sort(rng.integers(0, 50, 300, dtype=np.uint64))
    values = np.arange(300, dtype=np.uint32)
    more_keys = rng.integers(0, 60, 200, dtype=np.uint64)  # repeats, and keys not held
    more_values = np.arange(300, 500, dtype=np.uint32)
    merged_keys, merged_values = _merged(keys, values, more_keys, more_values)
    # The reference: everything sorted again, stably (held first, new in given order).
    order = np.argsort(np.concatenate((keys, more_keys)), kind="stable")
    assert merged_keys.tolist() == np.concatenate((keys, more_keys))[order].tolist()
    assert merged_values.tolist() == np.concatenate((values, more_values))[order].tolist()
    assert merged_keys.dtype == np.uint64
    assert merged_values.dtype == np.uint32
    empty = np.empty(0, dtype=np.uint64)
    assert _merged(empty, np.empty(0, dtype=np.uint32), more_keys,
                   more_values)[0].tolist() == sorted(more_keys.tolist())


def test_compact_store_finds_every_holder_across_merges():
    store = CompactStore()
    store.postings.merge_at = 7
    tokens = [n.to_bytes(2, "big") * 8 for n in range(40)]
    for child in range(1, 30):
        store.add(child, "a", profile({"given_names": "A", "family_name": "B",
                                       "date_of_birth": "2015-01-02"}),
                  tokens[child % 5: child % 5 + 3])
    held = store.children_holding(tokens)
    expected: dict[bytes, set[int]] = {}
    for child in range(1, 30):
        for token in tokens[child % 5: child % 5 + 3]:
            expected.setdefault(token, set()).add(child)
    assert held == expected


def test_a_record_linked_earlier_in_the_batch_counts_for_its_child():
    """Twins' records arriving one after the other in one batch: once the first is linked
    to its stored child, that child holds a record from this source for the second."""
    def record(given):
        return {"given_names": given, "family_name": "Foster", "date_of_birth": "2026-08-06",
                "gender": "female", "address": {"postcode": "M74 5RP"},
                "carers": [{"given_names": "Kirsty", "family_name": "Foster"}]}

    index = BlindIndex(secrets.token_bytes(32))
    store = CompactStore()
    linker = ProbabilisticLinker(index, store, load_default_model())
    stored = record("Aisha Louise")
    store.add(1, "child_benefit", profile(stored, "child_benefit"), linker.tokens(stored))
    placements = linker.place([record("Aisha Louise"), record("Aishaa")],
                              "nhs_demographics").placements
    assert placements[0].child_id == 1
    second = linker.decisions[1]
    assert second.state != "auto"
    assert any(c.child == 1 and c.same_source for c in second.candidates)


@pytest.fixture(scope="module")
def larger_feeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("larger")
    generate(1500, 12, folder, today=TODAY)
    return folder


@pytest.mark.slow
@both_databases
def test_memory_replay_links_as_the_real_loader_does(larger_feeds, tmp_path, keystore):
    feeds = larger_feeds
    from contactpoint.identity.links import export_links  # noqa: PLC0415
    from contactpoint.loading.loader import ingest_file  # noqa: PLC0415  (needs Django)
    from contactpoint.matching.probabilistic import ProbabilisticLinker  # noqa: PLC0415
    from contactpoint.matching.store import IndexStore  # noqa: PLC0415

    model, thresholds = load_default_model(), Thresholds()
    for feed in feed_files(feeds):
        linker = ProbabilisticLinker(keystore.blind_index, IndexStore(keystore), model,
                                     thresholds)
        ingest_file(feed.stem, feed, today=TODAY, linker=linker)
    export_links(tmp_path / "real.csv")
    memory = run(feeds, model, tmp_path, thresholds=thresholds, today=TODAY,
                 in_process=True, diagnose=False)

    real_groups, real_states = partition(tmp_path / "real.csv")
    memory_groups, memory_states = partition(memory.links_csv)
    assert memory_groups == real_groups
    assert memory_states == real_states
    # The comparison covers every kind of decision, not only the easy ones.
    assert set(memory_states.values()) == {"new", "auto", "review"}


@pytest.mark.parametrize("merge_at", [1, 50, 10**6])
def test_the_batch_answer_is_what_the_linker_would_choose_token_by_token(merge_at):
    """CompactStore.compared_children against probabilistic._compared over
    children_holding: killed slots, a token too common to count, identifiers (which count
    alone), tokens no one holds, and postings both merged and not yet merged."""
    rng = np.random.default_rng(3)
    tokens = [secrets.token_bytes(16) for _ in range(200)]
    common = tokens[0]  # held by more children than the limit below
    store = CompactStore()
    store.postings.merge_at = merge_at
    p = profile({"given_names": "Ann", "family_name": "Lee", "date_of_birth": "2015-01-02"})
    slots = []
    for _child in range(1, 400):
        held = {tokens[i] for i in rng.integers(1, 200, size=4)} | {common}
        slots.append(store.add(int(rng.integers(1, 250)), "a", p, held))
    for slot in rng.choice(slots, size=80, replace=False).tolist():
        store.kill(slot)
    prepared = []
    for _ in range(40):
        query = {tokens[i] for i in rng.integers(0, 200, size=6)} | {secrets.token_bytes(16)}
        identifiers = set(list(query)[:int(rng.integers(0, 3))])
        prepared.append(Prepared.of(p, query, set(), identifiers))
    prepared.append(Prepared.of(p, {secrets.token_bytes(16)}, set()))  # held by no one
    limit = 100
    holding = store.children_holding(set().union(*(q.query for q in prepared)))
    assert len(holding[common]) > limit  # the limit is exercised
    holding = {t: c for t, c in holding.items() if len(c) <= limit}
    expected = [_compared(holding, q.query, q.identifiers) for q in prepared]
    assert any(expected)
    assert not all(expected)
    assert store.compared_children(prepared, max_children=limit, min_shared=2) == expected
    assert store.compared_children([], max_children=limit, min_shared=2) == []


@pytest.mark.parametrize("size", [1, 5, 1000, 60_000])
def test_a_shard_is_searched_through_its_directory_as_searchsorted_would(size):
    rng = np.random.default_rng(size)
    top = np.uint64(5 << 60)  # one shard's keys share their top four bits
    keys = rng.integers(0, 1 << 60, size, dtype=np.uint64) | top
    common = keys[0]
    keys = np.sort(np.concatenate((keys, np.full(500, common, dtype=np.uint64))))
    asked = np.unique(np.concatenate((
        rng.choice(keys, 300), rng.integers(0, 1 << 60, 300, dtype=np.uint64) | top,
        np.array([top, top | np.uint64((1 << 60) - 1), common], dtype=np.uint64))))
    lo, count = _ranges_in_directory(keys, _directory(keys), asked)
    assert lo.tolist() == np.searchsorted(keys, asked, "left").tolist()
    assert (lo + count).tolist() == np.searchsorted(keys, asked, "right").tolist()
    assert count.max() >= 501  # the common key, and the rest found too


def test_earlier_rows_sharing_a_token_are_found_as_by_brute_force():
    rng = np.random.default_rng(5)
    tokens = [secrets.token_bytes(16) for _ in range(300)]
    p = profile({"given_names": "Ann", "family_name": "Lee", "date_of_birth": "2015-01-02"})
    prepared = [Prepared.of(p, {tokens[i] for i in rng.integers(0, 300, size=8)},
                            {tokens[i] for i in rng.integers(0, 300, size=5)})
                for _ in range(60)]
    expected = {}
    for i, row in enumerate(prepared):
        earlier = {j for j in range(i) if prepared[j].stored & row.query}
        if earlier:
            expected[i] = earlier
    assert expected  # rows that share, and (below) rows that do not
    assert len(expected) < len(prepared) - 1
    assert CompactStore.earlier_sharing(prepared) == expected
