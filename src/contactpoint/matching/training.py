"""Estimating the model from the data: u from random pairs, m by expectation-maximisation.

Splink's recipe, done in plain Python over comparison vectors: u is the distribution of
levels among random pairs (almost all non-matches); m and the prior are fitted by EM on
blocked pairs with u held fixed. Identifier agreement is left in the data (the index
has no labels), so the fit is unsupervised, as it would be on a real first load.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import orjson

from contactpoint.feeds.validate import RowRejected, validate_row
from contactpoint.matching.blocking import index_keys
from contactpoint.matching.compare import COMPARISONS, Level, observe
from contactpoint.matching.model import FLOOR, GIVEN_NAME_KEY, MatchModel, default_model
from contactpoint.matching.names import phonetic
from contactpoint.matching.profile import Profile, profile

Vector = tuple[Level, ...]


def level_distribution(vectors: Sequence[Vector], smoothing: float = 1.0) -> list[list[float]]:
    """Per comparison, the share of non-null vectors at each level (Laplace smoothed)."""
    out = []
    for i, comparison in enumerate(COMPARISONS):
        counts = Counter(v[i] for v in vectors if v[i] is not None)
        total = sum(counts.values()) + smoothing * len(comparison.levels)
        out.append([(counts[j] + smoothing) / total for j in range(len(comparison.levels))])
    return out


def random_pairs(profiles: Sequence[Profile], pairs: int, seed: int = 0) -> list[Vector]:
    rng = random.Random(seed)  # noqa: S311  (sampling pairs, not secrets)
    n = len(profiles)
    if n < 2:
        return []
    out = []
    for _ in range(pairs):
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            out.append(observe(profiles[a], profiles[b]))
    return out


def _likelihood(vector: Vector, probs: list[list[float]]) -> float:
    total = 0.0
    for i, level in enumerate(vector):
        if level is not None:
            total += math.log(max(probs[i][level], FLOOR))
    return total


def expectation_maximisation(vectors: Sequence[Vector], u: list[list[float]], *,
                             active: set[str] | None = None, start: MatchModel | None = None,
                             iterations: int = 40, tolerance: float = 1e-6) -> MatchModel:
    """Fit m and the prior to blocked pairs with u fixed.

    Only `active` comparisons take part: the fields a set of pairs was blocked on agree
    by construction, so they say nothing about m there (Splink's training sessions).
    """
    model = start or default_model()
    used = [active is None or c.name in active for c in COMPARISONS]
    m, prior = [row[:] for row in model.m], 0.5
    counted = Counter(tuple(lv if used[i] else None for i, lv in enumerate(v)) for v in vectors)
    for _ in range(iterations):
        weights: dict[Vector, float] = {}
        for vector in counted:
            log_match = math.log(prior) + _likelihood(vector, m)
            log_non = math.log(1 - prior) + _likelihood(vector, u)
            diff = max(min(log_non - log_match, 700), -700)
            weights[vector] = 1 / (1 + math.exp(diff))
        total = sum(counted.values())
        expected = sum(weights[v] * n for v, n in counted.items())
        new_prior = min(max(expected / total, 1e-9), 1 - 1e-9)
        new_m = [row[:] for row in m]
        for i, comparison in enumerate(COMPARISONS):
            if not used[i]:
                continue
            sums = [0.0] * len(comparison.levels)
            for vector, n in counted.items():
                level = vector[i]
                if level is not None:
                    sums[level] += weights[vector] * n
            denominator = sum(sums) + 1e-9 * len(sums)
            new_m[i] = [(s + 1e-9) / denominator for s in sums]
        change = abs(new_prior - prior) + max(
            abs(a - b) for row_a, row_b in zip(new_m, m, strict=True)
            for a, b in zip(row_a, row_b, strict=True))
        m, prior = new_m, new_prior
        if change < tolerance:
            break
    return MatchModel(prior=prior, m=m, u=u, term_frequencies=dict(model.term_frequencies))


#: Training sessions: pairs blocked on some fields train m for the others. Where the
#: child lives is trained on pairs agreeing on date of birth and the sound of both names,
#: nearly all the same child: on pairs sharing only a date and one name sound, EM took
#: strangers for matches and learnt that a child's records often name other carers.
SESSIONS: dict[str, set[str]] = {
    "blk:dob+name": {"sex", "nhs_number", "upn"},
    "trn:dob+names": {"household", "sex", "nhs_number", "upn"},
    "blk:postcode+dob": {"given_name", "family_name", "names_swapped", "sex", "nhs_number",
                         "upn"},
    "blk:year+names": {"date_of_birth", "sex"},
}
#: Comparisons that take part in a session's EM, to tell matches from the rest, without
#: their m being taken from it.
HELPING: dict[str, set[str]] = {
    "blk:dob+name": {"household"},
    "blk:year+names": {"household"},
}


def training_keys(p: Profile) -> set[tuple[str, ...]]:
    """The blocking keys of the training sessions: the index's, and date of birth with
    the sounds of the first given name and the family name."""
    keys = {key for key in index_keys(p) if key[0] in SESSIONS}
    if p.first_given and p.family:
        keys.add(("trn:dob+names", p.dob, phonetic(p.first_given),
                  phonetic(p.family_full.replace(" ", ""))))
    return keys


#: A first given name is kept in the model when at least this many records carry it:
#: enough to be a name in use (a typo is rare), and no name rare enough to point at a child.
MIN_NAME_RECORDS = 5


def given_name_shares(profiles: Sequence[Profile],
                      min_records: int = MIN_NAME_RECORDS) -> dict[str, float]:
    """term_frequencies entries of the first given names in use: share of records."""
    counts = Counter(p.first_given for p in profiles if p.first_given)
    total = max(len(profiles), 1)
    return {GIVEN_NAME_KEY + name: n / total for name, n in sorted(counts.items())
            if n >= min_records}


def train(session_pairs: Mapping[str, Sequence[Vector]], u: list[list[float]],
          prior: float) -> MatchModel:
    """m averaged over the sessions where each comparison was free; the prior given."""
    sums = [[0.0] * len(c.levels) for c in COMPARISONS]
    counts = [0] * len(COMPARISONS)
    for kind, vectors in session_pairs.items():
        if not vectors:
            continue
        fitted = expectation_maximisation(vectors, u,
                                          active=SESSIONS[kind] | HELPING.get(kind, set()))
        for i, comparison in enumerate(COMPARISONS):
            if comparison.name in SESSIONS[kind]:
                sums[i] = [a + b for a, b in zip(sums[i], fitted.m[i], strict=True)]
                counts[i] += 1
    start = default_model()
    m = [[v / counts[i] for v in sums[i]] if counts[i] else start.m[i]
         for i in range(len(COMPARISONS))]
    return MatchModel(prior=prior, m=m, u=u)


def feed_profiles(path: Path, today: date) -> Iterator[tuple[str, Profile]]:
    """(source id, profile) of every loadable row of a feed file, as the loader sees it."""
    now = datetime.now(UTC)
    for line, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            valid = validate_row(line, orjson.loads(raw), today=today, now=now)
        except (RowRejected, orjson.JSONDecodeError):
            continue
        if valid.record is not None:
            yield valid.source_id, profile(valid.record, path.stem)


def session_pairs(profiles: Sequence[Profile],
                  max_block: int | None = 50) -> dict[str, list[Vector]]:
    """Comparison vectors of the pairs sharing a training session's blocking key.

    Blocks larger than `max_block` are left out: they are too common to be informative
    and their pairs grow with the square of their size.
    """
    blocks: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, p in enumerate(profiles):
        for key in training_keys(p):
            blocks[key].append(i)
    sessions: dict[str, list[Vector]] = {kind: [] for kind in SESSIONS}
    for key, members in blocks.items():
        if max_block is None or len(members) <= max_block:
            sessions[key[0]].extend(observe(profiles[a], profiles[b])
                                    for a, b in itertools.combinations(members, 2))
    return sessions


#: Random pairs drawn to estimate u; the prior every trained model starts from.
RANDOM_PAIRS = 200_000
PRIOR = 0.3


def train_on_feeds(feeds: Sequence[Path], today: date, *, pairs: int = RANDOM_PAIRS,
                   prior: float = PRIOR, seed: int = 0) -> MatchModel:
    """A model trained without labels on feed files, as on an operator's first load."""
    profiles = [p for feed in feeds for _, p in feed_profiles(feed, today)]
    u = level_distribution(random_pairs(profiles, pairs, seed))
    model = train(session_pairs(profiles), u, prior)
    model.term_frequencies.update(given_name_shares(profiles))
    return model
