"""Typed requests for views, so a view's annotations say who is signed in.

Django types `request.user` as a signed-in user or an anonymous one; a view behind
`@requires(...)` or `@signing_in` (web/access.py) only ever runs for a signed-in one.
Annotating such a view's request as `AuthedRequest` says so once, instead of narrowing
`request.user` again in every view.

django_otp's OTPMiddleware gives every request's user an `is_verified()` method (has
this session passed the second factor?). The library ships no types, so `OTPUser`
declares it for the type checker; at run time it is the User model itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

from django.http import HttpRequest

from contactpoint.access.models import User

if TYPE_CHECKING:
    class OTPUser(User):
        """The User model as OTPMiddleware leaves it on a request."""

        def is_verified(self) -> bool: ...
else:
    OTPUser = User


class AuthedRequest(HttpRequest):
    """A request from someone signed in (at least the password step done)."""

    user: OTPUser


def signed_in(request: HttpRequest) -> TypeGuard[AuthedRequest]:
    """Whether the request's user has passed the password step (Django's is_authenticated)."""
    return request.user.is_authenticated
