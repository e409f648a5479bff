"""Opening a record and telling the child's services, in one transaction.

The pages and the API open a record through `open_record` here: identity.records opens
it (asking the access policy, writing the view's audit entry) and, in the same
transaction, each responsible team outside the viewer's organisation gets a
Notification pointing at that entry. Either both are written or neither: a team is
never told of a view the trail does not hold, and no view goes untold. Telling is
therefore immediate: the team sees it on its next page.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from contactpoint.access.models import Organisation, User
from contactpoint.crypto.keystore import KeyStore
from contactpoint.identity import records
from contactpoint.notifications.models import Notification
from contactpoint.notifications.rules import (
    REPEAT_AFTER,
    provides_sensitive,
    services_told,
    silent_types,
)


def open_record(user: User, contactpoint_id: str, *, reason: str | None,
                detail: str | None = None, break_glass: bool = False,
                keys: KeyStore | None = None) -> dict[str, Any]:
    """identity.records.open_record, telling the child's services who looked."""
    with transaction.atomic():
        opened = records.opening(user, contactpoint_id, reason=reason, detail=detail,
                                 break_glass=break_glass, keys=keys)
        notify(user, opened)
    return opened.shown


def tells_services(user: User) -> bool:
    """Does this person's opening of a record tell the child's services (what the reason
    page says)? Not when their kind of organisation is silent."""
    own = user.organisation
    return own is not None and own.type not in silent_types()


def notify(user: User, opened: records.Opened) -> list[Notification]:
    """Tell each open social-care or youth-offending service of the child, other than the
    viewer's own organisation, that the viewer opened the record (in the caller's
    transaction). Silent organisation types tell nobody."""
    own = user.organisation
    if own is None or not tells_services(user):
        return []
    told = services_told(opened.record, timezone.localdate())
    if not told:
        return []
    teams = list(Organisation.objects.filter(code__in=told).exclude(pk=own.pk))
    if not teams:
        return []
    now = timezone.now()
    lately: set[int] = set()
    if not opened.break_glass:
        lately = set(Notification.objects.filter(
            child=opened.child, viewer=user, recipient__in=teams,
            created_at__gte=now - REPEAT_AFTER).values_list("recipient_id", flat=True))
    sensitive = provides_sensitive(opened.record, own.code)
    made = [Notification(recipient=team, child=opened.child, entry_id=opened.entry_id,
                         viewer=user, service_type=told[team.code], created_at=now,
                         viewer_sensitive=sensitive)
            for team in teams if team.pk not in lately]
    return Notification.objects.bulk_create(made)
