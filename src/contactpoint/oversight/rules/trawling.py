"""Trawling: searching the index rather than looking for a child one works with.

In one day, any of:
- many searches (`trawl_searches`) with few records opened after them (at most
  `trawl_view_share` of the searches);
- many searches too broad to answer (`trawl_broad_searches` "too many matches");
- dates of birth searched in sequence: `trawl_sequential_dates` consecutive days, the
  pattern of someone walking the index. The dates are in the searches' sealed content,
  which the rule opens (as the Activity page does) only for a user who searched at
  least that many times that day.
One alert per user and day.
"""

from __future__ import annotations

from datetime import date, timedelta

from contactpoint.audit import trail
from contactpoint.audit.models import Entry, Leaf
from contactpoint.oversight.rules.base import (
    SEARCH,
    VIEW,
    Context,
    Finding,
    Seen,
    count_by_actor,
    day_window,
    evidence,
    in_window,
    local_day,
    person,
)

RULE = "trawling"


def check(batch: list[Seen], context: Context) -> list[Finding]:
    days = {(local_day(e.at)) for e in batch if e.event == SEARCH and person(e)}
    found: list[Finding] = []
    for day in sorted(days):
        found += _day(context, day)
    return found


def _day(context: Context, day: date) -> list[Finding]:
    limits = context.thresholds
    start, end = day_window(day)
    searches = count_by_actor(events=(SEARCH,), start=start, end=end)
    least = min(limits.trawl_searches, limits.trawl_broad_searches,
                limits.trawl_sequential_dates)
    found: list[Finding] = []
    for who, n in searches.items():
        if n < least:
            continue
        mine = in_window(events=(SEARCH, VIEW), start=start, end=end, actor=who)
        asked = [e for e in mine if e.event == SEARCH]
        opened = [e for e in mine if e.event == VIEW]
        broad = [e for e in asked if e.details.get("too_many_matches")]
        why = None
        if len(asked) >= limits.trawl_searches and \
                len(opened) <= limits.trawl_view_share * len(asked):
            why = f"{len(asked)} searches and {len(opened)} records opened"
        elif len(broad) >= limits.trawl_broad_searches:
            why = f"{len(broad)} searches too broad to answer, of {len(asked)}"
        elif len(asked) >= limits.trawl_sequential_dates:
            run = _longest_date_run(asked, context)
            if run >= limits.trawl_sequential_dates:
                why = f"dates of birth searched in sequence, {run} days in a row"
        if why:
            found.append(Finding(RULE, f"{RULE}:{who}:{day.isoformat()}", who,
                                 f"Trawling on {day:%d %B %Y}: {why}", evidence(asked)))
    return found


def _longest_date_run(searches: list[Seen], context: Context) -> int:
    """The longest run of consecutive dates of birth among the searches' criteria."""
    seqs = [e.seq for e in searches]
    entries = Entry.objects.filter(pk__in=Leaf.objects.filter(seq__in=seqs)
                                   .values("entry_id")).select_related("leaf")
    dates: set[date] = set()
    for entry in entries:
        criteria = trail.readable(entry, None, context.keys)["details"].get("criteria") or {}
        born = criteria.get("date_of_birth") if isinstance(criteria, dict) else None
        if isinstance(born, str):
            try:
                dates.add(date.fromisoformat(born))
            except ValueError:
                continue
    longest = 0
    for day in dates:
        if day - timedelta(days=1) in dates:
            continue
        length = 1
        while day + timedelta(days=length) in dates:
            length += 1
        longest = max(longest, length)
    return longest
