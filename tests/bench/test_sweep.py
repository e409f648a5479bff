"""The one-pass threshold sweep equals clustering at each threshold and counting pairs."""

from __future__ import annotations

import random
from itertools import combinations

import pytest

from contactpoint.bench.sweep import sweep


def _clusters_at(n, links, threshold):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for weight, a, b in links:
        if weight >= threshold:
            parent[find(a)] = find(b)
    return [find(i) for i in range(n)]


def _counted(persons, cluster):
    predicted = correct = 0
    for i, j in combinations(range(len(persons)), 2):
        if cluster[i] == cluster[j]:
            predicted += 1
            correct += persons[i] == persons[j]
    return predicted, correct


def test_a_worked_example():
    # Records 0,1,2 are person 7; 3 is person 8. Links: 0-1 at 10, 1-3 at 5, 2-3 at 1.
    persons = [7, 7, 7, 8]
    links = [(5.0, 1, 3), (10.0, 0, 1), (1.0, 2, 3)]
    result = sweep(persons, links, grid=[20, 10, 6, 5, 0])
    got = [(f.threshold, f.predicted_pairs, f.correct_pairs) for f in result.grid]
    # 20: none; 10 and 6: {0,1}; 5: {0,1,3} (3 pairs, 1 right); 0: all (6 pairs, 3 right).
    assert got == [(20, 0, 0), (10, 1, 1), (6, 1, 1), (5, 3, 1), (0, 6, 3)]
    assert result.grid[0].true_pairs == 3
    # F1 at 10: precision 1, recall 1/3, so 1/2; at 5: 1/3 and 1/3; at 1: 1/2 and 1, so 2/3.
    assert result.best.threshold == 1.0
    assert result.best.f1 == pytest.approx(2 / 3)
    assert result.best_cut == 0.5  # below the lowest link: halfway to one less


@pytest.mark.parametrize("seed", range(6))
def test_sweep_equals_clustering_at_each_threshold(seed):
    rng = random.Random(seed)
    n = 60
    persons = [rng.randrange(25) for _ in range(n)]
    links = []
    for _ in range(90):
        a, b = rng.sample(range(n), 2)
        right = persons[a] == persons[b]
        links.append((round(rng.gauss(8 if right else 0, 4)), a, b))  # ties on purpose
    grid = [15, 10, 7.5, 4, 0, -3, -20]
    result = sweep(persons, links, grid)
    for figures in result.grid:
        cluster = _clusters_at(n, links, figures.threshold)
        assert (figures.predicted_pairs, figures.correct_pairs) == _counted(persons, cluster)
    scores = []
    for weight in sorted({w for w, _, _ in links}, reverse=True):
        predicted, correct = _counted(persons, _clusters_at(n, links, weight))
        true = result.best.true_pairs
        f1 = 2 * correct / (predicted + true) if predicted + true else 0.0
        scores.append((f1, weight))
    best_f1 = max(f for f, _ in scores)
    assert result.best.f1 == pytest.approx(best_f1)
    assert result.best.threshold == max(w for f, w in scores if f == pytest.approx(best_f1))
    # The cut reproduces the best clusters exactly.
    cut_clusters = _clusters_at(n, links, result.best_cut)
    assert _counted(persons, cut_clusters) == (result.best.predicted_pairs,
                                                result.best.correct_pairs)


def test_no_links_scores_nothing():
    result = sweep([1, 1, 2], [], grid=[0])
    assert result.grid[0].predicted_pairs == 0
    assert result.grid[0].recall == 0
    assert result.best.precision is None
