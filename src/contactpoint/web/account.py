"""Your account: who you are, your organisation and role, your second factors, and the
API tokens of systems that act for you.

Every page here needs a complete sign-in (both factors), as `requires` makes every page
that names a permission: a token is created only by someone who has just proved both.
access.tokens decides and audits; these views translate HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from contactpoint.access import second_factors, tokens
from contactpoint.access.models import ApiToken, Role, User
from contactpoint.access.permissions import Permission
from contactpoint.access.services import AccessError
from contactpoint.errors import NotFound
from contactpoint.web.access import requires
from contactpoint.web.forms import add_access_error
from contactpoint.web.requests import AuthedRequest

OWN = Permission.ACCOUNTS_OWN_MANAGE


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=tokens.NAME_MAX_CHARS, strip=True, error_messages={
        "required": "Enter what the token is for, such as the name of your case-management "
                    "system",
        "max_length": f"The name must be {tokens.NAME_MAX_CHARS} characters or fewer"})


def token_rows(user: User, revoke_url: Callable[[ApiToken], str]) -> list[dict[str, Any]]:
    """A person's tokens as Your account and their management team's page list them
    (templates/web/includes/api_tokens.html), each with the address that revokes it."""
    now = timezone.now()
    return [{"token": t, "status": tokens.token_status(t, now), "revoke_url": revoke_url(t),
             "issued_by_operator": t.issued_by.startswith("operator:"),
             "operator": t.issued_by.removeprefix("operator:")}
            for t in tokens.tokens_of(user)]


@requires(OWN)
def account(request: AuthedRequest) -> HttpResponse:
    user = request.user
    return render(request, "web/account/account.html", {
        "role": Role(user.role).label,
        "factors": second_factors.second_factors_of(user),
        "tokens": token_rows(user, lambda t: reverse(
            "web:revoke-api-token", args=[t.prefix])),
        "token_days": tokens.user_token_lifetime().days,
        "nav": "account",
    })


@requires(OWN)
@require_http_methods(["GET", "POST"])
def create_api_token(request: AuthedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, stored = tokens.create_own_token(request.user,
                                                    name=form.cleaned_data["name"])
        except AccessError as exc:
            add_access_error(form, exc)
        else:
            # Shown once, in this answer (never in a URL or a later page), as a set-up
            # link or a one-time password is; only its hash is kept.
            return render(request, "web/account/api_token_created.html", {
                "token": token, "stored": stored, "nav": "account"})
    return render(request, "web/account/create_api_token.html", {
        "form": form, "token_days": tokens.user_token_lifetime().days, "nav": "account"})


def _own_token(request: AuthedRequest, prefix: str) -> ApiToken:
    found = ApiToken.objects.filter(user=request.user, prefix=prefix).first()
    if found is None:
        raise Http404("no such token")
    return found


@requires(OWN)
@require_http_methods(["GET", "POST"])
def revoke_api_token(request: AuthedRequest, prefix: str) -> HttpResponse:
    token = _own_token(request, prefix)
    if request.method == "POST":
        try:
            tokens.revoke_own_token(request.user, prefix)
        except NotFound:
            raise Http404("no such token") from None
        messages.success(request, f"The API token “{token.name or token.prefix}” is revoked. "
                                  "It stopped working at once.")
        return redirect(reverse("web:account") + "#api-tokens")
    return render(request, "web/account/revoke_api_token.html", {
        "token": token, "nav": "account"})
