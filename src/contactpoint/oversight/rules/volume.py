"""Far more searches and records opened than peers in the same kind of organisation.

For each hour and each day in which a user searched or opened records, their count is
compared with their peers': the other people of organisations of the same type (schools
with schools, GP practices with GP practices) active in the same hour or day. Alerted
when the count reaches `volume_per_hour` (`volume_per_day`) and is more than
`peer_multiple` times the peers' median; with fewer than `peer_minimum` peers active,
the floor alone decides (there is nobody to compare with, and a floor set high is
still far more than anyone's work needs).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from statistics import median

from contactpoint.oversight.rules.base import (
    LOOKUPS,
    Context,
    Finding,
    Seen,
    count_by_actor,
    day_window,
    evidence,
    hour_window,
    in_window,
    local_day,
    person,
)

RULE = "volume"


def check(batch: list[Seen], context: Context) -> list[Finding]:
    limits = context.thresholds
    hours: set[tuple[datetime, datetime]] = set()
    days: set[tuple[datetime, datetime]] = set()
    for entry in batch:
        if entry.event in LOOKUPS and person(entry):
            hours.add(hour_window(entry.at))
            days.add(day_window(local_day(entry.at)))
    found: list[Finding] = []
    for start, end in sorted(hours):
        found += _window(context, start, end, limits.volume_per_hour,
                         name=f"hour:{start:%Y-%m-%dT%H}",
                         when=f"in the hour from {start:%H:00} UTC on {start:%d %B %Y}")
    for start, end in sorted(days):
        found += _window(context, start, end, limits.volume_per_day,
                         name=f"day:{start:%Y-%m-%d}", when=f"on {start:%d %B %Y}")
    return found


def _window(context: Context, start: datetime, end: datetime, floor: int, *, name: str,
            when: str) -> list[Finding]:
    limits = context.thresholds
    counts = count_by_actor(events=LOOKUPS, start=start, end=end)
    busy = [who for who, n in counts.items() if n >= floor]
    if not busy:
        return []
    kind: dict[str, str | None] = {}
    for who in counts:
        user = context.user(who)
        kind[who] = user.organisation.type if user and user.organisation else None
    by_kind: dict[str | None, list[int]] = defaultdict(list)
    for who, n in counts.items():
        by_kind[kind[who]].append(n)
    found: list[Finding] = []
    for who in busy:
        n = counts[who]
        peers = list(by_kind[kind[who]])
        peers.remove(n)
        if len(peers) >= limits.peer_minimum and n <= limits.peer_multiple * median(peers):
            continue
        compared = (f", against a median of {median(peers):g} among {len(peers)} peers"
                    if len(peers) >= limits.peer_minimum else "")
        mine = in_window(events=LOOKUPS, start=start, end=end, actor=who)
        found.append(Finding(RULE, f"{RULE}:{name}:{who}", who,
                             f"{n} searches and records opened {when}{compared}",
                             evidence(mine)))
    return found
