"""`GET /api/v1/notifications` (CONTRACTS.md): the caller's organisation's access
notifications, from the same service as the Notifications page (contactpoint/
notifications: who may read them, a shielded child's viewer given by kind, the reading
audited)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Schema

from contactpoint.access.permissions import Permission
from contactpoint.access.tokens import Principal
from contactpoint.api.auth import ApiRouter
from contactpoint.errors import Forbidden
from contactpoint.notifications import inbox

router = ApiRouter(tags=["notifications"])


class NotificationOut(Schema):
    contactpoint_id: str
    at: str
    organisation: str
    role: str | None
    reason: str | None


@router.get("/notifications", permission=Permission.NOTIFICATIONS_READ,
            response=list[NotificationOut], summary="Who opened your children's records")
def notifications(request: HttpRequest) -> list[dict[str, Any]]:
    """Newest first (up to 100): each time someone outside your organisation opened the
    record of a child with your organisation's open social-care or youth-offending
    involvement. `organisation` is who looked (behind a shield, only its kind); `role`
    their role; `reason` the reason code they gave."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    if principal.user is None:
        raise Forbidden("Only a person may do this.")
    return [told.as_api() for told in inbox.read(principal.user)]
