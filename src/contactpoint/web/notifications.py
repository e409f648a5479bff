"""The Notifications page, the unread count in the header, and the record's recent access.

The pages translate HTTP; contactpoint.notifications decides who is told, who may read
what, and audits each reading. Marking read is a POST (with CSRF) from the page itself.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from contactpoint.access.models import Role
from contactpoint.access.permissions import Permission
from contactpoint.errors import BadRequest
from contactpoint.identity.records import REASONS
from contactpoint.identity.vocabulary import SERVICE_TYPES
from contactpoint.notifications import inbox
from contactpoint.notifications.recent import Access
from contactpoint.web.access import requires
from contactpoint.web.activity import event_in_words
from contactpoint.web.requests import AuthedRequest

MAX_MARKED = 100


def unread(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the signed-in person's organisation's unread notifications, for
    the count beside Notifications in the header (0 for anyone else)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"unread_notifications": 0}
    return {"unread_notifications": inbox.unread_count(user)}


def _role(role: str | None) -> str | None:
    return Role(role).label if role in Role.values else role


def recent_rows(accesses: list[Access]) -> list[dict[str, Any]]:
    """The record's recent access, in words, for its table."""
    return [{"when": a.when, "organisation": a.organisation or "No organisation",
             "role": _role(a.role), "who": a.who, "what": event_in_words(a.event),
             "reason": REASONS.get(a.reason or "", "")} for a in accesses]


def _marked(request: HttpRequest) -> list[int] | None:
    """The notifications the form marks read: one (`notification`), or every unread
    (`all`). Anything else is a 400 naming the field."""
    if request.POST.get("all"):
        return None
    raw = request.POST.getlist("notification")[:MAX_MARKED]
    if not raw or not all(v.isascii() and v.isdigit() and len(v) < 19 for v in raw):
        raise BadRequest("Choose a notification to mark as read.")
    return [int(v) for v in raw]


@requires(Permission.NOTIFICATIONS_READ)
@require_http_methods(["GET", "POST"])
def notifications(request: AuthedRequest) -> HttpResponse:
    """Who opened the records of children your organisation works with. Every showing is
    audited; marking read posts back here."""
    problem = None
    if request.method == "POST":
        try:
            inbox.mark_read(request.user, _marked(request))
        except BadRequest as exc:
            problem = exc.problems[0].detail if exc.problems else exc.detail
        else:
            return redirect("web:notifications")
    told = inbox.read(request.user)
    rows = [{"told": t, "role": _role(t.role), "reason": REASONS.get(t.reason or "", ""),
             "service": t.service_type if t.service_type in SERVICE_TYPES else "other"}
            for t in told]
    return render(request, "web/notifications/notifications.html", {
        "rows": rows, "unread_here": sum(not t.read for t in told), "problem": problem,
        "nav": "notifications"}, status=400 if problem else 200)
