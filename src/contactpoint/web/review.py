"""The match review pages: the queue, a pair side by side, split, merge, history, undo.

The same services as `contactpoint review …` and `/api/v1/review` (matching/review.py):
they decide who may act (a management team on its own authority's children, the
national team on any), change the index in one transaction and keep the history that
undo reverses. A pair or child outside what the person may act on is "page not found".
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from contactpoint.access.authorise import allows
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import TargetKind
from contactpoint.errors import BadRequest, Conflict, NotFound
from contactpoint.matching import review
from contactpoint.matching.models import ActionKind, MatchAction, ReviewStatus
from contactpoint.web.access import requires
from contactpoint.web.child_forms import add_problems
from contactpoint.web.requests import AuthedRequest
from contactpoint.web.review_forms import (
    DecisionForm,
    MergeForm,
    ReasonOnlyForm,
    SplitForm,
)
from contactpoint.web.templatetags import govuk

READ, DECIDE = Permission.MATCHING_REVIEW_READ, Permission.MATCHING_REVIEW_DECIDE
DECIDERS = {"link": review.link, "keep_apart": review.keep_apart, "defer": review.defer}
#: The rows of the side-by-side table: (label, key in the pair's record and candidate).
PAIR_ROWS = (("Given names", "given_names"), ("Family name", "family_name"),
             ("Former family names", "former_family_names"),
             ("Date of birth", "date_of_birth"), ("Gender", "gender"),
             ("Postcode", "postcode"), ("Address", "address_status"),
             ("Parents and carers", "carers"))
IDENTIFIER_ROWS = (("NHS number", "nhs_number"), ("Unique pupil number", "upn"))


#: How a row's values are put in words (the record page's filters): "2014-03-09" →
#: "9 March 2014", "female" → "Female", "last_known" → "Last known address".
PAIR_WORDS = {"date_of_birth": govuk.govuk_date, "gender": govuk.gender_label,
              "address_status": govuk.address_status_label}


def _shown(value: Any, key: str = "") -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value in (None, ""):
        return ""
    return PAIR_WORDS[key](value) if key in PAIR_WORDS else str(value)


def _side_by_side(pair: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    record, candidate = pair["record"], pair["candidate"]
    for label, key in PAIR_ROWS:
        mine, theirs = record.get(key), candidate.get(key)
        rows.append({"label": label, "record": _shown(mine, key),
                     "candidate": _shown(theirs, key),
                     "same": mine not in (None, "", []) and mine == theirs})
    for label, kind in IDENTIFIER_ROWS:
        mine = (record.get("identifiers") or {}).get(kind)
        theirs = (candidate.get("identifiers") or {}).get(kind)
        if mine or theirs:
            rows.append({"label": label, "record": _shown(mine), "candidate": _shown(theirs),
                         "same": bool(mine) and mine == theirs})
    return rows


def _done(request: HttpRequest, heading: str, action: MatchAction) -> HttpResponse:
    child = action.child.contactpoint_id if action.child is not None else None
    return render(request, "web/review/done.html", {
        "heading": heading, "action": action, "child": child,
        "created": action.created.contactpoint_id if action.created is not None else None,
        "nav": "review"})


@requires(READ)
def queue(request: AuthedRequest) -> HttpResponse:
    items = review.queue(request.user)
    return render(request, "web/review/queue.html", {
        "items": items, "statuses": dict(ReviewStatus.choices), "nav": "review"})


def _pair_page(request: AuthedRequest, item_id: int, form: DecisionForm | None,
               status: int = 200) -> HttpResponse:
    try:
        pair = review.pair(request.user, item_id)
    except NotFound:
        raise Http404("no such review item") from None
    pending = pair["status"] in review.PENDING
    if form is None and pending and allows(request.user, DECIDE):
        form = DecisionForm()
    return render(request, "web/review/pair.html", {
        # A decided pair offers no decision, but says why one just sent was refused.
        "pair": pair, "rows": _side_by_side(pair),
        "form": form if pending or (form is not None and form.errors) else None,
        "status_label": ReviewStatus(pair["status"]).label, "nav": "review"}, status=status)


@requires(READ, acts_on=TargetKind.CHILDREN)
def pair(request: AuthedRequest, item_id: int) -> HttpResponse:
    return _pair_page(request, item_id, None)


@requires(DECIDE, acts_on=TargetKind.CHILDREN)
@require_http_methods(["GET", "POST"])
def decide(request: AuthedRequest, item_id: int) -> HttpResponse:
    """Link, keep apart or defer a pair, with a reason; the pair page shows any problem."""
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            action = DECIDERS[decision](request.user, item_id, form.cleaned_data["reason"])
        except NotFound:
            raise Http404("no such review item") from None
        except (BadRequest, Conflict) as exc:
            add_problems(form, exc)
        else:
            return _done(request, ActionKind(action.kind).label, action)
    return _pair_page(request, item_id, form)


@requires(DECIDE, acts_on=TargetKind.CHILD)
@require_http_methods(["GET", "POST"])
def split(request: AuthedRequest) -> HttpResponse:
    """A source record wrongly joined to a child becomes a child of its own.

    Reached from a record's page (its source records, posted with `start`, so the
    source's ID stays out of the URL) or typed in.
    """
    starting = request.method == "POST" and "start" in request.POST
    form = SplitForm(None if starting else (request.POST or None),
                     initial=request.POST if starting else None)
    if request.method == "POST" and not starting and form.is_valid():
        data = form.cleaned_data
        try:
            action = review.split(request.user, data["source"], data["source_id"],
                                  data["reason"])
        except NotFound:
            form.add_error("source_id", "There is no record with that ID from that source "
                                        "in your authority")
        except (BadRequest, Conflict) as exc:
            add_problems(form, exc)
        else:
            return _done(request, "The record is split off", action)
    return render(request, "web/review/split.html", {"form": form, "nav": "review"})


@requires(DECIDE, acts_on=TargetKind.CHILDREN)
@require_http_methods(["GET", "POST"])
def merge(request: AuthedRequest) -> HttpResponse:
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = review.merge(request.user, data["keep"], data["gone"],
                                  data["reason"])
        except NotFound:
            form.add_error(None, "One of these ContactPoint IDs is not a child in your "
                                 "authority")
        except (BadRequest, Conflict) as exc:
            add_problems(form, exc)
        else:
            return _done(request, "The children are merged", action)
    return render(request, "web/review/merge.html", {"form": form, "nav": "review"})


@requires(READ, acts_on=TargetKind.CHILD)
def history(request: AuthedRequest, contactpoint_id: str) -> HttpResponse:
    try:
        actions = review.history(request.user, contactpoint_id)
    except NotFound:
        raise Http404("no such child") from None
    undone = {a.undoes_id for a in actions if a.undoes_id}
    may_undo = allows(request.user, DECIDE)
    rows = [{"action": a, "kind": ActionKind(a.kind).label,
             "reason": review.stated_reason(a) or "",
             "moved": sum(1 for m in a.moves if m["from"] != m["to"]),
             "undoable": may_undo and a.kind != ActionKind.UNDO and a.pk not in undone}
            for a in sorted(actions, key=lambda a: (a.at, a.pk), reverse=True)]
    return render(request, "web/review/history.html", {
        "contactpoint_id": contactpoint_id, "rows": rows, "nav": "review"})


@requires(DECIDE, acts_on=TargetKind.CHILDREN)
@require_http_methods(["GET", "POST"])
def undo(request: AuthedRequest, decision: int) -> HttpResponse:
    try:  # the form only for a decision the person may undo, as the POST decides
        review.decision(request.user, decision)
    except NotFound:
        raise Http404("no such decision") from None
    form = ReasonOnlyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action = review.undo(request.user, decision, form.cleaned_data["reason"])
        except NotFound:
            raise Http404("no such decision") from None
        except (BadRequest, Conflict) as exc:
            add_problems(form, exc)
        else:
            return _done(request, "The decision is undone", action)
    return render(request, "web/review/undo.html", {
        "form": form, "decision": decision, "nav": "review"})
