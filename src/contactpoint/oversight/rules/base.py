"""What every misuse rule reads and returns: the trail's entries, thresholds, findings.

A rule is a function `check(batch, context) -> list[Finding]`. `batch` is the next run
of placed entries of the trail (in sequence order) that the rules have not read yet;
a rule that counts over a window (an hour, a day) asks the trail about the whole window
through `context`, so a window split over two batches counts the same. A `Finding`'s
`key` says what makes it one (the rule, the user, the window): the runner raises an
alert for a key once, ever.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any

import orjson
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from contactpoint.access.models import Organisation, User
from contactpoint.audit.models import Entry, Leaf
from contactpoint.crypto.keystore import KeyStore

SEARCH, VIEW = "child:search", "child:record:view"
LOOKUPS = (SEARCH, VIEW)
BREAK_GLASS = "child:shield:break_glass"
SIGN_IN_FAILURES = ("account:signin:failure", "account:signin:locked")
#: Evidence named on one alert at most (the rest are in the same window of the trail).
MOST_EVIDENCE = 50


@dataclass(frozen=True)
class Thresholds:
    """settings.CONTACTPOINT_MISUSE, each rule's thresholds (settings.py says what each is)."""

    own_family_name_children: int = 5
    own_family_days: int = 7
    volume_per_hour: int = 60
    volume_per_day: int = 250
    peer_multiple: float = 4.0
    peer_minimum: int = 3
    trawl_searches: int = 30
    trawl_view_share: float = 0.1
    trawl_broad_searches: int = 10
    trawl_sequential_dates: int = 7
    out_of_area_children: int = 5
    failed_sign_ins_account: int = 10
    failed_sign_ins_address: int = 25
    working_day_starts: int = 7
    working_day_ends: int = 19
    out_of_hours_actions: int = 5
    habit_days: int = 28
    habit_share: float = 0.2
    habit_minimum: int = 20
    run_every_seconds: float = 30

    @classmethod
    def from_settings(cls) -> Thresholds:
        given = dict(getattr(settings, "CONTACTPOINT_MISUSE", {}))
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(given) - known)
        if unknown:
            raise ValueError(f"CONTACTPOINT_MISUSE: no misuse rule has a threshold called "
                             f"{', '.join(unknown)}")
        return cls(**given)


@dataclass(frozen=True)
class Seen:
    """One placed entry of the trail, as the rules read it (nothing sealed is opened)."""

    seq: int
    at: datetime
    event: str
    actor: str | None
    organisation: str | None
    role: str | None
    subject: str | None
    children: tuple[str, ...]
    details: dict[str, Any]


@dataclass(frozen=True)
class Finding:
    rule: str
    key: str
    username: str | None
    summary: str
    evidence: tuple[int, ...]
    #: The child whose own team is alerted too (a break glass), if any.
    child: str | None = None


@dataclass
class Context:
    """What rules share in one run: thresholds, the key store and what they looked up."""

    thresholds: Thresholds
    keys: KeyStore
    _users: dict[str, User | None] = field(default_factory=dict)
    _orgs: dict[str, Organisation | None] = field(default_factory=dict)

    def user(self, username: str | None) -> User | None:
        """The account of a person named in the trail (None: an operator, a client, gone)."""
        if not username or ":" in username:
            return None
        if username not in self._users:
            self._users[username] = (User.objects.select_related("organisation")
                                     .filter(username=username).first())
        return self._users[username]

    def organisation(self, code: str | None) -> Organisation | None:
        if not code:
            return None
        if code not in self._orgs:
            self._orgs[code] = Organisation.objects.filter(code=code).first()
        return self._orgs[code]


def person(entry: Seen) -> bool:
    """An entry made by a person's account (not an operator, a client, or nobody)."""
    return bool(entry.actor) and ":" not in (entry.actor or "")


def read_batch(after: int, limit: int) -> list[Seen]:
    """The placed entries after sequence number `after`, in order, at most `limit`."""
    leaves = (Leaf.objects.filter(seq__gt=after).order_by("seq")
              .values_list("seq", "entry_id")[:limit])
    by_entry = {entry_id: seq for seq, entry_id in leaves}
    rows = Entry.objects.filter(pk__in=list(by_entry)).values_list(
        "pk", "at", "event", "actor", "organisation", "role", "subject", "children", "details")
    seen = [Seen(by_entry[pk], at, event, actor, org, role, subject,
                 tuple(children.split()) if children else (), orjson.loads(details))
            for pk, at, event, actor, org, role, subject, children, details in rows]
    return sorted(seen, key=lambda s: s.seq)


def in_window(*, events: Iterable[str], start: datetime, end: datetime,
              actor: str | None = None) -> list[Seen]:
    """The placed entries of these events written in [start, end), by `actor` if given."""
    found = Entry.objects.filter(event__in=list(events), at__gte=start, at__lt=end,
                                 leaf__isnull=False)
    if actor is not None:
        found = found.filter(actor=actor)
    rows = found.values_list("leaf__seq", "at", "event", "actor", "organisation", "role",
                             "subject", "children", "details")
    return sorted((Seen(seq, at, event, who, org, role, subject,
                        tuple(children.split()) if children else (), orjson.loads(details))
                   for seq, at, event, who, org, role, subject, children, details in rows),
                  key=lambda s: s.seq)


def count_by_actor(*, events: Iterable[str], start: datetime, end: datetime) -> dict[str, int]:
    """How many entries of these events each person wrote in [start, end) (placed or not:
    a count, not evidence)."""
    rows = (Entry.objects.filter(event__in=list(events), at__gte=start, at__lt=end)
            .exclude(actor__isnull=True).exclude(actor__contains=":")
            .values("actor").annotate(n=Count("pk")).values_list("actor", "n"))
    return {actor: n for actor, n in rows if actor}


def local_day(at: datetime) -> date:
    return timezone.localtime(at).date()


def day_window(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time()))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time()))


def hour_window(at: datetime) -> tuple[datetime, datetime]:
    start = at.replace(minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=1)


def evidence(entries: Iterable[Seen]) -> tuple[int, ...]:
    """The entries' sequence numbers, oldest first, at most MOST_EVIDENCE."""
    return tuple(sorted(e.seq for e in entries))[:MOST_EVIDENCE]
