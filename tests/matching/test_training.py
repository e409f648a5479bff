"""EM on a synthetic population separates true pairs from look-alikes.

A coarse check that training works end to end; the accuracy benchmark measures the
matcher properly against truth.csv at scale.
"""

import csv
import itertools
from collections import defaultdict
from datetime import date

import pytest

from contactpoint.matching.blocking import index_keys
from contactpoint.matching.compare import INDEX, observe
from contactpoint.matching.model import MatchModel
from contactpoint.matching.training import (
    feed_profiles,
    level_distribution,
    random_pairs,
    session_pairs,
    train,
)
from contactpoint.synth import generate

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feeds")
    generate(1500, 21, folder, today=TODAY)
    with open(folder / "truth.csv", encoding="utf-8") as fh:
        truth = {(r["source"], r["source_id"]): r["person_id"] for r in csv.DictReader(fh)}
    profiles, people = [], []
    for feed in sorted(folder.glob("*.jsonl")):
        for source_id, p in feed_profiles(feed, TODAY):
            profiles.append(p)
            people.append(truth[(feed.stem, source_id)])
    return profiles, people


def test_trained_model_ranks_true_pairs_above_look_alikes(population):
    profiles, people = population
    index = defaultdict(list)
    for i, p in enumerate(profiles):
        for key in index_keys(p):
            index[key].append(i)
    blocked = {pair for members in index.values()
               for pair in itertools.combinations(sorted(members), 2)}
    sessions = session_pairs(profiles, max_block=None)
    u = level_distribution(random_pairs(profiles, 50_000))
    model = train(sessions, u, prior=0.3)

    same = {pair for pair in blocked if people[pair[0]] == people[pair[1]]}
    scores = {pair: model.score(observe(profiles[pair[0]], profiles[pair[1]]))
              for pair in blocked}
    linked = {pair for pair, score in scores.items() if score >= 20}
    precision = len(linked & same) / len(linked)
    recall = len(linked & same) / len(same)
    assert precision > 0.95, precision
    assert recall > 0.95, recall
    # Agreement weighs for a match, disagreement against, on every identifying field.
    for name in ("given_name", "family_name", "date_of_birth", "household"):
        i = INDEX[name]
        last = len(model.m[i]) - 1
        assert model.level_weight(i, 0) > 0 > model.level_weight(i, last), name
    assert MatchModel.from_json(model.as_json()).as_json() == model.as_json()
