"""The Activity page: the audit trail, for those who monitor use of the index.

The page translates HTTP; oversight.activity decides which entries the person may read,
opens them and audits the reading. The filters are a GET form, so a filtered page has
an address to come back to: its values are usernames, ContactPoint IDs, event names and
days, all of which the trail keeps readable anyway. Nothing on the page opens a child's
record: a child's ID leads to the entries about that child, never to the child.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from contactpoint.access.models import Organisation, Role
from contactpoint.access.permissions import Permission
from contactpoint.identity.identifiers import InvalidIdentifier, normalise_contactpoint_id
from contactpoint.identity.records import REASONS
from contactpoint.loading.sources import code_in_words
from contactpoint.oversight.activity import Cursor, Filters, read_activity, refuse
from contactpoint.web.access import requires
from contactpoint.web.child_forms import DateParts
from contactpoint.web.requests import AuthedRequest

#: Events in plain words; any other is said from its name ("child:shield:set" → "Child
#: shield set").
EVENT_WORDS = {
    "account:signin:password": "Password accepted at sign-in",
    "account:signin:success": "Signed in",
    "account:signin:failure": "Sign-in failed",
    "account:signin:locked": "Sign-in locked after too many tries",
    "account:signin:refused": "Sign-in refused",
    "account:signout": "Signed out",
    "account:session:timeout": "Signed out after a time without doing anything",
    "account:session:end": "Session ended",
    "account:password:change": "Changed their password",
    "account:password:reset": "Chose a new password with a set-up link",
    "account:second-factor:add": "Added a second factor",
    "account:second-factor:reset": "Reset someone's second factor",
    "account:user:create": "Gave someone access",
    "account:user:suspend": "Suspended an account",
    "account:user:reinstate": "Reinstated an account",
    "account:organisation:create": "Added an organisation",
    "account:organisation:update": "Changed an organisation",
    "account:client:create": "Added a source system's API client",
    "account:token:create": "Created an API token",
    "account:token:revoke": "Revoked an API token",
    "account:set-up-link:issue": "Gave someone a set-up link",
    "account:set-up-link:open": "Opened a set-up link",
    "account:set-up-link:refused": "A set-up link was refused",
    "child:search": "Searched for a child",
    "child:record:view": "Opened a child's record",
    "child:shield:break_glass": "Broke the glass: saw a shielded record",
    "child:shield:set": "Shielded a record",
    "child:shield:lift": "Lifted a shield",
    "child:shield:hold": "Held a record shielded: it may be a shielded child's",
    "child:shield:release": "Released a record held shielded",
    "child:involvement:create": "Recorded their involvement",
    "child:involvement:update": "Updated their involvement",
    "matching:review:view": "Looked at a pair in match review",
    "matching:decision:link": "Linked a review pair",
    "matching:decision:keep-apart": "Kept a review pair apart",
    "matching:decision:defer": "Deferred a review pair",
    "matching:decision:split": "Split a source record off its child",
    "matching:decision:merge": "Merged two children",
    "matching:decision:undo": "Undid an earlier match decision",
    "organisation:contact:update": "Changed the team's contact details",
    "source:settings:update": "Changed a source system's settings",
    "feeds:initial-load:clear": "Cleared an unfinished initial load",
    "audit:trail:export": "Exported the audit trail",
    "audit:activity:view": "Read the Activity page",
    "oversight:alert:raise": "A misuse alert was raised",
    "oversight:alerts:list": "Read the list of misuse alerts",
    "oversight:alert:view": "Read a misuse alert and its evidence",
    "oversight:alert:suspend": "Suspended an account over a misuse alert",
    "oversight:alert:tell-manager": "Recorded telling a manager about a misuse alert",
    "oversight:alert:close": "Closed a misuse alert",
    "child:access:view": "Read who opened the record lately",
    "notification:list:view": "Read their team's notifications",
    "notification:mark:read": "Marked their team's notifications read",
}
#: An event name, or the start of one ending in ":".
EVENT_FILTER = re.compile(r"^[a-z][a-z_-]*(:[a-z][a-z_-]*){1,3}$"
                          r"|^[a-z][a-z_-]*(:[a-z][a-z_-]*){0,2}:$")
#: Details the page shows elsewhere: a search's results are the entry's children, in order.
SHOWN_ELSEWHERE = frozenset({"results"})
#: Details whose name says less than it could.
DETAIL_LABELS = {"criteria": "Search terms", "reason_detail": "Reason in words",
                 "typed": "Typed"}


def event_in_words(event: str) -> str:
    if event in EVENT_WORDS:
        return EVENT_WORDS[event]
    words = re.sub(r"[:_-]+", " ", event).strip()
    return words[:1].upper() + words[1:]


class ActivityForm(forms.Form):
    user = forms.CharField(required=False, max_length=160, strip=True, error_messages={
        "max_length": "Enter a username of 160 characters or fewer"})
    child = forms.CharField(required=False, max_length=20, strip=True, error_messages={
        "max_length": "Enter a ContactPoint ID of 10 digits, like 123 456 7890"})
    event = forms.CharField(required=False, max_length=80, strip=True, error_messages={
        "max_length": "Enter an event of 80 characters or fewer"})
    from_day, from_month, from_year = DateParts.fields()
    to_day, to_month, to_year = DateParts.fields()

    def clean_user(self) -> str:
        user = self.cleaned_data["user"]
        if any(ord(c) < 32 or ord(c) == 127 for c in user):
            raise ValidationError("Enter a username without control characters")
        return user

    def clean_child(self) -> str:
        child = self.cleaned_data["child"]
        if not child:
            return child
        try:
            return normalise_contactpoint_id(child)
        except InvalidIdentifier as exc:
            if "check digit" in str(exc):
                raise ValidationError("Check the ContactPoint ID: one of its digits is "
                                      "wrong") from None
            raise ValidationError("Enter a ContactPoint ID of 10 digits, like "
                                  "123 456 7890") from None

    def clean_event(self) -> str:
        event = self.cleaned_data["event"].lower()
        if event and not EVENT_FILTER.match(event):
            raise ValidationError("Enter an event like child:record:view, or the start of "
                                  "one ending in a colon, like child:")
        return event

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        since = DateParts.clean(self, "from", "start date", required=False)
        until = DateParts.clean(self, "to", "end date", required=False)
        if since and until and until < since:
            self.add_error("to_day", "The end date must be the same as or after the start "
                                     "date")
        cleaned["since"], cleaned["until"] = since, until
        return cleaned

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(user=data["user"] or None, child=data["child"] or None,
                       event=data["event"] or None, since=data["since"],
                       until=data["until"])


def _row_id(value: str | None) -> int | None:
    """A paging link's row id; anything else is the first page, not an error."""
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 19 \
        else None


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict):
        return ", ".join(f"{code_in_words(k).lower()} {_value(v)}" for k, v in value.items()
                         if v not in (None, "", [], {}))
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    return str(value)


