"""Your account: who you are, your organisation and role, your second factors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from contactpoint.access import second_factors
from contactpoint.access.models import Role
from contactpoint.access.permissions import Permission
from contactpoint.web.access import requires


@requires(Permission.ACCOUNTS_OWN_MANAGE)
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "web/account/account.html", {
        "role": Role(user.role).label,  # type: ignore[union-attr]
        "factors": second_factors.second_factors_of(user),  # type: ignore[arg-type]
        "nav": "account",
    })
