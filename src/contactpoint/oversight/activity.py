"""Reading the audit trail as a person: the service behind the Activity page.

Who may read it is the role's permission (`audit:read`: management teams, the national
team, auditors); which entries is `access.visibility.monitoring`: a national partner's
staff read the whole trail, a council's read the entries written by users of its
organisations and those about the children it monitors (`visibility.monitors`, which
keeps a shielded child out of the list of the authority its hidden address falls in).
`_in_scope` is that rule as a query, through the child index `trail.sequence` keeps
(so the entries waiting for their place are placed first); tests/audit/test_activity.py
holds the query to the rule.

A council reads everything in its own users' entries. In another's entry about one of
its children it reads who, when, what, which children and the reason given, but not
the personal content sealed with it (what someone elsewhere typed into a search, the
words of their reason): the national team and national auditors read those.

Newest first (by time, then by row id), `PAGE_SIZE` to a page, paged from the entry at
either end of a page (keyset paging: an entry written meanwhile never shifts the pages
already reached, and a deep page costs no more than the first). Reading is itself audited
(`audit:activity:view`), in the same transaction as the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import orjson
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from contactpoint.access.authorise import authorise
from contactpoint.access.models import Organisation, User
from contactpoint.access.permissions import Permission
from contactpoint.access.visibility import Monitoring, monitoring
from contactpoint.audit import hooks, trail
from contactpoint.audit.models import Entry, EntryChild
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.identity.models import Child

PAGE_SIZE = 50
EVENT = "audit:activity:view"
WITHHELD = ("Withheld: typed by someone outside your authority. The national team and "
            "national auditors can read it.")


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; each one given narrows the entries.

    `event` is an event name, or the start of one ending in ":" (`child:` for every
    event about children). `since` and `until` are days in local time, both included.
    """

    user: str | None = None
    child: str | None = None
    event: str | None = None
    since: date | None = None
    until: date | None = None

    def asked(self) -> dict[str, str]:
        """The filters given, as text: for the audit entry and the page's links."""
        return {name: value.isoformat() if isinstance(value, date) else value
                for name, value in (("user", self.user), ("child", self.child),
                                    ("event", self.event), ("since", self.since),
                                    ("until", self.until)) if value}


@dataclass(frozen=True)
class Cursor:
    """Which page: the entries written before row `older_than`, or the page just after
    row `newer_than`; neither, the newest."""

    older_than: int | None = None
    newer_than: int | None = None

    def asked(self) -> dict[str, int]:
        return {k: v for k, v in (("older_than", self.older_than),
                                  ("newer_than", self.newer_than)) if v is not None}


@dataclass(frozen=True)
class ActivityPage:
    #: Entries as `trail.readable` makes them, plus `id` (the row), `when` (a datetime),
    #: `organisation_name` and `withheld` (personal content left sealed).
    entries: list[dict[str, Any]]
    #: The row ids to page on from here (`Cursor(newer_than=…)`, `Cursor(older_than=…)`),
    #: or None at that end of the trail.
    newer: int | None
    older: int | None
    scope: Monitoring


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def _matching(filters: Filters) -> QuerySet[Entry]:
    exact = filters.event if filters.event and not filters.event.endswith(":") else None
    found = trail.select(child=filters.child, user=filters.user, event=exact,
                         since=_local_midnight(filters.since) if filters.since else None,
                         until=(_local_midnight(filters.until + timedelta(days=1))
                                if filters.until else None))
    if filters.event and exact is None:  # trail.select takes whole names only
        found = found.filter(event__startswith=filters.event)
    return found


def _own_organisations(scope: Monitoring) -> QuerySet[Organisation]:
    return Organisation.objects.filter(Q(pk=scope.authority_id)
                                       | Q(authority_id=scope.authority_id))


def monitored_children(scope: Monitoring) -> QuerySet[Child]:
    """The children whose entries a local scope takes in: `visibility.monitors` as a query
    (the rule itself lives there; this only asks the database the same question)."""
    if scope.everyone:
        return Child.objects.all()
    if scope.authority_id is None:
        return Child.objects.none()
    return Child.objects.filter(Q(shielded=False, local_authority_id=scope.authority_id)
                                | Q(shielded=True, shield_broker_id=scope.authority_id))


def _in_scope(found: QuerySet[Entry], scope: Monitoring) -> QuerySet[Entry]:
    if scope.everyone:
        return found
    if scope.authority_id is None:
        return found.none()
    about = EntryChild.objects.filter(
        contactpoint_id__in=monitored_children(scope).values("contactpoint_id"))
    return found.filter(Q(organisation__in=_own_organisations(scope).values("code"))
                        | Q(pk__in=about.values("entry_id")))


