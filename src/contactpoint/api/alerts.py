"""Misuse alerts over HTTP: `GET /api/v1/alerts`, the open alerts the caller may see.

The same service as the Alerts page and `contactpoint alerts list` (oversight.alerts):
a management team sees its authority's users' alerts, the national team every alert.
Reading them is audited (`oversight:alerts:list`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema

from contactpoint.access.permissions import Permission
from contactpoint.access.tokens import Principal
from contactpoint.api.auth import ApiRouter
from contactpoint.errors import Forbidden
from contactpoint.oversight import alerts

router = ApiRouter(tags=["alerts"])


class AlertItem(Schema):
    id: int
    rule: str = Field(..., description="own_family, volume, trawling, out_of_area, "
                                       "break_glass, failed_sign_ins or out_of_hours")
    user: str | None = Field(..., description="The username, or null for an address.")
    organisation: str | None
    raised_at: str
    status: str
    evidence: list[int] = Field(..., description="Sequence numbers of the audit trail's "
                                                 "entries the alert rests on.")
    summary: str


@router.get("/alerts", permission=Permission.ALERTS_MANAGE, response=list[AlertItem],
            summary="Open misuse alerts about the users the caller's team manages")
def list_alerts(request: HttpRequest) -> list[dict[str, Any]]:
    principal: Principal = request.auth  # type: ignore[attr-defined]
    if principal.user is None:
        raise Forbidden("Only a person reads misuse alerts.")
    return [alerts.as_item(a) for a in alerts.list_alerts(principal.user)]