def detail_lines(details: dict[str, Any]) -> list[tuple[str, str]]:
    """An entry's details as (label, words) lines, in the order they were kept."""
    return [(DETAIL_LABELS.get(key) or code_in_words(key), _value(value))
            for key, value in details.items()
            if key not in SHOWN_ELSEWHERE and value not in (None, "", [], {})]


def _link(query: QueryDict, **changes: str | None) -> str:
    """This page's address with the filters as they are, paging or filters changed."""
    kept = query.copy()
    for name in ("older_than", "newer_than", *changes):
        kept.pop(name, None)
    for name, value in changes.items():
        if value is not None:
            kept[name] = value
    return f"?{kept.urlencode()}" if kept else "?"


def _scope_words(page: Any) -> str:
    if page.scope.everyone:
        return "Every entry in the audit trail."
    authority = Organisation.objects.filter(pk=page.scope.authority_id).first()
    name = authority.name if authority else "your authority"
    return (f"Entries by the users of {name}'s organisations, and entries about the "
            f"children {name} is responsible for.")


@requires(Permission.AUDIT_READ)
@require_GET
def activity(request: AuthedRequest) -> HttpResponse:
    """Filter the trail; newest first, 50 to a page. Every showing is audited."""
    form = ActivityForm(request.GET)
    context: dict[str, Any] = {"form": form, "nav": "activity"}
    if not form.is_valid():
        typed = {k: v for k, v in request.GET.dict().items() if k in form.fields and v}
        refuse(request.user, sorted(form.errors), typed)
        return render(request, "web/activity/activity.html", context)
    cursor = Cursor(older_than=_row_id(request.GET.get("older_than")),
                    newer_than=_row_id(request.GET.get("newer_than")))
    page = read_activity(request.user, form.filters(), cursor)
    for entry in page.entries:
        entry["event_words"] = event_in_words(entry["event"])
        entry["role_label"] = Role(entry["role"]).label if entry["role"] in Role.values \
            else entry["role"]
        entry["reason_words"] = REASONS.get(entry["reason"] or "", entry["reason"])
        entry["lines"] = detail_lines(entry["details"])
        entry["user_link"] = _link(request.GET, user=entry["actor"])
        entry["child_links"] = [(c, _link(request.GET, child=c)) for c in entry["children"]]
    context.update(
        page=page, scope=_scope_words(page), filtered=bool(form.filters().asked()),
        newer=_link(request.GET, newer_than=str(page.newer)) if page.newer else None,
        older=_link(request.GET, older_than=str(page.older)) if page.older else None)
    return render(request, "web/activity/activity.html", context)
