"""Scoring a matcher's links against the synthetic truth, pairwise (docs/benchmarks.md).

`links.csv` (what `contactpoint links` writes, or Splink's clusters written the same
way) says which child each source record became; `truth.csv` says which person each
record really is. Two records are a *predicted pair* when they share a contactpoint_id
and a *true pair* when they share a person_id. Pairs are never listed: a million
children make about 2.7 million records and a few million pairs, but each figure is a
sum of n-choose-2 over groups (a child, a person, a child-and-person cell), so the
work is one pass over each file and memory grows with records, not pairs.

Pure Python, no Django: it reads two CSV files, so it scores any matcher, ours or a
peer, the same way.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

STATES = ("auto", "manual", "review", "new")
_STATE_CODE = {state: code for code, state in enumerate(STATES)}
_REVIEW = _STATE_CODE["review"]
#: The machine's own links: a record that made a child, and those linked to it unaided.
_AUTOMATIC = frozenset({_STATE_CODE["auto"], _STATE_CODE["new"]})


def pairs(n: int) -> int:
    """Pairs among n records: n choose 2."""
    return n * (n - 1) // 2


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (no pairs to judge)."""
    return part / whole if whole else None


class PairwiseScores:
    """Precision, recall and F1 of anything counting predicted, correct and true pairs."""

    correct_pairs: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float | None:
        return ratio(self.correct_pairs, self.predicted_pairs)

    @property
    def recall(self) -> float | None:
        return ratio(self.correct_pairs, self.true_pairs)

    @property
    def f1(self) -> float | None:
        return f1(self.precision, self.recall)


@dataclass(frozen=True)
class AccuracyReport(PairwiseScores):
    """Pairwise accuracy of one set of links. Field comments say what each counts."""

    records_in_truth: int
    records_scored: int  # in both files: the records every figure below is about
    records_rejected: int  # in truth.csv but not in links.csv: not loaded, left out
    records_unknown: int  # in links.csv but not in truth.csv: left out
    persons: int  # distinct person_ids among the records scored
    children: int  # distinct contactpoint_ids among the records scored
    states: dict[str, int] = field(default_factory=dict)
    true_pairs: int = 0
    predicted_pairs: int = 0  # sharing a contactpoint_id, whatever the records' states
    correct_pairs: int = 0  # predicted and true
    automatic_pairs: int = 0  # predicted, both records `auto` or `new` (no person involved)
    correct_automatic_pairs: int = 0
    #: True pairs found by a link, or left to a person: either record is in review.
    found_with_review_pairs: int = 0
    review_records: int = 0
    review_true_matches: int = 0  # review records whose person has another record
    wrongly_merged_children: int = 0  # contactpoint_ids holding more than one person
    #: contactpoint_ids holding two children of one birth; None without births.csv.
    twins_merged: int | None = None
    multiple_birth_children: int | None = None  # twins and triplets among the persons
    missed_matches: int = 0  # persons whose records are split over several children

    @property
    def automatic_precision(self) -> float | None:
        return ratio(self.correct_automatic_pairs, self.automatic_pairs)

    @property
    def recall_with_review(self) -> float | None:
        return ratio(self.found_with_review_pairs, self.true_pairs)

    @property
    def review_share(self) -> float | None:
        return ratio(self.review_records, self.records_scored)


def f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


class LinksFileError(ValueError):
    """links.csv or truth.csv is not what `contactpoint links` or `synth` writes."""


