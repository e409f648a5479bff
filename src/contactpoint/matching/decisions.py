"""Keeping the machine's decisions: why each record went where it did, and the review queue.

The loader calls `record_decisions` inside the batch's transaction once the batch's
records and new children have their primary keys, so a decision, its record and its
review items are stored together or not at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contactpoint.db import bulk
from contactpoint.matching.decide import Decision, Scored, Thresholds
from contactpoint.matching.models import (
    MatchDecision,
    ReviewItem,
    ReviewStatus,
)

#: Candidates kept with a decision, by outcome: a link is explained by the child it joined
#: and the runner-up it beat by the margin; a new child by the best it did not join; a
#: review by the candidates a person will see. Review items made for one record.
KEPT_CANDIDATES = {"auto": 2, "new": 1, "review": 3}
REVIEW_CANDIDATES = 3


@dataclass(frozen=True)
class Placed:
    """A record the machine placed: its primary key, its child's, and the decision."""

    record: int
    child: int
    decision: Decision


def _weight(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None


def candidate_json(scored: Scored, child: int, record: int | None) -> dict[str, Any]:
    return {
        "child": child, "record": record, "score": _weight(scored.score),
        "capped": scored.capped,
        "explanation": [[c.comparison, c.level, _weight(c.weight)] for c in scored.explanation],
    }


def record_decisions(configuration: int, placed: Sequence[Placed], thresholds: Thresholds,
                     *, child_pk: Callable[[int], int], record_pk: Callable[[int], int],
                     now: datetime, again: Sequence[int] | None = None) -> int:
    """Store each placed record's decision and, for review, its review items.

    `child_pk` and `record_pk` turn the linker's ids into primary keys: the linker gives
    children and records made earlier in the same batch negative ids until they exist.
    `again` names the placed records that were stored before (None: any may have been);
    a record is placed again only when it was deleted and comes back, and its old
    decision and review items are replaced. Returns the number of review items made.
    """
    if not placed:
        return 0
    again = [p.record for p in placed] if again is None else list(again)
    if again:
        MatchDecision.objects.filter(source_record_id__in=again).delete()
        ReviewItem.objects.filter(source_record_id__in=again).delete()
    decisions, items = [], []
    for p in placed:
        decision, review = decision_rows(configuration, p, thresholds, child_pk=child_pk,
                                         record_pk=record_pk, now=now)
        decisions.append(decision)
        items += review
    bulk.append_rows(MatchDecision, DECISION_COLUMNS, decisions)
    bulk.append_rows(ReviewItem, REVIEW_COLUMNS, items)
    return len(items)


DECISION_COLUMNS = ["source_record", "configuration", "state", "score", "candidates",
                    "decided_at"]
REVIEW_COLUMNS = ["source_record", "candidate", "score", "reason", "explanation", "status",
                  "created_at"]


def decision_rows(configuration: int, p: Placed, thresholds: Thresholds, *,
                  child_pk: Callable[[int], int], record_pk: Callable[[int], int],
                  now: datetime) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """One placed record's MatchDecision row and its ReviewItem rows (DECISION_COLUMNS,
    REVIEW_COLUMNS), for `record_decisions` and the initial load's bulk writes."""
    kept = []
    for scored in p.decision.candidates[:KEPT_CANDIDATES.get(p.decision.state, 3)]:
        record = record_pk(scored.best_record) if scored.best_record is not None else None
        kept.append(candidate_json(scored, child_pk(scored.child), record))
    decision = (p.record, configuration, p.decision.state,
                _weight(p.decision.score) if p.decision.score is not None else None, kept, now)
    items: list[tuple[Any, ...]] = []
    if p.decision.state != "review":
        return decision, items
    for scored, as_json in zip(p.decision.candidates[:REVIEW_CANDIDATES], kept, strict=False):
        if not math.isfinite(scored.score) or scored.score < thresholds.review:
            continue
        if as_json["child"] == p.child:
            continue
        items.append((p.record, as_json["child"], scored.score,
                      (scored.capped or "possible match below the automatic threshold")[:200],
                      as_json["explanation"], ReviewStatus.OPEN, now))
    return decision, items


def close_review_items(records: Sequence[int]) -> None:
    """Deleted records have nothing left to decide."""
    if records:
        ReviewItem.objects.filter(source_record_id__in=records, status__in=[
            ReviewStatus.OPEN, ReviewStatus.DEFERRED]).update(status=ReviewStatus.CLOSED)
