"""A set-up link's pages: open it, choose a new password, then set up a second factor.

The link's secret is in its address only for the first request: the page keeps which
link was opened in the session and moves to an address without it, so the secret does
not linger in the browser's history or reach another page's Referer. The person then
signs in as at their first sign-in: a second factor is set up before anything else.
access.set_up_links decides and audits.
"""

from __future__ import annotations

from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from contactpoint.access import set_up_links
from contactpoint.access.services import AccessError
from contactpoint.access.sessions import remember_session
from contactpoint.routes import public
from contactpoint.web.access import next_sign_in_step
from contactpoint.web.forms import NewPasswordForm
from contactpoint.web.sessions import end_signed_in_session

SESSION_KEY = "contactpoint_set_up_link"


def _not_usable(request: HttpRequest) -> HttpResponse:
    return render(request, "web/signin/set_up_link_not_usable.html", status=404)


@public
@require_GET
def open_link(request: HttpRequest, secret: str) -> HttpResponse:
    link = set_up_links.usable_link(secret)
    if link is None:
        return _not_usable(request)
    with transaction.atomic():  # a public page: its changes in a transaction of their own
        if request.user.is_authenticated:  # someone else's session here ends first
            end_signed_in_session(request)
        request.session.cycle_key()
        request.session[SESSION_KEY] = link.pk
        set_up_links.opened(link)
    return redirect("web:set-up-password")


@public
@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest) -> HttpResponse:
    link = set_up_links.link_for_session(request.session.get(SESSION_KEY))
    if link is None:
        request.session.pop(SESSION_KEY, None)
        return _not_usable(request)
    form = NewPasswordForm(request.POST or None, user=link.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = set_up_links.set_password(link.pk, form.cleaned_data["new_password"])
        except AccessError:
            return _not_usable(request)
        request.session.pop(SESSION_KEY, None)
        with transaction.atomic():
            login(request, user)  # a new session key; the password step is done
            remember_session(user, request.session.session_key)
        return redirect(next_sign_in_step(user))
    return render(request, "web/signin/set_up_password.html",
                  {"form": form, "username": link.user.username})
