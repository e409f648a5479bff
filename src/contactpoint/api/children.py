"""The practitioner's operations (CONTRACTS.md): search, open a record, record an
involvement, shield. One implementation behind the pages and this API: the services in
search.service and identity.records, which check permissions, apply access.visibility
and call the audit hook.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpResponse
from ninja import Field, Header, Path, Query, Schema, Status

from contactpoint.access.models import User
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import TargetKind
from contactpoint.api import fields, idempotency
from contactpoint.api.auth import ApiRouter
from contactpoint.api.requests import ApiRequest
from contactpoint.audit import hooks as audit
from contactpoint.errors import Forbidden
from contactpoint.identity import records
from contactpoint.notifications import service as notifications
from contactpoint.search import criteria as search_criteria
from contactpoint.search.service import search_for

router = ApiRouter(tags=["children"])
CONTACTPOINT_ID = fields.CONTACTPOINT_ID


def _user(request: ApiRequest) -> User:
    if request.auth.user is None:
        raise Forbidden("Only a person may do this.")
    return request.auth.user


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
    family_name: str | None = Field(None, max_length=100, pattern=fields.NAME)
    given_name: str | None = Field(None, max_length=100, pattern=fields.NAME)
    date_of_birth: str | None = fields.date_field(None, description="YYYY-MM-DD")
    postcode: str | None = Field(None, pattern=fields.POSTCODE)
    gender: fields.Gender | None = None
    exact: bool = Field(False, description="names and date of birth exactly as given")
    limit: int = Field(search_criteria.DEFAULT_LIMIT, ge=1, le=search_criteria.MAX_LIMIT)


@router.get("/children", permission=Permission.CHILDREN_SEARCH, response=SearchAnswer,
            errors=(400,), summary="Find a child")
def search(request: ApiRequest, query: Query[SearchQuery]) -> dict[str, Any]:
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


class OpenRecordQuery(Schema):
    reason: fields.ReasonCode = Field(
        ..., description="Why you open the record; `other` needs `reason_detail`.")
    reason_detail: str | None = Field(None, max_length=500, pattern=fields.TEXT)
    break_glass: bool = Field(False, description="Child-protection roles only: reveal a "
                              "shielded record for this one viewing.")


@router.get("/children/{contactpoint_id}", permission=Permission.CHILDREN_RECORD_VIEW,
            acts_on=TargetKind.CHILD, response=dict[str, Any], errors=(404, 410),
            summary="Open a child's record")
def open_record(request: ApiRequest, query: Query[OpenRecordQuery],
                contactpoint_id: str = Path(..., pattern=CONTACTPOINT_ID)) -> dict[str, Any]:
    """The record as you may see it, for a stated reason (kept in the audit trail)."""
    return notifications.open_record(_user(request), contactpoint_id, reason=query.reason,
                                     detail=query.reason_detail,
                                     break_glass=query.break_glass)


class InvolvementIn(Schema):
    service_type: fields.ServiceType
    practitioner: str | None = Field(None, max_length=100, pattern=fields.TEXT)
    phone: str | None = Field(None, max_length=40, pattern=fields.TEXT,
                              description="A phone or an email (or both), so others can "
                              "reach you.")
    email: str | None = Field(None, max_length=200, pattern=fields.TEXT)
    start_date: date | None = None
    end_date: date | None = Field(None, description="On or after `start_date`.")
    lead_professional: bool = False
    caf: bool = False
    consent: fields.ConsentBasis | None = Field(
        None, description="Needed for a sensitive service (camhs, sexual_health, "
        "substance_misuse).")
    replaces: int | None = Field(None, ge=1, le=fields.MAX_ID,
                                 description="The involvement this updates.")
    reason: fields.ReasonCode = Field(
        ..., description="Why you act on this record, as when opening it; `other` needs "
        "`reason_detail`. Kept in the audit trail.")
    reason_detail: str | None = Field(None, max_length=500, pattern=fields.TEXT)


class InvolvementOut(Schema):
    involvement: int
    contactpoint_id: str
    service_type: str
    lead_professional: bool
    caf: bool


@router.post("/children/{contactpoint_id}/involvements",
             permission=Permission.CHILDREN_INVOLVEMENT_CREATE, acts_on=TargetKind.CHILD,
             response={201: InvolvementOut},
             errors=(404, 409, 422), summary="Record your own involvement",
             openapi_extra={"responses": {201: {"headers": {"Idempotent-Replayed": {
                 "description": "`true` when this is the answer first given to a request "
                 "with the same Idempotency-Key.",
                 "schema": {"type": "string", "enum": ["true"]}}}}}})
def add_involvement(request: ApiRequest, response: HttpResponse, body: InvolvementIn,
                    contactpoint_id: str = Path(..., pattern=CONTACTPOINT_ID),
                    idempotency_key: str = Header(
                        None, alias=idempotency.HEADER, pattern=idempotency.KEY_PATTERN,
                        description=idempotency.HEADER_DESCRIPTION),
                    ) -> Status[dict[str, Any]]:
    """Sent again with the same `Idempotency-Key`, the first answer comes back (with
    `Idempotent-Replayed: true`) and nothing is recorded twice."""
    user = _user(request)

    def record() -> tuple[int, dict[str, Any]]:
        data = records.InvolvementInput(**body.dict(exclude={"replaces", "reason",
                                                              "reason_detail"}))
        made = records.record_involvement(user, contactpoint_id, data, reason=body.reason,
                                          detail=body.reason_detail, replaces=body.replaces)
        return 201, {"involvement": made.pk, "contactpoint_id": made.child.contactpoint_id,
                     "service_type": made.service_type,
                     "lead_professional": made.lead_professional, "caf": made.caf}

    answer = idempotency.once(
        request.auth, idempotency_key,
        idempotency.fingerprint("involvement", contactpoint_id, body.dict()), record)
    if answer.replayed:
        # Nothing is recorded again, but the answer is given again: that is audited.
        audit.record("child:involvement:replay", actor=user,
                     subject=answer.body.get("contactpoint_id"),
                     details={"involvement": answer.body.get("involvement"),
                              "status": answer.status})
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)


class ShieldIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500, pattern=fields.STATED)
    review_on: date = Field(..., description="A date after today.")


class LiftIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500, pattern=fields.STATED)


class ShieldOut(Schema):
    contactpoint_id: str
    shielded: bool


@router.put("/children/{contactpoint_id}/shield", permission=Permission.CHILDREN_SHIELD_MANAGE,
            acts_on=TargetKind.CHILD, response=ShieldOut, errors=(400, 404, 409),
            summary="Shield a record")
def shield(request: ApiRequest, body: ShieldIn,
           contactpoint_id: str = Path(..., pattern=CONTACTPOINT_ID)) -> dict[str, Any]:
    child = records.set_shield(_user(request), contactpoint_id, shielded=True,
                               reason=body.reason, review_on=body.review_on)
    return {"contactpoint_id": child.contactpoint_id, "shielded": child.shielded}


@router.delete("/children/{contactpoint_id}/shield",
               permission=Permission.CHILDREN_SHIELD_MANAGE, acts_on=TargetKind.CHILD,
               response=ShieldOut,
               errors=(400, 404, 409), summary="Lift a shield")
def lift_shield(request: ApiRequest, body: LiftIn,
                contactpoint_id: str = Path(..., pattern=CONTACTPOINT_ID)) -> dict[str, Any]:
    child = records.set_shield(_user(request), contactpoint_id, shielded=False,
                               reason=body.reason)
    return {"contactpoint_id": child.contactpoint_id, "shielded": child.shielded}
