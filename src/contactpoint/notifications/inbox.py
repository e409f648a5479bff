"""A team's notifications: reading them, counting the unread, marking them read.

Each notification is shown from the view's entry in the audit trail: who looked, from
which organisation, in what role, when, and why (the reason's code, opened from the
sealed entry; the words someone typed are not passed on, as the Activity page keeps
them from other councils). Whether the reader may see an organisation's notifications
is the access policy's `Recipient` rule: only that organisation's own people.

Behind a shield the viewer's organisation says where the child now is (a school in the
town the family fled to). A team the child is shielded from (`visibility.shielded_from`,
decided when the notification is read, so a shield set afterwards applies too) is told
only what kind of organisation looked ("a school"), never its name, nor the person.
And a viewer whose organisation provides a sensitive service to the child (CAMHS, say)
would name the provider, which readers never see (access/visibility.py): anyone but the
child's own team is told only that a sensitive service looked.

Reading is audited (`notification:list:view`, naming the children shown), and so is
marking read (`notification:mark:read`), each in the transaction of the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from contactpoint.access.authorise import actor_of, allows, authorise
from contactpoint.access.models import Organisation, OrganisationType, User
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import Recipient
from contactpoint.access.visibility import sees_everything, shielded_from
from contactpoint.audit import hooks, trail
from contactpoint.audit.models import Entry
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.errors import BadRequest, FieldProblem
from contactpoint.identity.models import Child
from contactpoint.identity.records import child_scope
from contactpoint.notifications.models import Notification

#: The newest this many are shown; older ones stay in the trail.
SHOWN = 100


@dataclass(frozen=True)
class Told:
    """One notification as its reader sees it."""

    id: int
    contactpoint_id: str
    at: datetime
    #: The viewer's organisation's name, or its kind ("a school") behind a shield.
    organisation: str
    role: str | None
    #: Who looked (their username), or None behind a shield.
    who: str | None
    #: The reason's code (identity.records.REASONS), or None when the entry can no
    #: longer be opened (the child was shredded).
    reason: str | None
    service_type: str
    read: bool
    #: Why the viewer's organisation is withheld (the child is shielded from the reader;
    #: the viewer provides a sensitive service), or None.
    withheld: str | None

    def as_api(self) -> dict[str, Any]:
        """CONTRACTS.md: `{"contactpoint_id", "at", "organisation", "role", "reason"}`."""
        return {"contactpoint_id": self.contactpoint_id,
                "at": self.at.astimezone(UTC).isoformat(timespec="milliseconds"),
                "organisation": self.organisation,
                "role": self.role, "reason": self.reason}


def _inbox(user: User) -> QuerySet[Notification]:
    organisation_id = user.organisation_id
    authorise(user, Permission.NOTIFICATIONS_READ, Recipient(organisation_id or 0))
    return Notification.objects.filter(recipient_id=organisation_id)


def unread_count(user: User) -> int:
    """How many of the user's organisation's notifications nobody has marked read (0 for
    someone who may not read them): the number in every page's header."""
    if user.organisation_id is None or not allows(
            user, Permission.NOTIFICATIONS_READ, Recipient(user.organisation_id)):
        return 0
    return Notification.objects.filter(recipient_id=user.organisation_id,
                                       read_at__isnull=True).count()


SHIELDED = ("The record is shielded: who looked, and from where, is known to the child's "
            "management team.")
SENSITIVE_VIEWER = "a sensitive service working with the child"
SENSITIVE = ("A sensitive service looked: the child's management team can broker contact "
             "with it.")
#: What kind of organisation looked, in words, for a reader the child is shielded from.
KINDS = {
    OrganisationType.LOCAL_AUTHORITY: "a local authority",
    OrganisationType.SCHOOL: "a school",
    OrganisationType.EARLY_YEARS: "an early years setting",
    OrganisationType.GP_PRACTICE: "a GP practice",
    OrganisationType.NHS_TRUST: "an NHS trust",
    OrganisationType.SOCIAL_CARE: "a children's social care team",
    OrganisationType.YOUTH_OFFENDING: "a youth offending team",
    OrganisationType.POLICE: "a police force",
    OrganisationType.VOLUNTARY: "a voluntary organisation",
    OrganisationType.NATIONAL_PARTNER: "the national team",
}


def _kind(organisation_type: str | None) -> str:
    return KINDS.get(organisation_type, "an organisation")  # type: ignore[call-overload]


def read(user: User, *, keys: KeyStore | None = None) -> list[Told]:
    """The newest `SHOWN` notifications of the user's organisation, audited."""
    keys = keys or get_keystore()
    reader = actor_of(user)
    with transaction.atomic():
        rows = list(_inbox(user).select_related("child").order_by("-created_at", "-pk")
                    [:SHOWN])
        entries = {e.pk: e for e in Entry.objects.filter(pk__in={n.entry_id for n in rows})}
        codes = {e.organisation for e in entries.values() if e.organisation}
        organisations = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
        told = [_told(n, entries.get(n.entry_id), organisations, reader, keys) for n in rows]
        hooks.record("notification:list:view", actor=user,
                     details={"shown": len(told), "unread": sum(not t.read for t in told),
                              "withheld": sum(bool(t.withheld) for t in told)},
                     children=list(dict.fromkeys(t.contactpoint_id for t in told)))
    return told


def _told(notification: Notification, entry: Entry | None,
          organisations: dict[str, Organisation], reader: Any, keys: KeyStore) -> Told:
    child: Child = notification.child
    facts = child_scope(child)
    withheld = (SHIELDED if shielded_from(reader, facts)
                else SENSITIVE if notification.viewer_sensitive
                and not sees_everything(reader, facts) else None)
    reason, organisation, role, who = None, "an organisation", None, None
    if entry is not None:
        reason = trail.readable(entry, None, keys)["reason"] if entry.sealed else None
        org = organisations.get(entry.organisation or "")
        role, who = entry.role, entry.actor
        if withheld == SHIELDED:
            organisation, who = _kind(org.type if org else None), None
        elif withheld == SENSITIVE:
            organisation, who = SENSITIVE_VIEWER, None
        else:
            organisation = org.name if org else (entry.organisation or "an organisation")
    return Told(notification.pk, child.contactpoint_id, notification.created_at,
                organisation, role, who, reason, notification.service_type,
                notification.read_at is not None, withheld)


def mark_read(user: User, ids: list[int] | None) -> int:
    """Mark these notifications (None: every unread one) of the user's organisation read;
    how many were. An id that is not the organisation's is a 400 naming it, and nothing
    is marked."""
    with transaction.atomic():
        unread = _inbox(user).filter(read_at__isnull=True)
        if ids is not None:
            found = set(_inbox(user).filter(pk__in=ids).values_list("pk", flat=True))
            missing = sorted(set(ids) - found)
            if missing:
                raise BadRequest("No such notification for your organisation.", problems=[
                    FieldProblem("notification", "Choose a notification of your "
                                 f"organisation (not {', '.join(map(str, missing))})", "body")])
            unread = unread.filter(pk__in=ids)
        marked = list(unread.select_related("child").values_list("pk", "child__contactpoint_id"))
        Notification.objects.filter(pk__in=[pk for pk, _ in marked]).update(
            read_at=timezone.now(), read_by=user)
        hooks.record("notification:mark:read", actor=user,
                     details={"notifications": [pk for pk, _ in marked]},
                     children=list(dict.fromkeys(cp for _, cp in marked)))
    return len(marked)
