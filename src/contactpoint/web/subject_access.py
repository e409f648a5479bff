"""A child's subject access requests: the management team's page to answer one.

subject_access.requests decides (only the child's own team, or the national team) and
audits every step; to anyone else the page is "not found", as for a child that does not
exist. The page runs outside the request's transaction: producing the export signs a
checkpoint of the audit trail, which must never name entries a rollback could remove.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from contactpoint.access.permissions import Permission
from contactpoint.access.policy import TargetKind
from contactpoint.errors import BadRequest, Forbidden, NotFound
from contactpoint.subject_access import requests
from contactpoint.web.access import requires
from contactpoint.web.child_forms import add_problems
from contactpoint.web.requests import AuthedRequest


class RequestForm(forms.Form):
    requester = forms.CharField(max_length=200, strip=True, error_messages={
        "required": "Enter the name of the person who asked",
        "max_length": "The name must be 200 characters or fewer"})
    relation = forms.ChoiceField(choices=list(requests.RELATIONS.items()),
                                 widget=forms.RadioSelect, error_messages={
        "required": "Choose who the person is to the child",
        "invalid_choice": "Choose who the person is to the child"})
    identity_check = forms.CharField(max_length=500, strip=True, error_messages={
        "required": "Enter how you checked the person's identity",
        "max_length": "The answer must be 500 characters or fewer"})
    approved = forms.MultipleChoiceField(
        required=False, choices=[], widget=forms.CheckboxSelectMultiple, error_messages={
            "invalid_choice": "Choose only organisations listed"})
    shield_warning_read = forms.BooleanField(required=False)


@transaction.non_atomic_requests
@requires(Permission.CHILDREN_SUBJECT_ACCESS, acts_on=TargetKind.CHILD)
@require_http_methods(["GET", "POST"])
def subject_access(request: AuthedRequest, contactpoint_id: str) -> HttpResponse:
    """Start and answer a subject access request, and download what was produced."""
    try:
        child = requests.child_for_request(request.user, contactpoint_id)
        if "download" in request.GET:
            name, archive = requests.download(request.user, contactpoint_id,
                                              _number(request.GET["download"]))
            response = HttpResponse(archive, content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    except (NotFound, Forbidden):
        raise Http404("no such child or request") from None
    organisations = requests.organisations_to_approve(child) if child.shielded else []
    form = RequestForm(request.POST or None)
    approved = cast(forms.MultipleChoiceField, form.fields["approved"])
    approved.choices = [(o.code, o.name) for o in organisations]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asked = requests.Asked(data["requester"], data["relation"], data["identity_check"],
                               frozenset(data["approved"]), data["shield_warning_read"])
        try:
            requests.answer(request.user, contactpoint_id, asked)
        except (NotFound, Forbidden):
            raise Http404("no such child") from None
        except BadRequest as exc:
            add_problems(form, exc)
        else:
            messages.success(request, "The subject access export is ready to download")
            return redirect("web:subject-access", contactpoint_id)
    return render(request, "web/children/subject_access.html", {
        "form": form, "contactpoint_id": child.contactpoint_id, "shielded": child.shielded,
        "organisations": organisations,
        "answered": requests.answered(request.user, contactpoint_id), "nav": "search"})


def _number(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise NotFound("No such subject access request for this child.")
    return int(value)
