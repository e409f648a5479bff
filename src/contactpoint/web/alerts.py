"""The Alerts page: misuse alerts for management teams (their authority's users) and the
national team (everyone), with the evidence from the trail and what to do about them.

The pages translate HTTP; oversight.alerts decides which alerts the person may see and
act on (the access policy's `alerts:manage`, reaching users as managing them does), and
audits every reading and action. An alert outside the person's reach is "not found".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from contactpoint.access.models import Role
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import TargetKind
from contactpoint.errors import BadRequest, NotFound
from contactpoint.identity.records import REASONS
from contactpoint.oversight import alerts as service
from contactpoint.oversight.models import Alert, Outcome
from contactpoint.web.access import requires
from contactpoint.web.activity import detail_lines, event_in_words
from contactpoint.web.forms import ReasonForm, set_choices
from contactpoint.web.requests import AuthedRequest

ALERTS = Permission.ALERTS_MANAGE
NOTE_MAX_CHARS = service.NOTE_MAX_CHARS

#: What each rule is called on the page.
RULE_WORDS = {
    "own_family": "Looked up their own family",
    "volume": "Far more use than their peers",
    "trawling": "Trawling the index",
    "out_of_area": "Children outside their area",
    "break_glass": "Broke the glass",
    "failed_sign_ins": "Many failed sign-ins",
    "out_of_hours": "Use out of hours",
}


class NoteForm(forms.Form):
    note = forms.CharField(max_length=NOTE_MAX_CHARS, strip=True, error_messages={
        "required": "Enter what you told their manager",
        "max_length": f"What you told their manager must be {NOTE_MAX_CHARS} characters or "
                      "fewer"})


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(widget=forms.RadioSelect, error_messages={
        "required": "Select the outcome", "invalid_choice": "Select the outcome"})
    reason = forms.CharField(max_length=NOTE_MAX_CHARS, strip=True, error_messages={
        "required": "Enter the reason",
        "max_length": f"The reason must be {NOTE_MAX_CHARS} characters or fewer"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "outcome", list(Outcome.choices))


#: Each action on an alert: its form, what the page says, and what it does.
ACTIONS: dict[str, dict[str, Any]] = {
    "suspend": {
        "form": ReasonForm, "heading": "Suspend {name}'s account",
        "explain": "They are signed out at once and cannot sign in, or use the API, until "
                   "their account is reinstated from the Users page.",
        "button": "Suspend account", "warning": True, "done": "{name}'s account is suspended",
        "do": lambda actor, alert, data: service.suspend(actor, alert, reason=data["reason"])},
    "tell-manager": {
        "form": NoteForm, "heading": "Record that you told {name}'s manager",
        "explain": "Tell their manager yourself, then record here when and what you told "
                   "them. It is kept in the audit trail.",
        "button": "Record it", "warning": False, "done": "Telling {name}'s manager is recorded",
        "do": lambda actor, alert, data: service.tell_manager(actor, alert, note=data["note"])},
    "close": {
        "form": CloseForm, "heading": "Close this alert",
        "explain": "Say what you found. A closed alert leaves the list; it stays in the "
                   "records, and the audit trail keeps your reason.",
        "button": "Close alert", "warning": False, "done": "The alert is closed",
        "do": lambda actor, alert, data: service.close(
            actor, alert, outcome=data["outcome"], reason=data["reason"])},
}


def _who(alert: Alert) -> str:
    if alert.user is not None:
        return alert.user.get_full_name() or alert.user.username
    return alert.username or "an unknown address"


def _row(alert: Alert) -> dict[str, Any]:
    return {"alert": alert, "rule": RULE_WORDS.get(alert.rule, alert.rule), "who": _who(alert),
            "link": reverse("web:alert", args=[alert.pk])}


@requires(ALERTS)
@require_GET
def alerts(request: AuthedRequest) -> HttpResponse:
    rows = [_row(a) for a in service.list_alerts(request.user)]
    return render(request, "web/alerts/alerts.html", {"rows": rows, "nav": "alerts"})


def _shown(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "event_words": event_in_words(entry["event"]),
            "role_label": Role(entry["role"]).label if entry["role"] in Role.values else "",
            "reason_words": REASONS.get(entry["reason"] or "", entry["reason"]),
            "lines": detail_lines(entry["details"])}


@requires(ALERTS, acts_on=TargetKind.USER)
@require_GET
def alert(request: AuthedRequest, alert_id: int) -> HttpResponse:
    try:
        found, evidence = service.view_alert(request.user, alert_id)
    except NotFound:
        raise Http404("no such alert") from None
    return render(request, "web/alerts/alert.html", {
        **_row(found), "evidence": [_shown(e) for e in evidence], "nav": "alerts",
        "may_suspend": service.may_suspend(request.user, found),
        "actions": {name.replace("-", "_"): reverse("web:alert-action", args=[found.pk, name])
                    for name in ACTIONS}})


@requires(ALERTS, acts_on=TargetKind.USER)
@require_http_methods(["GET", "POST"])
def alert_action(request: AuthedRequest, alert_id: int, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("no such action")
    try:
        found = service.alert_for(request.user, alert_id)
    except NotFound:
        raise Http404("no such alert") from None
    name = _who(found)
    form = spec["form"](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            spec["do"](request.user, found.pk, form.cleaned_data)
        except BadRequest as exc:
            fields = [p.field for p in exc.problems if p.field in form.fields]
            form.add_error(fields[0] if fields else None, exc.detail)
        else:
            return render(request, "web/alerts/done.html", {
                "heading": spec["done"].format(name=name), "nav": "alerts",
                "back": reverse("web:alert", args=[found.pk])})
    return render(request, "web/alerts/action.html", {
        "form": form, "heading": spec["heading"].format(name=name), "action": action,
        "explain": spec["explain"], "button": spec["button"], "warning": spec["warning"],
        "back": reverse("web:alert", args=[found.pk]), "nav": "alerts"})