def _rows(path: Path, header: list[str]) -> Iterable[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        found = next(reader, None)
        if found != header:
            raise LinksFileError(f"{path}: header is {found}, expected {','.join(header)}")
        for row in reader:
            if len(row) != len(header):
                raise LinksFileError(f"{path}, line {reader.line_num}: {len(row)} fields, "
                                     f"expected {len(header)}")
            yield row


def _read_links(path: Path) -> tuple[dict[str, dict[str, int]], int]:
    """source -> source_id -> (child index * 4 + state code): one int per record.

    Per-source dictionaries of small ints keep a million children's links to a few
    hundred MiB; the source id is the only string held.
    """
    links: dict[str, dict[str, int]] = defaultdict(dict)
    children: dict[str, int] = {}
    for source, source_id, cp_id, state in _rows(
            path, ["source", "source_id", "contactpoint_id", "state"]):
        code = _STATE_CODE.get(state)
        if code is None:
            raise LinksFileError(f"{path}: state {state!r} is not one of {', '.join(STATES)}")
        by_id = links[source]
        if source_id in by_id:
            raise LinksFileError(f"{path}: {source} {source_id} is listed twice")
        by_id[source_id] = children.setdefault(cp_id, len(children)) * 4 + code
    return links, len(children)


def _read_births(path: Path) -> dict[str, str]:
    return {person: birth for person, birth, _ in
            _rows(path, ["person_id", "birth_id", "children_in_birth"])}


@dataclass
class _Cell:
    """The records of one person in one child: all, the machine's own, not in review."""

    records: int = 0
    automatic: int = 0
    not_review: int = 0


def evaluate(links_csv: Path, truth_csv: Path, births_csv: Path | None = None) -> AccuracyReport:
    """Score links.csv against truth.csv (and births.csv for twins): see AccuracyReport."""
    links, _ = _read_links(Path(links_csv))
    person_index: dict[str, int] = {}
    cells: dict[tuple[int, int], _Cell] = {}
    states: Counter[str] = Counter()
    in_truth = rejected = 0
    for source, source_id, person_id in _rows(Path(truth_csv),
                                              ["source", "source_id", "person_id"]):
        in_truth += 1
        packed = links.get(source, {}).pop(source_id, None)
        if packed is None:
            rejected += 1
            continue
        child, code = divmod(packed, 4)
        person = person_index.setdefault(person_id, len(person_index))
        cell = cells.get((child, person))
        if cell is None:
            cell = cells[(child, person)] = _Cell()
        cell.records += 1
        cell.automatic += code in _AUTOMATIC
        cell.not_review += code != _REVIEW
        states[STATES[code]] += 1
    unknown = sum(len(by_id) for by_id in links.values())
    del links
    births = _read_births(Path(births_csv)) if births_csv else None
    birth_of = ({person_index[p]: b for p, b in births.items() if p in person_index}
                if births is not None else None)
    return _report(cells, birth_of, in_truth=in_truth, rejected=rejected, unknown=unknown,
                   states=states)


def _report(cells: dict[tuple[int, int], _Cell], birth_of: dict[int, str] | None, *,
            in_truth: int, rejected: int, unknown: int, states: Counter[str]) -> AccuracyReport:
    child_records: Counter[int] = Counter()
    child_automatic: Counter[int] = Counter()
    child_persons: Counter[int] = Counter()
    person_records: Counter[int] = Counter()
    person_not_review: Counter[int] = Counter()
    person_children: Counter[int] = Counter()
    correct = correct_automatic = correct_not_review = 0
    for (child, person), cell in cells.items():
        correct += pairs(cell.records)
        correct_automatic += pairs(cell.automatic)
        correct_not_review += pairs(cell.not_review)
        child_records[child] += cell.records
        child_automatic[child] += cell.automatic
        child_persons[child] += 1
        person_records[person] += cell.records
        person_not_review[person] += cell.not_review
        person_children[person] += 1
    true_pairs = sum(pairs(n) for n in person_records.values())
    # A true pair is missed only when it is split and neither record waits for a person.
    missed_unreviewed = (sum(pairs(n) for n in person_not_review.values())
                         - correct_not_review)
    review_true = sum(cell.records - cell.not_review for (_, person), cell in cells.items()
                      if person_records[person] > 1)
    return AccuracyReport(
        records_in_truth=in_truth,
        records_scored=in_truth - rejected,
        records_rejected=rejected,
        records_unknown=unknown,
        persons=len(person_records),
        children=len(child_records),
        states={state: states[state] for state in STATES},
        true_pairs=true_pairs,
        predicted_pairs=sum(pairs(n) for n in child_records.values()),
        correct_pairs=correct,
        automatic_pairs=sum(pairs(n) for n in child_automatic.values()),
        correct_automatic_pairs=correct_automatic,
        found_with_review_pairs=true_pairs - missed_unreviewed,
        review_records=states["review"],
        review_true_matches=review_true,
        wrongly_merged_children=sum(1 for n in child_persons.values() if n > 1),
        twins_merged=_twins_merged(cells, birth_of) if birth_of is not None else None,
        multiple_birth_children=len(birth_of) if birth_of is not None else None,
        missed_matches=sum(1 for n in person_children.values() if n > 1),
    )


def _twins_merged(cells: dict[tuple[int, int], _Cell], birth_of: dict[int, str]) -> int:
    """Children (contactpoint_ids) holding two or more persons of one birth."""
    births_in_child: dict[int, Counter[str]] = defaultdict(Counter)
    for child, person in cells:
        birth = birth_of.get(person)
        if birth is not None:
            births_in_child[child][birth] += 1  # a cell is one person: counts persons
    return sum(1 for births in births_in_child.values() if max(births.values()) > 1)
