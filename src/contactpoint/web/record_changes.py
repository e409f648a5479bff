"""Changing a child's record from its page: your own involvement, and shielding.

identity.records decides (one lead professional at a time; only the child's own
management team shields) and audits; these pages put its refusals beside the fields
they name and, once done, go back to the record: the reason the person gave for
opening it still covers showing it (web/children.py), and the record is read afresh,
so the change shows at once.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from contactpoint.access.permissions import Permission
from contactpoint.access.policy import TargetKind
from contactpoint.errors import BadRequest, Conflict, Forbidden, NotFound
from contactpoint.identity import records
from contactpoint.web import children
from contactpoint.web.access import requires
from contactpoint.web.child_forms import (
    INVOLVEMENT_FIELDS,
    SHIELD_FIELDS,
    InvolvementForm,
    LiftShieldForm,
    ShieldForm,
    add_problems,
)
from contactpoint.web.requests import AuthedRequest


@requires(Permission.CHILDREN_INVOLVEMENT_CREATE, acts_on=TargetKind.CHILD)
@require_http_methods(["GET", "POST"])
def add_involvement(request: AuthedRequest, contactpoint_id: str) -> HttpResponse:
    """Record (or, with `replaces`, update) your organisation's involvement with a child.

    Only under a reason the person gave for this child (web/children.py remembers it for
    a while): without one, they are sent to give it first, as for opening the record.
    """
    given = children.remembered_reason(request, contactpoint_id)
    if given is None:
        return redirect("web:record", contactpoint_id)
    asked = request.GET.get("replaces", "")
    replaces = int(asked) if asked.isdigit() else None
    initial: dict[str, object] = {} if replaces is None else {"replaces": replaces}
    if request.method == "GET":
        # The form only for what its answer could change: the checks the POST makes.
        try:
            records.involvement_form_target(request.user, contactpoint_id, replaces)
            if replaces is not None:
                # An update starts from the current version, not a blank form.
                initial.update(InvolvementForm.initial_from(records.involvement_as_recorded(
                    request.user, contactpoint_id, replaces)))
        except NotFound:
            raise Http404("no such child or involvement") from None
        except Forbidden as exc:
            raise PermissionDenied(exc.detail) from None
    form = InvolvementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            records.record_involvement(request.user, contactpoint_id, form.involvement(),
                                       reason=given["reason"], detail=given["detail"],
                                       replaces=form.cleaned_data["replaces"])
        except NotFound:
            raise Http404("no such child or involvement") from None
        except Forbidden as exc:
            raise PermissionDenied(exc.detail) from None
        except (BadRequest, Conflict) as exc:
            add_problems(form, exc, INVOLVEMENT_FIELDS)
        else:
            messages.success(request, "Your involvement is recorded")
            return redirect("web:record", contactpoint_id)
    updating = bool(form["replaces"].value())
    return render(request, "web/children/involvement.html", {
        "form": form, "contactpoint_id": contactpoint_id, "updating": updating,
        "heading": "Update your involvement" if updating else "Add your involvement",
        "nav": "search"})


@requires(Permission.CHILDREN_SHIELD_MANAGE, acts_on=TargetKind.CHILD)
@require_http_methods(["GET", "POST"])
def shield(request: AuthedRequest, contactpoint_id: str) -> HttpResponse:
    """Shield a record, or lift its shield: whichever it needs now.

    Only the child's own management team (or the national team) may, by the rule
    set_shield applies; to anyone else the form and its answer are "page not found",
    as for a child that does not exist.
    """
    try:
        child = records.child_to_shield(request.user, contactpoint_id)
    except NotFound:
        raise Http404("no such child") from None
    lifting = child.shielded
    form = (LiftShieldForm if lifting else ShieldForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            records.set_shield(request.user, contactpoint_id, shielded=not lifting,
                               reason=form.cleaned_data["reason"],
                               review_on=form.cleaned_data.get("review_on"))
        except (Forbidden, NotFound):  # moved to another authority since the check above
            raise Http404("no such child") from None
        except (BadRequest, Conflict) as exc:
            add_problems(form, exc, SHIELD_FIELDS)
        else:
            messages.success(request, "The shield is lifted" if lifting
                             else "The record is shielded")
            return redirect("web:record", contactpoint_id)
    return render(request, "web/children/shield.html", {
        "form": form, "contactpoint_id": contactpoint_id, "lifting": lifting,
        "heading": "Lift the shield" if lifting else "Shield this record", "nav": "search"})
