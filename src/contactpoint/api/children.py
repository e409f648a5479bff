"""The practitioner's operations (CONTRACTS.md): search, open a record, record an
involvement, shield. One implementation behind the pages and this API: the services in
search.service and identity.records, which check permissions, apply access.visibility
and call the audit hook.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Schema, Status

from contactpoint.access.models import User
from contactpoint.access.permissions import Permission
from contactpoint.access.tokens import Principal
from contactpoint.api.auth import ApiRouter
from contactpoint.errors import Forbidden
from contactpoint.identity import records
from contactpoint.search import criteria as search_criteria
from contactpoint.search.service import search_for

router = ApiRouter(tags=["children"])
CONTACTPOINT_ID = r"^[0-9]{10}$"


def _user(request: HttpRequest) -> User:
    principal: Principal = request.auth  # type: ignore[attr-defined]
    if principal.user is None:
        raise Forbidden("Only a person may do this.")
    return principal.user


class Name(Schema):
    given_names: str
    family_name: str


class Match(Schema):
    contactpoint_id: str
    name: Name
    date_of_birth: str
    gender: str | None
    shielded: bool


class SearchAnswer(Schema):
    matches: list[Match]
    too_many_matches: bool
    message: str | None = Field(None, description="Why there are no matches to show.")


class SearchQuery(Schema):
    family_name: str | None = Field(None, max_length=100)
    given_name: str | None = Field(None, max_length=100)
    date_of_birth: str | None = Field(None, max_length=10, description="YYYY-MM-DD")
    postcode: str | None = Field(None, max_length=10)
    gender: str | None = Field(None, max_length=12)
    exact: bool = Field(False, description="names and date of birth exactly as given")
    limit: int = Field(search_criteria.DEFAULT_LIMIT, ge=1, le=search_criteria.MAX_LIMIT)


@router.get("/children", permission=Permission.CHILDREN_SEARCH, response=SearchAnswer,
            errors=(400,), summary="Find a child")
def search(request: HttpRequest, query: Query[SearchQuery]) -> dict[str, Any]:
    """Fuzzy by default (sounds, typos, nicknames, swapped names, day/month slips).

    Needs one of: family name and date of birth; given and family name and date of
    birth; given or family name, date of birth, gender and postcode. More matches than
    `limit` is `too_many_matches` with none listed: add a given name or postcode.
    """
    checked = search_criteria.parse(**query.dict())
    result = search_for(_user(request), checked)
    message = None
    if result.too_many_matches:
        message = ("Too many matches: add a given name, a postcode or the gender, or check "
                   "the date of birth.")
    return {"matches": result.matches, "too_many_matches": result.too_many_matches,
            "message": message}


@router.get("/children/{contactpoint_id}", permission=Permission.CHILDREN_RECORD_VIEW,
            response=dict[str, Any], errors=(400, 404), summary="Open a child's record")
def open_record(request: HttpRequest, contactpoint_id: str = Path(..., pattern=CONTACTPOINT_ID),
                reason: str | None = Query(None, max_length=40,
                                           description=", ".join(records.REASONS)),
                reason_detail: str | None = Query(None, max_length=500),
                break_glass: bool = Query(False)) -> dict[str, Any]:
    """The record as you may see it, for a stated reason (kept in the audit trail)."""
    return records.open_record(_user(request), contactpoint_id, reason=reason,
                               detail=reason_detail, break_glass=break_glass)


class InvolvementIn(Schema):
    service_type: str = Field(..., max_length=20)
    practitioner: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=200)
    start_date: date | None = None
    end_date: date | None = None
    lead_professional: bool = False
    caf: bool = False
    consent: str | None = Field(None, max_length=20)
    replaces: int | None = Field(None, ge=1, description="The involvement this updates.")
    reason: str = Field(..., max_length=40, description="Why you act on this record, as "
                        "when opening it: " + ", ".join(records.REASONS))
    reason_detail: str | None = Field(None, max_length=500)


class InvolvementOut(Schema):
    involvement: int
    contactpoint_id: str
    service_type: str
    lead_professional: bool
    caf: bool


@router.post("/children/{contactpoint_id}/involvements",
             permission=Permission.CHILDREN_INVOLVEMENT_CREATE, response={201: InvolvementOut},
             errors=(400, 404, 409), summary="Record your own involvement")
def add_involvement(request: HttpRequest, body: InvolvementIn,
                    contactpoint_id: str = Path(..., pattern=CONTACTPOINT_ID),
                    ) -> Status[dict[str, Any]]:
    data = records.InvolvementInput(**body.dict(exclude={"replaces", "reason",
                                                          "reason_detail"}))
    made = records.record_involvement(_user(request), contactpoint_id, data,
                                      reason=body.reason, detail=body.reason_detail,
                                      replaces=body.replaces)
    return Status(201, {"involvement": made.pk, "contactpoint_id": made.child.contactpoint_id,
                        "service_type": made.service_type,
                        "lead_professional": made.lead_professional, "caf": made.caf})


class ShieldIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)
    review_on: date


class LiftIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class ShieldOut(Schema):
    contactpoint_id: str
    shielded: bool


@router.put("/children/{contactpoint_id}/shield", permission=Permission.CHILDREN_SHIELD_MANAGE,
            response=ShieldOut, errors=(400, 404, 409), summary="Shield a record")
def shield(request: HttpRequest, body: ShieldIn,
           contactpoint_id: str = Path(..., pattern=CONTACTPOINT_ID)) -> dict[str, Any]:
    child = records.set_shield(_user(request), contactpoint_id, shielded=True,
                               reason=body.reason, review_on=body.review_on)
    return {"contactpoint_id": child.contactpoint_id, "shielded": child.shielded}


@router.delete("/children/{contactpoint_id}/shield",
               permission=Permission.CHILDREN_SHIELD_MANAGE, response=ShieldOut,
               errors=(400, 404, 409), summary="Lift a shield")
def lift_shield(request: HttpRequest, body: LiftIn,
                contactpoint_id: str = Path(..., pattern=CONTACTPOINT_ID)) -> dict[str, Any]:
    child = records.set_shield(_user(request), contactpoint_id, shielded=False,
                               reason=body.reason)
    return {"contactpoint_id": child.contactpoint_id, "shielded": child.shielded}
