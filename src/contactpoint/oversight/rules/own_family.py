"""Looking up one's own family: children who share the user's home or family name.

The original index's only breaches found were users "testing" it on their own families.
A user whose account holds their own name and home postcode (`own_details`) is alerted
on when they open a child's record, or a search returns a child, where

- the child (or one of its carers) lives at the user's home postcode; or
- the child (or a carer) shares the user's family name and lives in the user's postcode
  district (one alert per child);

and when, within `own_family_days`, they open the records of `own_family_name_children`
children sharing their family name anywhere (one alert per user and fixed window of
`own_family_days`). Opening a
record counts for all three; a search's results for the first only (a surname search
returns many namesakes). Everything is compared as blind-index tokens: the child's are
made from its sealed record, the user's were made when their details were given.
"""

from __future__ import annotations

from datetime import timedelta

from contactpoint.identity.models import Child
from contactpoint.identity.store import open_child_record
from contactpoint.oversight.own_details import ChildTokens, child_tokens
from contactpoint.oversight.rules.base import (
    LOOKUPS,
    VIEW,
    Context,
    Finding,
    Seen,
    evidence,
    in_window,
    local_day,
    person,
)

RULE = "own_family"


class _Tokens:
    """Children's tokens, each record opened once a run."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.known: dict[str, ChildTokens | None] = {}

    def of(self, cp_ids: tuple[str, ...]) -> dict[str, ChildTokens]:
        wanted = [c for c in cp_ids if c not in self.known]
        for child in Child.objects.filter(contactpoint_id__in=wanted):
            record = open_child_record(self.context.keys, child)
            self.known[child.contactpoint_id] = (
                child_tokens(self.context.keys.blind_index, record) if record else None)
        for cp_id in wanted:
            self.known.setdefault(cp_id, None)
        return {c: t for c in cp_ids if (t := self.known[c]) is not None}


def check(batch: list[Seen], context: Context) -> list[Finding]:
    tokens = _Tokens(context)
    found: list[Finding] = []
    named: dict[str, list[Seen]] = {}
    for entry in batch:
        if entry.event not in LOOKUPS or not person(entry) or not entry.children:
            continue
        user = context.user(entry.actor)
        if user is None or user.own_details is None:
            continue
        family = bytes(user.own_family_token) if user.own_family_token else None
        home = bytes(user.own_postcode_token) if user.own_postcode_token else None
        district = bytes(user.own_district_token) if user.own_district_token else None
        for cp_id, child in tokens.of(entry.children).items():
            at_home = home is not None and home in child.postcodes
            kin_nearby = (entry.event == VIEW and family in child.families
                          and district is not None and district in child.districts)
            if at_home or kin_nearby:
                why = ("lives at their home postcode" if at_home
                       else "shares their family name and postcode district")
                what = ("Opened the record of" if entry.event == VIEW
                        else "A search of theirs returned")
                found.append(Finding(RULE, f"{RULE}:{entry.actor}:{cp_id}", entry.actor,
                                     f"{what} a child who {why}", (entry.seq,)))
            elif entry.event == VIEW and family is not None and family in child.families:
                named.setdefault(entry.actor or "", []).append(entry)
    for username, views in named.items():
        found += _namesakes(username, context, tokens, views)
    return found


def _namesakes(username: str, context: Context, tokens: _Tokens,
               latest: list[Seen]) -> list[Finding]:
    """Records of children sharing the user's family name opened over the window that
    ends with the latest such view."""
    limits = context.thresholds
    user = context.user(username)
    if user is None or user.own_family_token is None:
        return []
    family = bytes(user.own_family_token)
    end = max(e.at for e in latest)
    start = end - timedelta(days=limits.own_family_days)
    views = in_window(events=(VIEW,), start=start, end=end + timedelta(microseconds=1),
                      actor=username)
    sharing: dict[str, Seen] = {}
    for view in views:
        for cp_id, child in tokens.of(view.children).items():
            if family in child.families:
                sharing.setdefault(cp_id, view)
    if len(sharing) < limits.own_family_name_children:
        return []
    first = min(v.at for v in sharing.values())
    # One alert per user and window of `own_family_days`, the windows fixed on the calendar:
    # windows that slide a day at a time would otherwise raise one alert a day for the
    # same few records.
    window = local_day(first).toordinal() // limits.own_family_days
    return [Finding(
        RULE, f"{RULE}:name:{username}:{window}", username,
        f"Opened the records of {len(sharing)} children sharing their family name within "
        f"{limits.own_family_days} days", evidence(sharing.values()))]
