"""What each page needs: one declaration per view, checked on every request.

    @requires(Permission.ACCOUNTS_MANAGE)   # signed in with both factors, and the policy allows it
    @requires(Permission.CHILDREN_SHIELD_MANAGE, acts_on=TargetKind.CHILD)
                                            # ... on the child (or user) the route names,
                                            # which the view's service asks the policy about
    @signing_in                             # part-way through signing in (password accepted)
    @public                                 # anyone: the start page, sign-in, error pages
                                            # (contactpoint.routes, shared with the API)

A view without one of these is a mistake: tests/web/test_url_permissions.py walks every
URL of the project and fails on it, and on a page whose URL names a child or a user
that does not declare `acts_on`. The permission is the access policy's answer
(access/policy.py), asked here of the signed-in person on no one in particular; the
service the view calls asks it again of the child or user it acts on. Not signed in:
the sign-in page, then back here. Password accepted but no second factor yet: the next
sign-in step. Signed in without the permission: the GOV.UK 403 page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from contactpoint.access import second_factors
from contactpoint.access.authorise import Refused, actor_of
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import Ground, TargetKind, decide
from contactpoint.routes import PageAccess, View, declare
from contactpoint.web.requests import signed_in

NEXT_SESSION_KEY = "contactpoint_next"


def safe_next(request: HttpRequest, url: str | None) -> str | None:
    """`url` if it is a path on this site, else None (no open redirects)."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None


def next_sign_in_step(user: Any) -> str:
    """Where a person whose password was accepted goes next."""
    if user.must_change_password:
        return reverse("web:new-password")
    if not second_factors.has_second_factor(user):
        return reverse("web:set-up-app")
    return reverse("web:second-factor")


def signing_in(view: View) -> View:
    """A sign-in step after the password: needs a session with the password accepted."""
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect("web:sign-in")
        return view(request, *args, **kwargs)

    return declare(guarded, PageAccess("signing_in"))


def requires(permission: Permission, *,
             acts_on: TargetKind | None = None) -> Callable[[View], View]:
    """The page needs a complete sign-in (both factors) and `permission`; `acts_on` says
    what the view uses it on (its service asks the policy about that target)."""
    if not isinstance(permission, Permission):
        raise TypeError("a page names the Permission it needs")
    if acts_on is not None and not isinstance(acts_on, TargetKind):
        raise TypeError("a page names what it acts on as a TargetKind")

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not signed_in(request):
                return redirect_to_login(request.get_full_path())
            user = request.user
            if not user.is_verified():
                if request.method == "GET":
                    request.session[NEXT_SESSION_KEY] = request.get_full_path()
                return redirect(next_sign_in_step(user))
            decision = decide(actor_of(user), permission)
            if not decision.allowed:  # the refusal's entry names the policy's decision
                said = (f"needs {permission}" if decision.ground is Ground.PERMISSION
                        else decision.message)
                raise PermissionDenied(said) from Refused(said, decision)
            return view(request, *args, **kwargs)

        return declare(guarded, PageAccess("permission", permission, acts_on))

    return decorate


def page_permissions(request: HttpRequest) -> dict[str, Any]:
    """Context processor: what the signed-in person may do, for the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"page_permissions": frozenset(), "signed_in": False}
    return {"page_permissions": frozenset(p.value for p in actor_of(user).permissions),
            "signed_in": True}
