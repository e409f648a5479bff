"""Pairwise precision and recall of clusters at every match-weight threshold, in one pass.

Clustering at a threshold joins records connected by links scoring at least that much
(connected components). Taking the links from the best score down and joining with a
union-find gives the clusters at every threshold in turn, so one pass over the links
scores every threshold: when two clusters join, the new predicted pairs are the product
of their sizes and the new correct pairs are, per person, the product of that person's
records on each side. The smaller cluster's person counts are folded into the larger
one's, so each record moves O(log n) times. This is how a peer matcher's best threshold
is found without clustering it again for each candidate threshold.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from contactpoint.bench.accuracy import PairwiseScores, pairs


@dataclass(frozen=True)
class PairFigures(PairwiseScores):
    """Pairwise figures of the clusters made by links scoring at least `threshold`."""

    threshold: float  # a match weight (log2 of the likelihood ratio, prior included)
    predicted_pairs: int
    correct_pairs: int
    true_pairs: int

    @property
    def match_probability(self) -> float:
        return 1 / (1 + 2 ** -self.threshold) if self.threshold > -1000 else 0.0


@dataclass(frozen=True)
class SweepResult:
    best: PairFigures  # the highest F1; of equal ones, the highest threshold
    #: A threshold for clustering that gives exactly `best`'s clusters: halfway between
    #: the lowest weight `best` includes and the next one below, clear of rounding.
    best_cut: float
    grid: list[PairFigures]  # at each threshold asked for, highest first


class _Clusters:
    """Union-find over records, each root holding its cluster's count of each person."""

    def __init__(self, persons: Sequence[int]) -> None:
        self.persons = persons
        self.parent = list(range(len(persons)))
        self.size = [1] * len(persons)
        self.counts: dict[int, Counter[int]] = {}  # roots of clusters of two or more
        self.predicted = self.correct = 0

    def find(self, node: int) -> int:
        parent = self.parent
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    def _counts(self, root: int) -> Counter[int]:
        return self.counts.pop(root, None) or Counter({self.persons[root]: 1})

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        big, small = self._counts(ra), self._counts(rb)
        self.predicted += self.size[ra] * self.size[rb]
        for person, n in small.items():
            self.correct += n * big[person]
            big[person] += n
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        self.counts[ra] = big


def sweep(persons: Sequence[int], links: Sequence[tuple[float, int, int]],
          grid: Sequence[float] = ()) -> SweepResult:
    """Score clusters at every threshold. `persons[i]` is record i's true person;
    `links` are (match weight, record, record); `grid` the thresholds to report.
    """
    true_pairs = sum(pairs(n) for n in Counter(persons).values())
    clusters = _Clusters(persons)
    ordered = sorted(links, key=lambda link: -link[0])
    wanted = sorted(grid, reverse=True)
    at: list[PairFigures] = []
    best = PairFigures(math.inf, 0, 0, true_pairs)  # no links at all
    best_f1 = -1.0
    best_index = -1
    i = 0
    while True:
        weight = ordered[i][0] if i < len(ordered) else -math.inf
        while wanted and wanted[0] > weight:  # every link at or above it is in
            at.append(PairFigures(wanted.pop(0), clusters.predicted, clusters.correct,
                                  true_pairs))
        if i == len(ordered):
            break
        while i < len(ordered) and ordered[i][0] == weight:
            clusters.join(ordered[i][1], ordered[i][2])
            i += 1
        figures = PairFigures(weight, clusters.predicted, clusters.correct, true_pairs)
        score = figures.f1 or 0.0
        if score > best_f1:
            best, best_f1, best_index = figures, score, i
    below = ordered[best_index][0] if 0 <= best_index < len(ordered) else best.threshold - 1
    return SweepResult(best, (best.threshold + below) / 2, at)
