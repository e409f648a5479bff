"""The probabilistic linker behind the real loader, on a synthetic population."""

import csv
import itertools
from collections import Counter, defaultdict
from datetime import date

import pytest

from contactpoint.identity.links import export_links
from contactpoint.loading.loader import ingest_file
from contactpoint.matching.decide import Thresholds
from contactpoint.matching.probabilistic import ProbabilisticLinker
from contactpoint.matching.store import IndexStore
from contactpoint.matching.training import (
    feed_profiles,
    level_distribution,
    random_pairs,
    session_pairs,
    train,
)
from contactpoint.synth import generate
from databases import both_databases

pytestmark = both_databases
TODAY = date(2026, 11, 22)


def feeds(folder):
    return [f for f in sorted(folder.glob("*.jsonl")) if not f.name.endswith(".rejects.jsonl")]


def trained_model(folder):
    """Unsupervised, as on a first national load: no labels are used."""
    profiles = [p for feed in feeds(folder) for _, p in feed_profiles(feed, TODAY)]
    return train(session_pairs(profiles), level_distribution(random_pairs(profiles, 50_000)),
                 prior=0.3)


def pairs(groups):
    return {pair for members in groups.values()
            for pair in itertools.combinations(sorted(members), 2)}


@pytest.mark.slow
def test_sources_join_into_children_without_merging_people(tmp_path, keystore):
    folder = tmp_path / "feeds"
    generate(800, 5, folder, today=TODAY)
    model = trained_model(folder)
    summaries = []
    for feed in feeds(folder):
        linker = ProbabilisticLinker(keystore.blind_index, IndexStore(keystore), model,
                                     Thresholds(link=20, review=8, margin=6))
        summaries.append(ingest_file(feed.stem, feed, today=TODAY, linker=linker))
    export_links(tmp_path / "links.csv")

    with open(folder / "truth.csv", encoding="utf-8") as fh:
        person = {(r["source"], r["source_id"]): r["person_id"] for r in csv.DictReader(fh)}
    with open(tmp_path / "links.csv", encoding="utf-8") as fh:
        links = list(csv.DictReader(fh))
    by_child, by_person, states = defaultdict(set), defaultdict(set), Counter()
    for row in links:
        key = (row["source"], row["source_id"])
        by_child[row["contactpoint_id"]].add(key)
        by_person[person[key]].add(key)
        states[row["state"]] += 1
    predicted, true = pairs(by_child), pairs(by_person)
    precision = len(predicted & true) / len(predicted)
    recall = len(predicted & true) / len(true)
    merged = sum(1 for members in by_child.values() if len({person[k] for k in members}) > 1)
    print(f"\nprecision {precision:.4f} recall {recall:.4f} children {len(by_child)} "
          f"people {len(by_person)} merged {merged} states {dict(states)}")
    assert sum(s.created + s.linked + s.review for s in summaries) == len(links)
    assert precision >= 0.995
    assert recall >= 0.9
    assert merged <= len(by_child) * 0.005
    assert states["review"] <= len(links) * 0.05
