"""Recent access on the record: the child's team sees who opened it lately (as CP-IS does).

The 25 newest entries of the audit trail about the child (its views, searches that
returned it, break glass, shielding, involvements, match decisions, reads of the
trail about it): when, which organisation and role, what was done and why. Who may
read them is the access policy's `children:access:read`, on the child: its own
management team (where the child lives, or the team brokering its shield) and the
national team, who see the record whole anyway, so the list tells them nothing of a
shielded child they are not already shown. Never a practitioner, never another
authority's team.

The reason is the reason's code, opened from the sealed entry; what people typed (search
terms, the words of a reason) stays sealed. Reading the list is audited
(`child:access:view`), in the transaction of the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from contactpoint.access.authorise import allows, authorise
from contactpoint.access.models import Organisation, User
from contactpoint.access.permissions import Permission
from contactpoint.audit import hooks, trail
from contactpoint.audit.models import Entry
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.identity.models import Child
from contactpoint.identity.records import REASONS, child_scope

RECENT = 25


@dataclass(frozen=True)
class Access:
    when: datetime
    event: str
    #: The organisation's name (its code when it is no longer known).
    organisation: str | None
    role: str | None
    who: str | None
    #: The reason's code, or None (an event without one; a shredded child's entry).
    reason: str | None


def _reason(entry: Entry, keys: KeyStore) -> str | None:
    """The reason's code, if the entry was given one from the list (a shield's or a
    match decision's reason is free text, and stays sealed)."""
    if entry.sealed is None:
        return None
    reason = trail.readable(entry, None, keys)["reason"]
    return reason if reason in REASONS else None


def may_read(user: User, child: Child) -> bool:
    """Would `recent_access` show this person the list? For what the record page offers."""
    return allows(user, Permission.CHILDREN_ACCESS_READ, child_scope(child))


def recent_access(user: User, child: Child, *, keys: KeyStore | None = None) -> list[Access]:
    """The `RECENT` newest entries about the child, newest first, audited."""
    authorise(user, Permission.CHILDREN_ACCESS_READ, child_scope(child))
    keys = keys or get_keystore()
    with transaction.atomic():
        rows: list[Entry] = list(trail.select(child=child.contactpoint_id)
                                 .order_by("-at", "-pk")[:RECENT])
        codes = {e.organisation for e in rows if e.organisation}
        names = dict(Organisation.objects.filter(code__in=codes).values_list("code", "name"))
        shown = [Access(e.at, e.event, names.get(e.organisation or "", e.organisation),
                        e.role, e.actor, _reason(e, keys)) for e in rows]
        hooks.record("child:access:view", actor=user, subject=child.contactpoint_id,
                     details={"shown": len(shown),
                              "newest": rows[0].pk if rows else None,
                              "oldest": rows[-1].pk if rows else None})
    return shown
