"""A refused request leaves its refusal in the audit trail, even though its view's did not.

Each request runs in one transaction (ATOMIC_REQUESTS): a view that refuses by raising
(PermissionDenied, Http404, the API's Forbidden, NotFound, Conflict) rolls back
everything it wrote, its audit entries too. So the refusal is written here, once the
answer is made and the view's transaction is over, in a transaction of its own: one
`request:refused` entry with the method, the route's pattern (never the path as sent,
and never a query string: both can carry a name), the status, and the ids the route
was called with; when the access policy refused (access/policy.py), also the permission
and the ground it refused on. If that entry cannot be written, the answer becomes a 500:
nothing is refused unaudited. The policy itself writes nothing for a request, so each
refusal is written once.

Recorded for people and systems the service knows (signed in, at any step; an API
caller with a token, refused or not) and for anyone at a sign-in step (a wrong set-up
link, a locked account, an expired form): not for an anonymous visitor's 404, which
says nothing about anyone and would let anyone fill the trail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from contactpoint.access.authorise import note_refusal, noted_refusal
from contactpoint.audit import hooks as audit
from contactpoint.errors import Gone
from contactpoint.routes import API_PREFIX
from contactpoint.web.errors import gone, server_error

log = logging.getLogger("contactpoint.web")

EVENT = "request:refused"
#: The answers that refuse: not signed in, not allowed, not found (or not yours), not
#: this method, already decided, gone (a purged record), too many tries. A 400 only
#: says the input was wrong.
REFUSALS = frozenset({401, 403, 404, 405, 409, 410, 429})
SIGN_IN_PREFIX = "/sign-in/"
#: Route values never written anywhere, not even sealed.
SECRET_VALUES = frozenset({"secret"})


def _principal(request: HttpRequest) -> Any:
    """The API caller a token stood for (api/auth.py sets it, refused by permission too)."""
    return getattr(request, "auth", None)


def _actor(request: HttpRequest) -> Any:
    """Who was refused: under /api/ the token's holder only (a browser's session there
    proves nothing), elsewhere the person signed in, at whatever step."""
    if request.path_info.startswith(API_PREFIX):
        principal = _principal(request)
        return None if principal is None else principal.user or principal.client
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def audited(request: HttpRequest, status: int) -> bool:
    """Does this refusal go in the trail? (See the module's docstring for who.)"""
    if status not in REFUSALS:
        return False
    return (_actor(request) is not None
            or "HTTP_AUTHORIZATION" in request.META
            or request.path_info.startswith(SIGN_IN_PREFIX))


def refusal_entry(request: HttpRequest, status: int) -> dict[str, Any]:
    """The entry's parts: what was asked, by route; ids readable, other values sealed."""
    match = request.resolver_match
    details: dict[str, Any] = {"method": request.method, "status": status,
                               "route": match.route if match is not None else None,
                               **noted_refusal(request)}
    personal: dict[str, Any] = {}
    subject = None
    for name, value in (match.kwargs if match is not None else {}).items():
        if name in SECRET_VALUES:
            continue
        if name == "contactpoint_id" and audit.CONTACTPOINT_ID.match(str(value)):
            subject = str(value)
        elif isinstance(value, int):
            details[name] = value
        else:
            personal[name] = str(value)[:200]
    return {"actor": _actor(request), "subject": subject, "details": details,
            "personal": personal or None}


class RefusalAuditMiddleware:
    """Writes `request:refused` for a refused answer, after the view's transaction."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def process_exception(self, request: HttpRequest,
                          exception: Exception) -> HttpResponse | None:
        """A page's refusal, before Django answers it: note what the policy refused. A
        purged record's (any page about it) is answered here: "this record was removed"."""
        note_refusal(request, exception)
        if isinstance(exception, Gone):
            return gone(request)
        return None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not audited(request, response.status_code):
            return response
        try:
            with transaction.atomic():
                audit.record(EVENT, **refusal_entry(request, response.status_code))
        except Exception:
            route = request.resolver_match.route if request.resolver_match else "?"
            log.exception("a refused %s %s could not be audited: answered 500 instead",
                          request.method, route)
            return server_error(request)
        return response
