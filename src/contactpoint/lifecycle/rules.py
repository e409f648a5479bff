"""The retention rules (docs/retention.md), as dates: pure, so each is tested alone.

- At 18 a child's record is archived.
- A recorded death: the record is kept 1 year, then archived.
- Six years after archiving (the Limitation Act 1980 period) the record is purged.
- An archived record is reachable by its authority's management team for 1 year after
  archiving; after that only by the national team, for a stated statutory purpose.
"""

from __future__ import annotations

from datetime import date
from typing import Any

ARCHIVE_AGE = 18
KEPT_AFTER_DEATH_YEARS = 1
PURGE_AFTER_YEARS = 6
MANAGEMENT_REACH_YEARS = 1


def years_after(day: date, years: int) -> date:
    """The same day `years` later; 29 February falls on 1 March in a common year (an age
    is attained at the start of the anniversary, and a 29 February birthday's anniversary
    in a common year is 1 March)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def archive_due(record: dict[str, Any]) -> tuple[date, str] | None:
    """When a derived record is due to be archived, and why ("age" or "death").

    Whichever comes first: the 18th birthday or a year after a recorded death. None when
    the record has neither date (a record always has a date of birth; an unreadable one
    is never archived on a guess).
    """
    dues = []
    born = _date(record.get("date_of_birth"))
    if born is not None:
        dues.append((years_after(born, ARCHIVE_AGE), "age"))
    died = _date(record.get("date_of_death"))
    if died is not None:
        dues.append((years_after(died, KEPT_AFTER_DEATH_YEARS), "death"))
    return min(dues) if dues else None


def purge_due(archived_on: date) -> date:
    return years_after(archived_on, PURGE_AFTER_YEARS)


def purge_cutoff(today: date) -> date:
    """Records archived on or before this day are due to be purged `today`."""
    cutoff = years_after(today, -PURGE_AFTER_YEARS)
    # years_after moves 29 February forward; going back it must not reach past `today`.
    while purge_due(cutoff) > today:
        cutoff = date.fromordinal(cutoff.toordinal() - 1)
    return cutoff


def management_reach_ends(archived_on: date) -> date:
    """The first day the authority's management team can no longer reach the record."""
    return years_after(archived_on, MANAGEMENT_REACH_YEARS)
