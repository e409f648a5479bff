"""The request an API operation is given, typed: django-ninja has authenticated it.

Ninja sets `request.auth` to what the operation's authentication returned (api/auth.py:
the token's Principal) before the operation runs; Django's HttpRequest does not declare
it. An operation annotates its request as `ApiRequest` to read it typed.
"""

from __future__ import annotations

from django.http import HttpRequest

from contactpoint.access.tokens import Principal


class ApiRequest(HttpRequest):
    """A request whose API token was accepted: `auth` is whom it acts for."""

    auth: Principal
