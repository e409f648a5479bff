"""Records opened of children outside the user's authority, where their organisation has
no involvement.

Families move across boundaries, and finding who works with a child that has moved is
what the index is for: one such record is routine. `out_of_area_children` of them in a
day, none of which the user's organisation works with (no involvement recorded through
the index, no service of the organisation in the child's record), is not. Users of
national partners belong to no authority and are left to the other rules; a shielded
child counts as its brokering team's. One alert per user and day.
"""

from __future__ import annotations

from contactpoint.identity.models import Child, Involvement
from contactpoint.identity.store import open_child_record
from contactpoint.oversight.rules.base import (
    VIEW,
    Context,
    Finding,
    Seen,
    day_window,
    evidence,
    in_window,
    local_day,
    person,
)

RULE = "out_of_area"


def check(batch: list[Seen], context: Context) -> list[Finding]:
    touched = {(e.actor, local_day(e.at)) for e in batch if e.event == VIEW and person(e)}
    found: list[Finding] = []
    for who, day in sorted(touched, key=lambda t: (t[1], t[0] or "")):
        user = context.user(who)
        org = user.organisation if user else None
        if org is None:
            continue
        authority = org.pk if org.is_local_authority else org.authority_id
        if authority is None:
            continue
        start, end = day_window(day)
        views = in_window(events=(VIEW,), start=start, end=end, actor=who)
        outside = _outside(context, views, authority, org.pk, org.code)
        if len(outside) >= context.thresholds.out_of_area_children:
            found.append(Finding(
                RULE, f"{RULE}:{who}:{day.isoformat()}", who,
                f"Opened the records of {len(outside)} children outside their authority, "
                f"none of whom their organisation works with, on {day:%d %B %Y}",
                evidence(outside.values())))
    return found


def _outside(context: Context, views: list[Seen], authority: int, org_id: int,
             org_code: str) -> dict[str, Seen]:
    first: dict[str, Seen] = {}
    for view in views:
        for cp_id in view.children:
            first.setdefault(cp_id, view)
    children = Child.objects.filter(contactpoint_id__in=list(first))
    involved = set(Involvement.objects.filter(child__in=children, organisation_id=org_id)
                   .values_list("child__contactpoint_id", flat=True))
    outside: dict[str, Seen] = {}
    for child in children:
        home = child.shield_broker_id if child.shielded else child.local_authority_id
        if home is None or home == authority or child.contactpoint_id in involved:
            continue
        record = open_child_record(context.keys, child) or {}
        if any((s.get("organisation_code") or "") == org_code
               for s in record.get("services") or ()):
            continue
        outside[child.contactpoint_id] = first[child.contactpoint_id]
    return outside
