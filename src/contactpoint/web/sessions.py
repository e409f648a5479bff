"""Signed-in sessions: ended after a short idle time, and at once on suspension.

Django already renews the session's expiry on each request (SESSION_SAVE_EVERY_REQUEST)
and the database session store ignores an expired one; this middleware says so to the
person ("you were signed out because…") and does not depend on the session store or
the browser honouring the cookie's age. Suspension is checked on every request from the
user row Django loads anyway, so it takes effect on the next click, whichever session
it comes from (services.suspend_user also deletes the sessions it knows of).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from contactpoint.access.sessions import end_sessions, forget_session
from contactpoint.audit import hooks as audit

LAST_SEEN_KEY = "contactpoint_last_seen"
#: Paths that never use the signed-in session: the API authenticates with tokens, and
#: static files are answered before this runs.
_SESSIONLESS_PREFIXES = ("/api/", "/static/")


def end_signed_in_session(request: HttpRequest) -> None:
    """Sign the person out of this session and forget it."""
    forget_session(request.session.session_key)
    logout(request)


class SignedInSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_SESSIONLESS_PREFIXES):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - float(last_seen) > settings.SESSION_IDLE_SECONDS:
                with transaction.atomic():  # ended and audited together
                    audit.record("account:session:timeout", actor=user)
                    end_signed_in_session(request)
                return redirect(reverse("web:signed-out") + "?reason=idle")
            refusal = user.refusal()
            if refusal is not None:
                with transaction.atomic():
                    audit.record("account:session:end", actor=user,
                                 details={"because": refusal})
                    end_sessions(user)
                    end_signed_in_session(request)
                return redirect(reverse("web:signed-out") + "?reason=suspended")
            request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
