"""Management team pages: the users and organisations a team (or the national team) manages.

The pages translate HTTP; access.services decides who may manage whom and writes the
audit entry. Someone outside the team's reach is "not found", never "forbidden", so the
pages do not confirm who has an account elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from contactpoint.access import second_factors, services, set_up_links, tokens
from contactpoint.access.models import ApiToken, OrganisationType, Role, User
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import TargetKind
from contactpoint.access.services import AccessError
from contactpoint.errors import NotFound
from contactpoint.oversight import own_details
from contactpoint.web.access import requires
from contactpoint.web.account import token_rows
from contactpoint.web.forms import (
    AddOrganisationForm,
    AddUserForm,
    ReasonForm,
    add_access_error,
)
from contactpoint.web.requests import AuthedRequest

MANAGE = Permission.ACCOUNTS_MANAGE


class _Act(Protocol):
    """An action on a user: who does it, to whom, and why."""

    def __call__(self, actor: User, username: str, /, *, reason: str) -> Any: ...


@dataclass(frozen=True)
class UserAction:
    """What an action on a user is called, asks and does. `done`: what the answer page
    says (formatted with the person's name); None when the answer is the set-up link."""

    heading: str
    explain: str
    button: str
    warning: bool
    do: _Act
    done: str | None


#: The actions on a user, by the name in their address.
USER_ACTIONS = {
    "suspend": UserAction(
        heading="Suspend {name}",
        explain="They are signed out at once and cannot sign in, or use the API, until "
                "their account is reinstated. Tell their manager.",
        button="Suspend account", warning=True, do=services.suspend_user,
        done="{name}'s account is suspended"),
    "reinstate": UserAction(
        heading="Reinstate {name}",
        explain="They can sign in again with their password and second factor.",
        button="Reinstate account", warning=False, do=services.reinstate_user,
        done="{name}'s account is reinstated"),
    "reset-second-factor": UserAction(
        heading="Reset {name}'s second factor",
        explain="Their authenticator apps and security keys are removed and they are "
                "signed out. When they next sign in they set up a new one. Check who "
                "is asking before you do this.",
        button="Reset second factor", warning=True,
        do=services.reset_second_factor,
        done="{name}'s second factor is reset"),
    "reset-password": UserAction(
        heading="Give {name} a set-up link",
        explain="For someone locked out or who has forgotten their password. Their "
                "password, authenticator apps and security keys stop working at once "
                "and they are signed out. You are shown a link, once, to give them "
                "yourself: with it they choose a new password and set up a new second "
                "factor. It works once, for 24 hours. Check who is asking before you "
                "do this.",
        button="Create set-up link", warning=True, do=set_up_links.issue,
        done=None),
}


def _display_name(user: User) -> str:
    return user.get_full_name() or user.username


def _status(user: User) -> str:
    if user.suspended_at is not None:
        return "Suspended"
    if user.must_change_password:
        return "Not signed in yet"
    return "Active"


def _managed(request: AuthedRequest, username: str) -> User:
    try:
        return services.managed_user(request.user, username)
    except NotFound:
        raise Http404("no such user") from None


@requires(MANAGE)
def users(request: AuthedRequest) -> HttpResponse:
    found = services.list_users(request.user)
    rows = [{"user": u, "name": _display_name(u), "status": _status(u),
             "role": Role(u.role).label} for u in found]
    return render(request, "web/manage/users.html", {"rows": rows, "nav": "users"})


@requires(MANAGE, acts_on=TargetKind.USER)
def user_detail(request: AuthedRequest, username: str) -> HttpResponse:
    try:
        user = services.view_user(request.user, username)
    except NotFound:
        raise Http404("no such user") from None
    return render(request, "web/manage/user.html", {
        "subject": user, "name": _display_name(user), "status": _status(user),
        "role": Role(user.role).label, "factors": second_factors.second_factors_of(user),
        "is_self": user.pk == request.user.pk, "nav": "users",
        "tokens": _token_rows(user)})


@requires(MANAGE, acts_on=TargetKind.USER)
@require_http_methods(["GET", "POST"])
def user_action(request: AuthedRequest, username: str, action: str) -> HttpResponse:
    spec = USER_ACTIONS.get(action)
    if spec is None:
        raise Http404("no such action")
    user = _managed(request, username)
    name = _display_name(user)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = spec.do(request.user, username, reason=form.cleaned_data["reason"])
        except AccessError as exc:
            form.add_error("reason" if str(exc).startswith("reason:") else None,
                           str(exc).removeprefix("reason: "))
        else:
            if spec.done is None:  # the set-up link (reset-password)
                # Shown once, in this answer, as a one-time password is (add_user).
                secret, expires = done
                return render(request, "web/manage/set_up_link.html", {
                    "name": name, "expires": expires, "nav": "users",
                    "link": request.build_absolute_uri(
                        reverse("web:set-up-link", args=[secret])),
                    "back": reverse("web:manage-user", args=[user.username])})
            return render(request, "web/manage/done.html", {
                "heading": spec.done.format(name=name), "nav": "users",
                "back": reverse("web:manage-user", args=[user.username])})
    return render(request, "web/manage/user_action.html", {
        "form": form, "subject": user, "heading": spec.heading.format(name=name),
        "explain": spec.explain, "button": spec.button, "warning": spec.warning,
        "nav": "users"})


# -- a managed person's API tokens ------------------------------------------------------------

def _token_rows(user: User) -> list[dict[str, Any]]:
    return token_rows(user, lambda t: reverse("web:manage-revoke-api-token",
                                               args=[user.username, t.prefix]))


@requires(MANAGE, acts_on=TargetKind.USER)
@require_http_methods(["GET", "POST"])
def revoke_user_token(request: AuthedRequest, username: str, prefix: str) -> HttpResponse:
    """Revoke a token of someone the team manages, with a reason; anyone else's is 404."""
    user = _managed(request, username)
    token = ApiToken.objects.filter(user=user, prefix=prefix).first()
    if token is None:
        raise Http404("no such token")
    name = _display_name(user)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tokens.revoke_managed_token(request.user, username, prefix,
                                        reason=form.cleaned_data["reason"])
        except AccessError as exc:
            form.add_error("reason" if str(exc).startswith("reason:") else None,
                           str(exc).removeprefix("reason: "))
        except NotFound:
            raise Http404("no such token") from None
        else:
            return render(request, "web/manage/done.html", {
                "heading": f"{name}'s API token {token.name or token.prefix} is revoked",
                "nav": "users", "back": reverse("web:manage-user", args=[user.username])})
    return render(request, "web/manage/user_action.html", {
        "form": form, "subject": user, "nav": "users",
        "heading": f"Revoke {name}'s API token {token.name or token.prefix}",
        "explain": f"The token {token.prefix} stops working at once: the system that uses "
                   "it can no longer act for them. They can create a new one in their "
                   "account. Tell them why.",
        "button": "Revoke token", "warning": True})


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def add_user(request: AuthedRequest) -> HttpResponse:
    actor = request.user
    organisations = services.organisations_granted_by(actor)
    roles = sorted({r for o in organisations for r in services.roles_grantable(actor, o)},
                   key=list(Role.values).index)
    form = AddUserForm(request.POST or None, organisations=organisations, roles=roles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            own = own_details.check_own_names(data["first_name"], data["last_name"],
                                              data["home_postcode"])
            with transaction.atomic():  # the account and its sealed details, or neither
                user, password = services.grant_access(
                    actor, username=data["username"],
                    org_code=data["organisation"], role=data["role"], reason=data["reason"],
                    first_name=data["first_name"], last_name=data["last_name"],
                    email=data["email"])
                own_details.set_own_details(user, own)
        except own_details.OwnDetailsError as exc:
            field, _, message = str(exc).partition(": ")
            form.add_error({"given_names": "first_name", "family_name": "last_name"}.get(
                field, field), message)
        except AccessError as exc:
            add_access_error(form, exc)
        else:
            # Shown once, in this answer (never in a URL or a later page): the manager
            # gives it to the person by a separate route, and it must be changed at once.
            return render(request, "web/manage/user_added.html", {
                "subject": user, "name": _display_name(user), "password": password,
                "nav": "users"})
    return render(request, "web/manage/add_user.html", {
        "form": form, "no_organisations": not organisations, "nav": "users"})


@requires(MANAGE)
def organisations(request: AuthedRequest) -> HttpResponse:
    found = services.organisations_managed_by(request.user)
    rows = [{"org": o, "type": OrganisationType(o.type).label,
             "authority": o.authority.name if o.authority else ""} for o in found]
    return render(request, "web/manage/organisations.html",
                  {"rows": rows, "nav": "organisations"})


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def add_organisation(request: AuthedRequest) -> HttpResponse:
    actor = request.user
    form = AddOrganisationForm(request.POST or None,
                               types=services.organisation_types_for(actor))
    if request.method == "POST" and form.is_valid():
        try:
            services.register_organisation(actor, **form.cleaned_data)
        except AccessError as exc:
            add_access_error(form, exc)
        else:
            return redirect(reverse("web:manage-organisations") + "?added=1")
    return render(request, "web/manage/add_organisation.html",
                  {"form": form, "nav": "organisations"})
