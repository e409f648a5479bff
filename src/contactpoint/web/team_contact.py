"""Your team's contact details: the page where a management team sets how practitioners
reach it when it brokers contact (identity.team_contact decides and audits)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from contactpoint.access.permissions import Permission
from contactpoint.errors import BadRequest
from contactpoint.identity import team_contact
from contactpoint.web.access import requires
from contactpoint.web.child_forms import add_problems
from contactpoint.web.requests import AuthedRequest


class TeamContactForm(forms.Form):
    phone = forms.CharField(max_length=40, required=False, error_messages={
        "max_length": "Enter a phone number of 40 characters or fewer"})
    email = forms.CharField(max_length=200, required=False, error_messages={
        "max_length": "Enter an email address of 200 characters or fewer"})


@requires(Permission.ORGANISATIONS_CONTACT_MANAGE)
@require_http_methods(["GET", "POST"])
def contact(request: AuthedRequest) -> HttpResponse:
    org = team_contact.team_organisation(request.user)
    form = TeamContactForm(request.POST or None, initial={"phone": org.contact_phone,
                                                          "email": org.contact_email})
    if request.method == "POST" and form.is_valid():
        try:
            team_contact.set_team_contact(request.user, **form.cleaned_data)
        except BadRequest as exc:
            add_problems(form, exc)
        else:
            messages.success(request, "Your team's contact details are saved")
            return redirect("web:manage-contact")
    return render(request, "web/manage/team_contact.html",
                  {"form": form, "organisation": org, "nav": "organisations"})
