"""The placing rules: which version of a record wins, and what a load counts.

Every path that loads feeds (`ingest`, the feeds API, `initial-load`, the in-memory
replay) decides with these, through loading.placing.placer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Rows placed per batch: each batch is one transaction of `ingest`, and the in-memory
#: placing keeps the same batches so that it places exactly as `ingest` does.
BATCH_SIZE = 1000

#: A record's link state: a child of its own, linked by the machine, or awaiting review.
NEW, AUTO, REVIEW = "new", "auto", "review"
STATES = (NEW, AUTO, REVIEW)

#: Why an incoming version changes nothing: the stored one is the same, or newer.
UNCHANGED, SUPERSEDED = "unchanged", "superseded"

#: What a change does: unlink a deleted record, update a linked one in place (it keeps
#: its child), or place a record on no child yet (new, or deleted and sent again).
DELETE, UPDATE, PLACE = "delete", "update", "place"


def newer(version: tuple[Any, Any], than: tuple[Any, Any]) -> bool:
    """Whether a version, (recorded_at, content digest), beats another: the later one
    wins, the greater digest when both were recorded at once. A total order, so which
    of two versions wins does not depend on the order they arrive in."""
    return version > than


def standing(held: tuple[Any, Any], incoming: tuple[Any, Any], *,
             recorded_at_sent: bool) -> str | None:
    """UNCHANGED or SUPERSEDED when the stored version stands and the incoming one
    changes nothing; None when the incoming one replaces it.

    Versions are (recorded_at, content digest) in the store's own terms. The same
    content again is never a change, even when a row sent without `recorded_at` is
    stamped with a later load time (`recorded_at_sent` False); otherwise the newer
    version wins (`newer`).
    """
    if held[1] == incoming[1] and (not recorded_at_sent or incoming[0] <= held[0]):
        return UNCHANGED
    if not newer(incoming, held):
        return SUPERSEDED
    return None


@dataclass
class LoadSummary:
    """What a load did: `contactpoint ingest` prints it (`line`), the feeds API answers
    it, and each FeedLoad keeps it (`as_dict`)."""

    read: int = 0
    created: int = 0
    linked: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    superseded: int = 0
    review: int = 0
    rejected: int = 0
    parts_rejected: int = 0

    def line(self) -> str:
        return (f"read {self.read}, created {self.created}, linked {self.linked}, "
                f"sent to review {self.review}, rejected {self.rejected}; "
                f"updated {self.updated}, deleted {self.deleted}, unchanged {self.unchanged}, "
                f"superseded {self.superseded}, parts rejected {self.parts_rejected}")

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    def since(self, before: dict[str, int]) -> LoadSummary:
        """What was counted since `before` (an earlier `as_dict`)."""
        return LoadSummary(**{name: value - before[name]
                              for name, value in self.__dict__.items()})

    def count_placed(self, state: str) -> None:
        """A record placed by the linker, in this link state."""
        if state == NEW:
            self.created += 1
        elif state == REVIEW:
            self.review += 1
        else:
            self.linked += 1

    @property
    def written(self) -> int:
        """Records written (created, linked, sent to review, updated or deleted)."""
        return self.created + self.linked + self.review + self.updated + self.deleted
