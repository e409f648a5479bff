"""Use out of hours beyond the user's habit.

Out of hours is local time before `working_day_starts` or from `working_day_ends`, or
a Saturday or Sunday. Some people work nights (an emergency duty team, the police), so
the rule compares a user with their own habit: it alerts when, in one day, they search
or open records out of hours at least `out_of_hours_actions` times and, over the
`habit_days` before that day, under `habit_share` of their own searches and views were
out of hours. Someone with fewer than `habit_minimum` searches and views in those days
has no habit yet to go beyond (a new account): the other rules still watch them. One
alert per user and day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from contactpoint.audit.models import Entry
from contactpoint.oversight.rules.base import (
    LOOKUPS,
    Context,
    Finding,
    Seen,
    Thresholds,
    day_window,
    evidence,
    in_window,
    local_day,
    person,
)

RULE = "out_of_hours"
SATURDAY = 5


def out_of_hours(at: datetime, limits: Thresholds) -> bool:
    local = timezone.localtime(at)
    return (local.weekday() >= SATURDAY or local.hour < limits.working_day_starts
            or local.hour >= limits.working_day_ends)


def check(batch: list[Seen], context: Context) -> list[Finding]:
    limits = context.thresholds
    touched = {(e.actor or "", local_day(e.at)) for e in batch
               if e.event in LOOKUPS and person(e) and out_of_hours(e.at, limits)}
    found: list[Finding] = []
    for who, day in sorted(touched, key=lambda t: (t[1], t[0])):
        start, end = day_window(day)
        late = [e for e in in_window(events=LOOKUPS, start=start, end=end, actor=who)
                if out_of_hours(e.at, limits)]
        if len(late) < limits.out_of_hours_actions:
            continue
        before = list(Entry.objects.filter(
            event__in=LOOKUPS, actor=who, at__lt=start,
            at__gte=start - timedelta(days=limits.habit_days)).values_list("at", flat=True))
        if len(before) < limits.habit_minimum:
            continue  # no habit yet to go beyond: the other rules still watch them
        habit = sum(out_of_hours(at, limits) for at in before) / len(before)
        if habit >= limits.habit_share:
            continue
        found.append(Finding(
            RULE, f"{RULE}:{who}:{day.isoformat()}", who,
            f"{len(late)} searches and records opened out of hours on {day:%d %B %Y}; "
            f"{habit:.0%} of their use in the {limits.habit_days} days before was",
            evidence(late)))
    return found
