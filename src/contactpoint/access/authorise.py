"""Asking access/policy.py about people and rows: the one check every path makes.

`authorise(user, permission, target)` turns the user (and the child, the children or the
user's organisation acted on) into the policy's facts, and either returns the actor's
facts or raises a refusal: `Refused` (403), or `RefusedUnseen` (404) where the caller
must not learn that a target outside its reach exists. `allows` asks the same question
without refusing, for what a page offers (a link, a button).

Every refusal leaves one entry in the audit trail, written by whoever ends the refused
action's transaction (a refusal raised inside it is rolled back with everything else):
for a request, web/refusals.py's `request:refused`, which names the permission and the
ground the policy refused on; for a command, the command line's `access:refused`
(`record_refusal`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from contactpoint.access.models import ApiClient, Organisation, User
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import (
    Actor,
    ChildScope,
    Decision,
    Ground,
    OrganisationScope,
    decide,
)
from contactpoint.audit import hooks as audit
from contactpoint.errors import Forbidden, Gone, NotFound

EVENT = "access:refused"


def actor_of(user: User) -> Actor:
    """The policy's facts about a person (their organisation read from the user)."""
    org = user.organisation
    authority = None
    if org is not None:
        authority = org.pk if org.is_local_authority else org.authority_id
    return Actor(role=user.role, organisation_code=org.code if org else None,
                 organisation_type=org.type if org else None, authority_id=authority,
                 organisation_id=org.pk if org else None, standing=user.refusal())


def client_actor(client: ApiClient) -> Actor:
    """The policy's facts about a source system's API client (no person, no organisation)."""
    return Actor(role="", organisation_code=None, organisation_type=None, authority_id=None,
                 client=True)


def organisation_scope(org: Organisation | None) -> OrganisationScope:
    """An organisation as a target: its type, and the authority it belongs to."""
    if org is None:
        return OrganisationScope(None, None)
    return OrganisationScope(org.type, org.pk if org.is_local_authority else org.authority_id)


def user_scope(user: User) -> OrganisationScope:
    """A user as a target: acted on by whoever reaches their organisation."""
    return organisation_scope(user.organisation)


class Refused(Forbidden):
    """The policy refused: `decision` says which permission and on what ground."""

    def __init__(self, detail: str, decision: Decision) -> None:
        super().__init__(detail)
        self.decision = decision


class RefusedGone(Gone):
    """Refused because the child was purged: the answer is that it is gone (410)."""

    def __init__(self, detail: str, decision: Decision) -> None:
        super().__init__(detail)
        self.decision = decision


class RefusedUnseen(NotFound):
    """Refused for a target outside the actor's reach, answered as if it did not exist."""

    def __init__(self, detail: str, decision: Decision) -> None:
        super().__init__(detail)
        self.decision = decision


def _facts(who: User | Actor) -> Actor:
    return who if isinstance(who, Actor) else actor_of(who)


def _children(target: Any) -> Any:
    """A query set or iterator of children becomes a tuple the policy can read twice."""
    if target is None or isinstance(target, (ChildScope, OrganisationScope, tuple)):
        return target
    if isinstance(target, Iterable):
        return tuple(target)
    return target


def authorise(who: User | Actor, permission: Permission, target: Any = None, *,
              break_glass: bool = False, refused: str | None = None,
              unseen: str | None = None, purpose: str | None = None) -> Actor:
    """The actor's facts, when the policy lets them use `permission` on `target`.

    Refused, raises `Refused` with the policy's message (or `refused`, a service's own
    sentence); refused only for being outside the actor's reach and given `unseen`,
    raises `RefusedUnseen(unseen)`, so nothing tells them the target exists. An archived
    child outside the actor's reach is always unseen; a purged one raises `RefusedGone`
    (410). `purpose` is the reason code stated (it matters for an archived child).
    """
    actor = _facts(who)
    decision = decide(actor, permission, _children(target), break_glass=break_glass,
                      purpose=purpose)
    if decision.allowed:
        return actor
    if decision.ground is Ground.GONE:
        raise RefusedGone(decision.message, decision)
    if decision.ground is Ground.ARCHIVED:
        raise RefusedUnseen(unseen or decision.message, decision)
    if decision.ground is Ground.REACH and unseen is not None:
        raise RefusedUnseen(unseen, decision)
    raise Refused(refused or decision.message, decision)


def allows(who: User | Actor, permission: Permission, target: Any = None, *,
           break_glass: bool = False, purpose: str | None = None) -> bool:
    """Would `authorise` let them? A question for what a page offers: refuses nothing."""
    return decide(_facts(who), permission, _children(target), break_glass=break_glass,
                  purpose=purpose).allowed


def refusal_details(exc: BaseException | None) -> dict[str, str]:
    """What the policy refused, for the refusal's audit entry: the permission and the
    ground. Found on the error itself or on one it was raised from or while handling (a
    page turns a refusal into Django's PermissionDenied); {} for any other error."""
    for _depth in range(5):
        if exc is None:
            break
        if isinstance(exc, (Refused, RefusedUnseen, RefusedGone)):
            decision = exc.decision
            return {"permission": decision.permission.value, "ground": str(decision.ground)}
        exc = exc.__cause__ or exc.__context__
    return {}


#: Where a request keeps what the policy refused it, for web/refusals.py's entry.
REQUEST_ATTRIBUTE = "access_refusal"


def note_refusal(request: Any, exc: BaseException) -> None:
    """Keep on the request what the policy refused, if it was the policy that refused:
    the request's one `request:refused` entry then says so (web/refusals.py)."""
    details = refusal_details(exc)
    if details:
        setattr(request, REQUEST_ATTRIBUTE, details)


def noted_refusal(request: Any) -> dict[str, str]:
    return dict(getattr(request, REQUEST_ATTRIBUTE, None) or {})


def record_refusal(actor: Any, exc: Refused | RefusedUnseen | RefusedGone, *,
                   subject: str | None = None) -> None:
    """The `access:refused` entry of a refusal outside a request (a command), written in
    the caller's transaction: call it once the refused action's own has rolled back."""
    audit.record(EVENT, actor=actor, subject=subject,
                 details={**refusal_details(exc), "status": exc.status})
