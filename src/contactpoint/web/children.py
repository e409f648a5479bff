"""Finding a child and opening the record: the practitioner's pages.

The pages translate HTTP; search.service and identity.records decide, apply
access.visibility and call the audit hook. Two rules shape them:

- Search terms are personal data: the search is a POST (with CSRF) and its results are
  the POST's answer, so names and dates never appear in a URL, browser history or a
  server log. "Back to search" (`?again=1`) runs the session's last search again, from
  terms the session keeps for `LAST_SEARCH_LASTS`, never from the URL or the page.
- A record opens only with a stated reason, and the reason never goes in a URL. The
  reason form is POSTed; the session then remembers that reason for that child for
  `REASON_LASTS` (a piece of work), and the record is shown by a redirect to its own
  address (post/redirect/get: refreshing or going back never re-posts). Each showing
  still goes through open_record, so each is audited with the reason and sees the
  record as it is now (a shield set meanwhile applies at once). Breaking the glass is
  different: the full record is the POST's answer and nothing is remembered, so it is
  revealed for that viewing only.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from contactpoint.access.authorise import allows, authorise
from contactpoint.access.models import User
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import TargetKind
from contactpoint.errors import BadRequest, Forbidden, NotFound
from contactpoint.identity import records
from contactpoint.matching import review
from contactpoint.notifications import recent
from contactpoint.notifications import service as notifications
from contactpoint.search import criteria as search_criteria
from contactpoint.search.service import search_for
from contactpoint.web.access import requires
from contactpoint.web.child_forms import (
    SEARCH_FIELDS,
    BreakGlassForm,
    ReasonForm,
    SearchForm,
    add_problems,
)
from contactpoint.web.notifications import recent_rows
from contactpoint.web.requests import AuthedRequest

#: How long a reason given for a child covers showing its record again in this session.
REASON_LASTS = 30 * 60
REASONS_SESSION_KEY = "contactpoint_record_reasons"
#: The last search's terms, for "Back to search", kept as long as a reason is.
LAST_SEARCH_KEY = "contactpoint_last_search"
LAST_SEARCH_LASTS = REASON_LASTS
TOO_MANY = ("There are too many matches to show. Add a given name or a postcode, or check "
            "the date of birth.")


def home_for(user: User) -> str:
    """Where a person lands after signing in: finding a child, if their role may."""
    if allows(user, Permission.CHILDREN_SEARCH):
        return reverse("web:search")
    return reverse("web:account")


# -- search ----------------------------------------------------------------------------------

@requires(Permission.CHILDREN_SEARCH)
@require_http_methods(["GET", "POST"])
def search(request: AuthedRequest) -> HttpResponse:
    """Find a child. `?again=1` (the record's "Back to search") runs this session's last
    search again, as a new search (audited like any other), with the form filled in."""
    terms: Mapping[str, Any] | None
    if request.method == "POST":
        terms = request.POST
    else:
        terms = _last_search(request) if request.GET.get("again") else None
    form = SearchForm(terms)
    context: dict[str, Any] = {"form": form, "accepted": search_criteria.ACCEPTED,
                               "nav": "search"}
    if terms is not None and form.is_valid():
        try:
            criteria = form.criteria()
            result = search_for(request.user, criteria)
        except BadRequest as exc:
            add_problems(form, exc, SEARCH_FIELDS)
        else:
            _remember_search(request, form)
            context.update(searched=True, matches=result.matches,
                           too_many=TOO_MANY if result.too_many_matches else None)
    return render(request, "web/children/search.html", context)


def _remember_search(request: HttpRequest, form: SearchForm) -> None:
    """Keep what was typed into the last search that ran, for "Back to search".

    In the session, never the URL or the record page (search terms are personal data):
    only the form's own fields, as typed, and only for LAST_SEARCH_LASTS; signing out
    ends it with the session.
    """
    typed = {name: form.data[name] for name in form.fields if form.data.get(name)}
    request.session[LAST_SEARCH_KEY] = {"terms": typed,
                                        "until": time.time() + LAST_SEARCH_LASTS}


def _last_search(request: HttpRequest) -> dict[str, str] | None:
    kept = request.session.get(LAST_SEARCH_KEY)
    if not kept or kept["until"] < time.time():
        return None
    return kept["terms"]


# -- giving a reason, then the record --------------------------------------------------------

def remembered_reason(request: HttpRequest, contactpoint_id: str) -> dict[str, Any] | None:
    """The reason this person gave for this child in this session, while it lasts
    (`{"reason", "detail"}`), or None: what the record is shown, and changed, under."""
    given = request.session.get(REASONS_SESSION_KEY, {}).get(contactpoint_id)
    if given is not None and given["until"] < time.time():
        forget_reason(request, contactpoint_id)  # its piece of work is over: keep it no longer
        return None
    return given


def _remember(request: HttpRequest, contactpoint_id: str, reason: str,
              detail: str | None) -> None:
    now = time.time()
    kept = {k: v for k, v in request.session.get(REASONS_SESSION_KEY, {}).items()
            if v["until"] >= now}
    kept[contactpoint_id] = {"reason": reason, "detail": detail, "until": now + REASON_LASTS}
    request.session[REASONS_SESSION_KEY] = kept


def forget_reason(request: HttpRequest, contactpoint_id: str) -> None:
    kept = request.session.get(REASONS_SESSION_KEY, {})
    if kept.pop(contactpoint_id, None) is not None:
        request.session[REASONS_SESSION_KEY] = kept


def _record_page(request: AuthedRequest, contactpoint_id: str, shown: dict[str, Any],
                 reason: str) -> HttpResponse:
    user = request.user
    child = records.find_child(contactpoint_id)
    # What the page offers is what the access policy would allow on this child.
    manages_shield = allows(user, Permission.CHILDREN_SHIELD_MANAGE, records.facts_of(child))
    resolves_matches = review.may_act_on(user, [child])
    services = shown.get("services") or []
    own_org = user.organisation.code if user.organisation else None
    sources = sorted({(p["source"], p["source_id"]) for p in _provenances(shown)
                      if p.get("source") != "practitioner"})
    return render(request, "web/children/record.html", {
        "record": shown, "reason_label": records.REASONS.get(reason, reason),
        "limited": "notice" in shown,
        "lead": [s for s in services if s.get("lead_professional")],
        "own_involvements": {s["involvement"] for s in services
                             if s.get("involvement") and s.get("organisation_code") == own_org},
        "may_add_involvement": allows(user, Permission.CHILDREN_INVOLVEMENT_CREATE),
        "manages_shield": manages_shield, "resolves_matches": resolves_matches,
        "answers_subject_access": allows(user, Permission.CHILDREN_SUBJECT_ACCESS,
                                         records.facts_of(child)),
        "sources": sources if resolves_matches else [],
        "recent_access": (recent_rows(recent.recent_access(user, child))
                          if recent.may_read(user, child) else None),
        "nav": "search"})


def _provenances(shown: dict[str, Any]) -> list[dict[str, str]]:
    found = [p for p in (shown.get("provenance") or {}).values() if isinstance(p, dict)
             and "source" in p]
    for entry in [*(shown.get("carers") or []), *(shown.get("services") or [])]:
        if isinstance(entry.get("provenance"), dict):
            found.append(entry["provenance"])
    return found


@requires(Permission.CHILDREN_RECORD_VIEW, acts_on=TargetKind.CHILD)
@require_http_methods(["GET", "POST"])
def record(request: AuthedRequest, contactpoint_id: str) -> HttpResponse:
    """The reason form; once a reason is given, the record as this person may see it."""
    if request.method == "POST":
        form = ReasonForm(request.POST)
        if form.is_valid():
            _remember(request, contactpoint_id, form.cleaned_data["reason"],
                      form.cleaned_data["reason_detail"] or None)
            return redirect("web:record", contactpoint_id)
    else:
        given = remembered_reason(request, contactpoint_id)
        if given is not None:
            try:
                shown = notifications.open_record(
                    request.user, contactpoint_id,
                    reason=given["reason"], detail=given["detail"])
            except NotFound:
                forget_reason(request, contactpoint_id)
                raise Http404("no such child") from None
            return _record_page(request, contactpoint_id, shown, given["reason"])
        form = ReasonForm()
    return render(request, "web/children/reason.html", {
        "form": form, "contactpoint_id": contactpoint_id, "nav": "search",
        "tells_services": notifications.tells_services(request.user)})


@requires(Permission.CHILDREN_RECORD_VIEW, acts_on=TargetKind.CHILD)
@require_http_methods(["GET", "POST"])
def break_glass(request: AuthedRequest, contactpoint_id: str) -> HttpResponse:
    """A child-protection practitioner sees a shielded record, once, for a stated reason.

    The record is this POST's answer only: nothing is remembered, so the next showing of
    the record is the shielded view again. The service checks who may, and alerts the
    child's management team.
    """
    try:  # on any shielded record: whose this one is, only the service finds out
        authorise(request.user, Permission.CHILDREN_RECORD_VIEW,
                  break_glass=True)
    except Forbidden as exc:
        raise PermissionDenied(exc.detail) from None
    form = BreakGlassForm(request.POST or None, initial={"reason": "child_protection"})
    if request.method == "POST" and form.is_valid():
        try:
            shown = notifications.open_record(
                request.user, contactpoint_id, reason=form.cleaned_data["reason"],
                detail=form.cleaned_data["reason_detail"], break_glass=True)
        except NotFound:
            raise Http404("no such child") from None
        except Forbidden as exc:
            raise PermissionDenied(exc.detail) from None
        except BadRequest as exc:
            add_problems(form, exc)
        else:
            return _record_page(request, contactpoint_id, shown, form.cleaned_data["reason"])
    return render(request, "web/children/break_glass.html", {
        "form": form, "contactpoint_id": contactpoint_id, "nav": "search"})