def _beyond(at: datetime, pk: int, *, newer: bool) -> Q:
    """Entries beyond (`at`, row `pk`) in the page order (newest first, by time then row):
    towards the newer end, or the older."""
    if newer:
        return Q(at__gt=at) | Q(at=at, pk__gt=pk)
    return Q(at__lt=at) | Q(at=at, pk__lt=pk)


def _any_beyond(found: QuerySet[Entry], entry: Entry, *, newer: bool) -> bool:
    return found.filter(_beyond(entry.at, entry.pk, newer=newer)).exists()


def _page(found: QuerySet[Entry], cursor: Cursor) -> tuple[list[Entry], int | None, int | None]:
    """One page, newest first, and the row ids to page on from it (None at an end).

    A cursor naming no entry (an edited address) is the newest page.
    """
    pk = cursor.newer_than or cursor.older_than
    at = Entry.objects.filter(pk=pk).values_list("at", flat=True).first() if pk else None
    if at is not None and pk is not None and cursor.newer_than:
        rows = list(found.filter(_beyond(at, pk, newer=True)).order_by("at", "pk")
                    [:PAGE_SIZE + 1])
        more_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        more_older = bool(rows) and _any_beyond(found, rows[-1], newer=False)
    else:
        older = (found.filter(_beyond(at, pk, newer=False)) if at is not None and pk is not None
                 else found)
        rows = list(older.order_by("-at", "-pk")[:PAGE_SIZE + 1])
        more_older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        more_newer = at is not None and bool(rows) and _any_beyond(found, rows[0], newer=True)
    if not rows:
        return [], None, None
    return rows, rows[0].pk if more_newer else None, rows[-1].pk if more_older else None


def _shown(entry: Entry, scope: Monitoring, own: set[str], names: dict[str, str],
           keys: KeyStore) -> dict[str, Any]:
    shown = trail.readable(entry, trail.seq_of(entry), keys)
    plain = orjson.loads(entry.details)
    # The reason stays: why someone looked at one of the council's children is the
    # council's to know. What they typed (search terms, free text) is not.
    withheld = (not scope.everyone and entry.organisation not in own
                and shown["details"] != plain)
    if withheld:
        shown["details"] = plain
    return {**shown, "id": entry.pk, "when": entry.at, "withheld": WITHHELD if withheld else None,
            "organisation_name": names.get(entry.organisation or "")}


def read_activity(user: User, filters: Filters, cursor: Cursor = Cursor(), *,
                  keys: KeyStore | None = None) -> ActivityPage:
    """A page of the trail as `user` may read it, and the entry saying they read it."""
    scope = monitoring(authorise(user, Permission.AUDIT_READ))
    keys = keys or get_keystore()
    # Place what is waiting first, as `trail.export` does: the child index (which the
    # scope reads) then holds every entry written so far, and each shows its place.
    trail.sequence()
    with transaction.atomic():
        rows, newer, older = _page(_in_scope(_matching(filters), scope), cursor)
        own = (set() if scope.everyone
               else set(_own_organisations(scope).values_list("code", flat=True)))
        codes = {e.organisation for e in rows if e.organisation}
        names = dict(Organisation.objects.filter(code__in=codes).values_list("code", "name"))
        entries = [_shown(e, scope, own, names, keys) for e in rows]
        hooks.record(EVENT, actor=user, details={
            "filters": filters.asked(), "page": cursor.asked(), "shown": len(rows),
            "newest": rows[0].pk if rows else None, "oldest": rows[-1].pk if rows else None,
            "scope": "national" if scope.everyone else _scope_code(scope)},
            children=[filters.child] if filters.child else None)
    return ActivityPage(entries, newer, older, scope)


def _scope_code(scope: Monitoring) -> str | None:
    if scope.authority_id is None:
        return None
    return (Organisation.objects.filter(pk=scope.authority_id).values_list("code", flat=True)
            .first())


def refuse(user: User, problems: list[str], typed: dict[str, str]) -> None:
    """Filters that could not be read: nothing is shown, and that is audited too. What
    was typed may be anything (a name in the ID box), so it is sealed."""
    authorise(user, Permission.AUDIT_READ)
    with transaction.atomic():
        hooks.record(EVENT, actor=user, details={"refused": sorted(problems), "shown": 0},
                     personal={"typed": typed} if typed else None)
