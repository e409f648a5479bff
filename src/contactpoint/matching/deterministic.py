"""Deterministic linking: a shared valid NHS number or UPN, or an existing link.

The loader asks a linker to place each incoming record that is not already linked.
This one knows only identifiers; the probabilistic matcher replaces it behind the same
interface (`Linker.place`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from contactpoint.crypto.blind import BlindIndex
from contactpoint.matching.tokens import identifier_tokens

#: Identifier kinds in the order they are trusted to decide a link.
LINKING_IDENTIFIERS = ("nhs_number", "upn")


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a record goes: an existing child (by pk) or a new child.

    Records placed in the same `new_group` within one batch become one new child.
    """

    state: str  # "auto" | "new" | "review"
    child_id: int | None = None
    new_group: int | None = None


class Linker(Protocol):
    def tokens(self, record: dict[str, Any]) -> set[bytes]:
        """The blind-index tokens to store for a record."""

    def place(self, records: Sequence[dict[str, Any]], source: str) -> list[Placement]:
        """Where each record of a batch from `source` goes."""


class DeterministicLinker:
    def __init__(self, index: BlindIndex,
                 lookup: Callable[[Iterable[bytes]], dict[bytes, set[int]]]) -> None:
        """`lookup(tokens)` returns the existing children holding each token."""
        self.index = index
        self.lookup = lookup

    def tokens(self, record: dict[str, Any]) -> set[bytes]:
        return set(identifier_tokens(record, self.index).values())

    def place(self, records: Sequence[dict[str, Any]], source: str) -> list[Placement]:
        tokens = [identifier_tokens(r, self.index) for r in records]
        known = self.lookup({t for toks in tokens for t in toks.values()})
        in_batch: dict[bytes, int] = {}
        placements: list[Placement] = []
        for toks in tokens:
            placement = None
            for kind in LINKING_IDENTIFIERS:
                token = toks.get(kind)
                if token is None:
                    continue
                children = known.get(token)
                if children:
                    # One identifier held by several children means an earlier wrong link;
                    # the oldest child is the stable choice until a person resolves it.
                    placement = Placement("auto", child_id=min(children))
                    break
                if token in in_batch:
                    placement = Placement("auto", new_group=in_batch[token])
                    break
            if placement is None:
                placement = Placement("new", new_group=len(placements))
            if placement.new_group is not None:
                for token in toks.values():
                    in_batch.setdefault(token, placement.new_group)
            placements.append(placement)
        return placements
