"""What a person's match decision changes, gathered as it goes (matching/review.py decides).

`Change` collects who decided, when, and every move, pair kept apart or released, and
review item settled, so the decision is written as one MatchAction that undo can
reverse; `merge_children` is the merge itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q

from contactpoint.access.models import User
from contactpoint.crypto.keystore import KeyStore
from contactpoint.identity.models import Child, ChildStatus, LinkState, SourceRecord
from contactpoint.identity.store import move_records
from contactpoint.matching.models import KeptApart, ReviewItem, ReviewStatus

#: Review items still waiting for a person.
PENDING = (ReviewStatus.OPEN, ReviewStatus.DEFERRED)


@dataclass
class Change:
    """Who decides and when, and what the decision did, gathered as it goes and written
    as one MatchAction."""

    actor: User
    now: datetime
    moves: list[dict[str, Any]] = field(default_factory=list)
    kept_apart: list[list[int]] = field(default_factory=list)
    released: list[list[int]] = field(default_factory=list)
    items: list[list[Any]] = field(default_factory=list)


def ordered_pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def kept_apart(a: int, b: int) -> bool:
    low, high = ordered_pair(a, b)
    return KeptApart.objects.filter(child_a_id=low, child_b_id=high).exists()


def set_item(item: ReviewItem, status: str, change: Change,
              candidate: Child | None = None) -> None:
    change.items.append([item.pk, item.status, item.candidate_id])
    item.status = status
    item.decided_by, item.decided_at = change.actor, change.now
    if candidate is not None:
        item.candidate = candidate
    item.save(update_fields=["status", "decided_by", "decided_at", "candidate"])


def close_pending(q: Q, change: Change) -> None:
    for other in ReviewItem.objects.filter(q, status__in=PENDING):
        set_item(other, ReviewStatus.CLOSED, change)


def merge_children(keys: KeyStore, keep: Child, gone: Child, change: Change) -> None:
    """Every live record of `gone` onto `keep`; `gone` retired, pointing at `keep`."""
    records = list(SourceRecord.objects.filter(child=gone, deleted=False)
                   .values_list("pk", flat=True))
    change.moves += move_records(keys, [(pk, keep.pk, LinkState.MANUAL) for pk in records])
    gone.status, gone.merged_into, gone.record = ChildStatus.MERGED, keep, None
    gone.save(update_fields=["status", "merged_into", "record", "updated_at"])
    if gone.shielded and not gone.shield_held and not keep.shielded:
        # One child now: the shield a team set on either stands over both.
        keep.shielded, keep.shield_broker_id = True, gone.shield_broker_id
        keep.save(update_fields=["shielded", "shield_broker", "updated_at"])
    # Pairs kept apart from the retired child are now kept apart from the survivor.
    for pair_row in KeptApart.objects.filter(Q(child_a=gone) | Q(child_b=gone)):
        other = pair_row.child_b_id if pair_row.child_a_id == gone.pk else pair_row.child_a_id
        change.released.append([pair_row.child_a_id, pair_row.child_b_id, pair_row.action_id])
        pair_row.delete()
        moved = list(ordered_pair(keep.pk, other))
        if other != keep.pk and not kept_apart(*moved) and moved not in change.kept_apart:
            change.kept_apart.append(moved)
    # Pending pairs that proposed the retired child now propose the survivor.
    for item in ReviewItem.objects.filter(candidate=gone, status__in=PENDING).select_related(
            "source_record"):
        clash = ReviewItem.objects.filter(source_record=item.source_record,
                                          candidate=keep).exists()
        if item.source_record.child_id == keep.pk or clash:
            set_item(item, ReviewStatus.CLOSED, change)
        else:
            set_item(item, item.status, change, candidate=keep)
