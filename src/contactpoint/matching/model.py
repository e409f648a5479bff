"""The Fellegi-Sunter model: m and u probabilities per comparison level, and scoring.

A pair's match weight is the log2 likelihood ratio summed over comparisons, plus the
prior log-odds; with term-frequency adjustment, an exact agreement on a common name
counts for less than on a rare one (u is then the name's own frequency). Weights are
estimated from the data (matching.training): u from random pairs, m by
expectation-maximisation over blocked pairs. Pure Python, serialisable to JSON so the
national operator can inspect and pin a trained model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from contactpoint.matching.compare import COMPARISONS, INDEX, Level

#: Comparisons whose exact level is adjusted by how common the value is.
TF_COMPARISONS = {"given_name": "first_given", "family_name": "family_full"}
#: Floor on any probability, so no single level can dominate by a division by ~0.
FLOOR = 1e-6
#: term_frequencies key of a given name in use: "given_name:" and the folded name.
GIVEN_NAME_KEY = "given_name:"


@dataclass(frozen=True)
class Contribution:
    comparison: str
    level: str
    weight: float


@dataclass
class MatchModel:
    prior: float
    m: list[list[float]]
    u: list[list[float]]
    #: Share of records holding each value, keyed by the caller (a blind-index token).
    term_frequencies: dict[str, float] = field(default_factory=dict)
    #: How given names are keyed in `term_frequencies`: as they are (the shipped file), or
    #: by a keyed token when the table is stored in the index (matching.configuration).
    name_key: Callable[[str], str] | None = field(default=None, compare=False, repr=False)

    #: Every level's weight, worked out once (m and u are never changed in place:
    #: training builds a new model).
    _weights: list[list[float]] | None = field(default=None, init=False, compare=False,
                                               repr=False)

    def level_weight(self, comparison: int, level: int) -> float:
        if self._weights is None:
            self._weights = [[math.log2(max(m, FLOOR) / max(u, FLOOR))
                              for m, u in zip(ms, us, strict=True)]
                             for ms, us in zip(self.m, self.u, strict=True)]
        return self._weights[comparison][level]

    def weight(self, levels: Sequence[Level],
               tf_key: Callable[[str], str | None] | None = None) -> float:
        """The match weight of a comparison vector, without building its explanation
        (the loader scores thousands of pairs a second and explains only the best)."""
        if tf_key is not None:
            return self.score(levels, tf_key)
        total = self.prior_weight
        for i, level in enumerate(levels):
            if level is not None:
                total += self.level_weight(i, level)
        return total

    def contributions(self, levels: Sequence[Level],
                      tf_key: Callable[[str], str | None] | None = None) -> list[Contribution]:
        """Each non-null comparison's level and weight: the explanation of a score."""
        out = []
        for i, level in enumerate(levels):
            if level is None:
                continue
            comparison = COMPARISONS[i]
            weight = self.level_weight(i, level)
            if level == 0 and tf_key is not None and comparison.name in TF_COMPARISONS:
                freq = self.term_frequencies.get(tf_key(comparison.name) or "")
                if freq:
                    weight = math.log2(max(self.m[i][0], FLOOR) / max(freq, FLOOR))
            out.append(Contribution(comparison.name, comparison.levels[level], weight))
        return out

    def given_name_share(self, name: str) -> float:
        """Share of records whose first given name is this (folded) name; 0 when unknown."""
        key = self.name_key(name) if self.name_key is not None else name
        return self.term_frequencies.get(GIVEN_NAME_KEY + key, 0.0)

    def established_given_name(self, name: str) -> bool:
        """A name many children are given, not a slip of the keyboard (training keeps only
        names seen often enough: matching.training.given_name_shares)."""
        return self.given_name_share(name) > 0

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    def score(self, levels: Sequence[Level],
              tf_key: Callable[[str], str | None] | None = None) -> float:
        return self.prior_weight + sum(c.weight for c in self.contributions(levels, tf_key))

    @staticmethod
    def probability(weight: float) -> float:
        return 1 / (1 + 2 ** -weight)

    def as_json(self) -> dict[str, Any]:
        return {
            "prior": self.prior,
            "comparisons": [
                {"name": c.name, "levels": [
                    {"label": label, "m": self.m[i][j], "u": self.u[i][j]}
                    for j, label in enumerate(c.levels)]}
                for i, c in enumerate(COMPARISONS)],
            "term_frequencies": self.term_frequencies,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> MatchModel:
        by_name = {c["name"]: c for c in doc["comparisons"]}
        m, u = [], []
        for comparison in COMPARISONS:
            levels = by_name[comparison.name]["levels"]
            if len(levels) != len(comparison.levels):
                raise ValueError(f"model has {len(levels)} levels for {comparison.name}, "
                                 f"the code {len(comparison.levels)}: retrain it")
            m.append([lv["m"] for lv in levels])
            u.append([lv["u"] for lv in levels])
        return cls(doc["prior"], m, u, dict(doc.get("term_frequencies") or {}))


def default_model() -> MatchModel:
    """Starting values before any training: plausible, deliberately cautious."""
    m: list[list[float]] = []
    u: list[list[float]] = []
    for comparison in COMPARISONS:
        n = len(comparison.levels)
        # m: most true matches agree exactly; u: most random pairs land on the last level.
        m.append([0.9 if j == 0 else 0.1 / (n - 1) for j in range(n)])
        u.append([0.01 / (n - 1) if j < n - 1 else 0.99 for j in range(n)])
    i = INDEX["names_swapped"]
    m[i], u[i] = [0.01, 0.99], [0.0001, 0.9999]
    return MatchModel(prior=1e-4, m=m, u=u)


DEFAULT_MODEL_FILE = "data/default_model.json"


def load_default_model() -> MatchModel:
    """The model shipped with the code (matching/data/default_model.json), for an operator
    who has not trained their own. Trained without labels on a synthetic population whose
    seed no benchmark uses; rebuilt by `python -m contactpoint.matching.default_model`."""
    text = files("contactpoint.matching").joinpath(DEFAULT_MODEL_FILE).read_text("utf-8")
    return MatchModel.from_json(json.loads(text))
