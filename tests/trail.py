"""Reading the audit trail in tests: entries as the database holds them, sealed parts opened."""

from __future__ import annotations

from typing import Any

from contactpoint.audit import trail
from contactpoint.audit.models import Entry


def mark() -> int:
    """The last entry's row id now: pass to `entries(after=...)` for what came since."""
    last = Entry.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def entries(event: str | None = None, *, after: int = 0, **filters: Any) -> list[dict[str, Any]]:
    """Entries written (oldest first), readable as `trail.readable` makes them.

    Each also has `id` (its row) and `personal`: the sealed content, reason included,
    as `details` shows it merged.
    """
    found = Entry.objects.filter(pk__gt=after).order_by("pk")
    if event:
        found = found.filter(event=event)
    if filters:
        found = found.filter(**filters)
    out = []
    for entry in found:
        readable = trail.readable(entry, trail.seq_of(entry))
        readable["id"] = entry.pk
        out.append(readable)
    return out


def events(*, after: int = 0) -> list[str]:
    return list(Entry.objects.filter(pk__gt=after).order_by("pk").values_list("event", flat=True))
