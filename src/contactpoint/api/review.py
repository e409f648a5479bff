"""The match review queue over HTTP: the same services as `contactpoint review …`.

A management team sees and decides its own authority's pairs, a national admin all;
for anyone else an item or child outside what they may see is a 404, as if it did not
exist. Every decision needs a reason and is kept in a history that `undo` reverses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Path, Query, Schema

from contactpoint.access.models import User
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import TargetKind
from contactpoint.api import fields
from contactpoint.api.auth import ApiRouter
from contactpoint.api.requests import ApiRequest
from contactpoint.errors import BadRequest, FieldProblem, Forbidden
from contactpoint.matching import review
from contactpoint.matching.models import MatchAction, ReviewStatus

router = ApiRouter(tags=["review"])

CONTACTPOINT_ID = fields.CONTACTPOINT_ID


class Reason(Schema):
    reason: str = Field(..., min_length=1, max_length=500, pattern=fields.STATED,
                        description="Why (kept in the history; no personal details).")


class SplitRequest(Reason):
    source: str = Field(..., pattern=r"^[a-z0-9][a-z0-9_-]{0,49}$")
    source_id: str = Field(..., min_length=1, max_length=100, pattern=fields.STATED)


class MergeRequest(Reason):
    keep: str = Field(..., pattern=CONTACTPOINT_ID, description="The child that stays.")
    gone: str = Field(..., pattern=CONTACTPOINT_ID,
                      description="The child whose records join `keep`.")


class QueueItem(Schema):
    id: int
    status: str
    score: float
    reason: str
    source: str
    record_child: str = Field(..., description="The child the record is held in now.")
    candidate: str = Field(..., description="The child it may be.")


class Queue(Schema):
    items: list[QueueItem]


class Comparison(Schema):
    comparison: str
    level: str
    weight: float | None
    agrees: bool


class Pair(Schema):
    id: int
    status: str
    score: float
    reason: str
    record: dict[str, Any]
    candidate: dict[str, Any]
    comparisons: list[Comparison]


class Decision(Schema):
    decision: int
    kind: str
    at: datetime
    by: str
    reason: str
    child: str | None
    retired: str | None = Field(None, description="The child merged away, if any.")
    created: str | None = Field(None, description="The child a split made, if any.")
    records_moved: int
    undoes: int | None


def _user(request: ApiRequest) -> User:
    if request.auth.user is None:
        raise Forbidden("Only a person decides matches.")
    return request.auth.user


def _decision(action: MatchAction) -> dict[str, Any]:
    return {
        "decision": action.pk, "kind": action.kind, "at": action.at,
        "by": action.actor.username, "reason": review.stated_reason(action) or "",
        "child": action.child.contactpoint_id if action.child is not None else None,
        "retired": action.retired.contactpoint_id if action.retired is not None else None,
        "created": action.created.contactpoint_id if action.created is not None else None,
        "records_moved": sum(1 for m in action.moves if m["from"] != m["to"]),
        "undoes": action.undoes_id,
    }


@router.get("/review", permission=Permission.MATCHING_REVIEW_READ, response=Queue,
            errors=(400,), summary="The pairs waiting for a decision")
def review_queue(request: ApiRequest,
                 status: str = Query("open,deferred", pattern=fields.REVIEW_STATUSES,
                                     description="Comma-separated statuses."),
                 limit: int = Query(50, ge=1, le=200)) -> dict[str, Any]:
    statuses = [s for s in status.split(",") if s]
    unknown = sorted(set(statuses) - set(ReviewStatus.values))
    if unknown or not statuses:
        raise BadRequest("Unknown review status.", problems=[FieldProblem(
            "status", f"each one of {', '.join(ReviewStatus.values)}", "query")])
    items = review.queue(_user(request), statuses=statuses, limit=limit)
    return {"items": [{
        "id": i.pk, "status": i.status, "score": round(i.score, 2), "reason": i.reason,
        "source": i.source_record.source.name,
        "record_child": review.record_child(i).contactpoint_id,
        "candidate": i.candidate.contactpoint_id} for i in items]}


@router.get("/review/{int:item_id}", permission=Permission.MATCHING_REVIEW_READ,
            acts_on=TargetKind.CHILDREN, response=Pair,
            errors=(404,), summary="One pair side by side, with how each field compared")
def review_pair(request: ApiRequest,
                item_id: int = Path(..., ge=1, le=fields.MAX_ID)) -> dict[str, Any]:
    return review.pair(_user(request), item_id)


@router.post("/review/{int:item_id}/link", permission=Permission.MATCHING_REVIEW_DECIDE,
             acts_on=TargetKind.CHILDREN,
             response=Decision, errors=(400, 404, 409), summary="The pair is one child")
def review_link(request: ApiRequest, body: Reason,
                item_id: int = Path(..., ge=1, le=fields.MAX_ID)) -> dict[str, Any]:
    return _decision(review.link(_user(request), item_id, body.reason))


@router.post("/review/{int:item_id}/keep-apart", permission=Permission.MATCHING_REVIEW_DECIDE,
             acts_on=TargetKind.CHILDREN,
             response=Decision, errors=(400, 404, 409),
             summary="Not the same child: never propose the pair again")
def review_keep_apart(request: ApiRequest, body: Reason,
                      item_id: int = Path(..., ge=1, le=fields.MAX_ID)) -> dict[str, Any]:
    return _decision(review.keep_apart(_user(request), item_id, body.reason))


@router.post("/review/{int:item_id}/defer", permission=Permission.MATCHING_REVIEW_DECIDE,
             acts_on=TargetKind.CHILDREN,
             response=Decision, errors=(400, 404, 409), summary="Decide later")
def review_defer(request: ApiRequest, body: Reason,
                 item_id: int = Path(..., ge=1, le=fields.MAX_ID)) -> dict[str, Any]:
    return _decision(review.defer(_user(request), item_id, body.reason))


@router.post("/review/split", permission=Permission.MATCHING_REVIEW_DECIDE,
             acts_on=TargetKind.CHILD,
             response=Decision, errors=(400, 404, 409),
             summary="A record wrongly joined to a child becomes a child of its own")
def review_split(request: ApiRequest, body: SplitRequest) -> dict[str, Any]:
    return _decision(review.split(_user(request), body.source, body.source_id, body.reason))


@router.post("/review/merge", permission=Permission.MATCHING_REVIEW_DECIDE,
             acts_on=TargetKind.CHILDREN,
             response=Decision, errors=(400, 404, 409), summary="Two children are one")
def review_merge(request: ApiRequest, body: MergeRequest) -> dict[str, Any]:
    return _decision(review.merge(_user(request), body.keep, body.gone, body.reason))


@router.post("/review/decisions/{int:decision}/undo",
             permission=Permission.MATCHING_REVIEW_DECIDE, response=Decision,
             errors=(400, 404, 409), summary="Reverse an earlier decision",
             acts_on=TargetKind.CHILDREN)
def review_undo(request: ApiRequest, body: Reason,
                decision: int = Path(..., ge=1, le=fields.MAX_ID)) -> dict[str, Any]:
    return _decision(review.undo(_user(request), decision, body.reason))


@router.get("/children/{contactpoint_id}/match-history",
            permission=Permission.MATCHING_REVIEW_READ, acts_on=TargetKind.CHILD,
            response=list[Decision],
            errors=(404,), summary="Every decision people made about a child")
def match_history(request: ApiRequest,
                  contactpoint_id: str = Path(..., pattern=CONTACTPOINT_ID),
                  ) -> list[dict[str, Any]]:
    return [_decision(a) for a in review.history(_user(request), contactpoint_id)]
