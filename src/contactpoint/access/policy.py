"""May this actor do this to this target? The one answer, for every path that acts.

Every page, API operation, command and service asks `decide` (through
access/authorise.py, which turns people and rows into the facts below and a refusal into
an error and an audit entry). It weighs, in this order:

1. **Standing**: an inactive or suspended account, or one whose organisation is not
   accredited, may do nothing (DOMAIN.md: "only named individuals in accredited
   organisations").
2. **Permission**: the role (or a source system's client) holds the permission
   (access/permissions.py).
3. **Breaking the glass** on a shielded record: only child-protection practitioners, and
   only where the record is not theirs to see anyway.
4. **Reach**: what the permission is used on. Any child may be searched for, opened and
   have an involvement recorded (what the actor then sees of it is access/visibility.py's
   decision). Shielding a child, deciding its matches and answering a subject access
   request for it belong to the child's own management team (where the child lives, or
   the team brokering its shield) and the national team; a pair of children, to a team
   that owns one and is kept from neither (a shielded child is only its own team's).
   Users and organisations belong to their local authority's team and the national team.
   Who has opened a child's record lately is read by the child's own management team
   and the national team; an organisation's notifications, by its own people.

5. **Lifecycle** (DOMAIN.md, lifecycle/rules.py): a purged child is gone for everyone
   (`Ground.GONE`, answered 410). An archived child is only opened (read), never
   searched for, changed or reviewed: by its own authority's management team (or the
   national team) for a year after archiving, and after that by the national team
   alone, stating a child-protection enquiry, a serious case review or a child-death
   review. Anyone else is refused as if it did not exist (`Ground.ARCHIVED`).

Plain Python over small facts, no Django: tests/access/test_policy.py tries every role,
standing, organisation and target. Targeted children plug in here next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol, runtime_checkable

from contactpoint.access.permissions import (
    BREAKS_GLASS,
    GRANTED_ELSEWHERE,
    GRANTED_IN_NATIONAL_PARTNER,
    ROLE_ORGANISATION_TYPES,
    SOURCE_CLIENT_PERMISSIONS,
    Permission,
    Reach,
    permissions_for_role,
    reach_of_role,
)

#: Organisations whose practitioners work in child protection and may break the glass.
CHILD_PROTECTION_ORGANISATIONS = frozenset({"social_care", "police", "local_authority",
                                            "youth_offending"})
NATIONAL_PARTNER = "national_partner"

#: Permissions used on any child: visibility decides what the actor sees of it.
ANY_CHILD = frozenset({Permission.CHILDREN_SEARCH, Permission.CHILDREN_RECORD_VIEW,
                       Permission.CHILDREN_INVOLVEMENT_CREATE})
#: Permissions used only on children of the actor's reach.
CHILDS_TEAM = frozenset({Permission.CHILDREN_SHIELD_MANAGE, Permission.MATCHING_REVIEW_READ,
                         Permission.MATCHING_REVIEW_DECIDE, Permission.CHILDREN_SUBJECT_ACCESS,
                         Permission.CHILDREN_ACCESS_READ})
#: Permissions used only on users and organisations of the actor's reach.
MEMBERS = frozenset({Permission.ACCOUNTS_MANAGE, Permission.ALERTS_MANAGE})
#: Permissions used on a child by its own team: an alert about a break glass on a child
#: reaches the team that shields it, as well as the user's own.
ABOUT_A_CHILD = frozenset({Permission.ALERTS_MANAGE})

#: A child's lifecycle states the policy reads (identity.models.ChildStatus's values).
ARCHIVED = "archived"
PURGED = "purged"
#: How long after archiving the child's own management team still reaches the record.
ARCHIVE_TEAM_YEARS = 1
#: Why the national team may open a record archived for more than a year (DOMAIN.md:
#: child-protection enquiries under Children Act 1989 s.47, serious case reviews,
#: child-death reviews): reason codes of identity.records.REASONS.
ARCHIVE_PURPOSES = frozenset({"child_protection", "serious_case_review",
                              "child_death_review"})
GONE_MESSAGE = "This record was removed from ContactPoint."
UNSEEN_MESSAGE = "No child with that ContactPoint ID."


@dataclass(frozen=True)
class Actor:
    """The facts about whoever acts (a person, or a source system's client) the rules need.

    Also the viewer access/visibility.py shows records to (`Viewer` there).
    """

    role: str
    organisation_code: str | None
    organisation_type: str | None
    #: The local authority the actor's organisation belongs to (or is).
    authority_id: int | None
    organisation_id: int | None = None
    #: Why the account may not be used now ("inactive", "suspended", "no accredited
    #: organisation"), or None when it may (access.models.User.refusal).
    standing: str | None = None
    #: A source system's API client, not a person.
    client: bool = False

    @property
    def permissions(self) -> frozenset[Permission]:
        return SOURCE_CLIENT_PERMISSIONS if self.client else permissions_for_role(self.role)

    @property
    def reach(self) -> Reach:
        return Reach.NONE if self.client else reach_of_role(self.role)

    @property
    def national(self) -> bool:
        """Reaches every authority's children and users (the national team)."""
        return self.reach is Reach.NATIONAL

    @property
    def authority_team(self) -> bool:
        """Reaches its own authority's children and users (a local management team)."""
        return self.reach is Reach.AUTHORITY

    @property
    def may_break_glass(self) -> bool:
        return (not self.client and self.role in BREAKS_GLASS
                and self.organisation_type in CHILD_PROTECTION_ORGANISATIONS)

    @property
    def team_organisation_id(self) -> int | None:
        """The organisation whose team the actor speaks for (brokering contact for a
        record it shields, keeping the team's contact details): a management team's
        local authority; anyone else's own organisation."""
        return self.authority_id if self.authority_team else self.organisation_id


@runtime_checkable
class ChildScope(Protocol):
    """What the rules need of a child (access.visibility.ChildFacts has it)."""

    @property
    def shielded(self) -> bool: ...

    @property
    def authority_id(self) -> int | None: ...

    @property
    def shield_broker_id(self) -> int | None: ...


@dataclass(frozen=True)
class OrganisationScope:
    """An organisation acted on, or the organisation of a user acted on."""

    type: str | None
    #: The local authority it belongs to (itself, for an authority; None for a national
    #: partner).
    authority_id: int | None


@dataclass(frozen=True)
class Recipient:
    """The organisation a notification was sent to (contactpoint/notifications)."""

    organisation_id: int


#: What a permission is used on: nothing, a child, children together (a pair to
#: review, the children a decision touched), a user's (or an) organisation, or the
#: organisation a notification was sent to.
Target = ChildScope | Sequence[ChildScope] | OrganisationScope | Recipient | None


class TargetKind(StrEnum):
    """What a route acts on, as it declares (web/access.py `requires(..., acts_on=)`, the
    API's `acts_on=`): its service then asks `decide` about that very target. Tests walk
    every route and fail on one whose path names a child or a user (or a pair of
    children) but declares nothing."""

    CHILD = "child"
    #: The children of a review item or of a decision about matches.
    CHILDREN = "children"
    USER = "user"


class Ground(StrEnum):
    """Why an actor was refused, as the audit trail says it."""

    STANDING = "standing"
    PERMISSION = "permission"
    GLASS = "break-glass"
    REACH = "reach"
    #: An archived record outside the actor's reach: answered as if it did not exist.
    ARCHIVED = "archived"
    #: A purged record: nothing of it is left to show (410).
    GONE = "gone"


@dataclass(frozen=True)
class Decision:
    permission: Permission
    ground: Ground | None = None
    #: Why not, as a sentence for the actor (a service may say it more precisely).
    message: str = ""

    @property
    def allowed(self) -> bool:
        return self.ground is None

    def __bool__(self) -> bool:
        return self.allowed


def childs_team(actor: Actor, child: ChildScope) -> bool:
    """The child's own management team (where the child lives, or the team brokering its
    shield), or the national team: they broker contact, shield and resolve matches."""
    if actor.national:
        return True
    if not actor.authority_team or actor.authority_id is None:
        return False
    return actor.authority_id in (child.authority_id,
                                  child.shield_broker_id if child.shielded else None)


def reaches_children(actor: Actor, children: Sequence[ChildScope]) -> bool:
    """Children acted on together: the national team, any; a management team, when one of
    them is its own and none is a shielded child of another team's."""
    if actor.national:
        return True
    own = [childs_team(actor, child) for child in children]
    if any(child.shielded and not mine for child, mine in zip(children, own, strict=True)):
        return False
    return any(own)


def reaches_members(actor: Actor, organisation: OrganisationScope) -> bool:
    """Users (and organisations) of the actor's own authority; every one for the national
    team."""
    if actor.national:
        return True
    return (actor.authority_team and actor.authority_id is not None
            and organisation.authority_id == actor.authority_id)


def _refused(permission: Permission, ground: Ground, message: str) -> Decision:
    return Decision(permission, ground, message)


STANDING_MESSAGES = {
    "inactive": "This account is suspended.",
    "suspended": "This account is suspended.",
    "no accredited organisation": "This account's organisation is not accredited.",
}


def decide(actor: Actor, permission: Permission, target: Target = None, *,
           break_glass: bool = False, purpose: str | None = None,
           today: date | None = None) -> Decision:
    """May `actor` use `permission` on `target` (breaking the glass, if asked)?

    `purpose`, the reason code stated, matters only for an archived child; `today`
    (default: the date now) decides how long ago it was archived.
    """
    if actor.standing is not None:
        return _refused(permission, Ground.STANDING,
                        STANDING_MESSAGES.get(actor.standing, "This account may not be used."))
    if permission not in actor.permissions:
        return _refused(permission, Ground.PERMISSION,
                        f"This needs the {permission} permission.")
    lifecycle = _lifecycle(actor, permission, target, purpose, today or date.today())
    if lifecycle is not None:
        return lifecycle
    if break_glass and not _glass(actor, target):
        return _refused(permission, Ground.GLASS,
                        "Only child-protection practitioners may break the glass.")
    if target is None or _reaches(actor, permission, target):
        return Decision(permission)
    return _refused(permission, Ground.REACH, "This is outside what your account acts on.")


def _status(child: object) -> str | None:
    return getattr(child, "status", None)


def archived_team_until(archived_on: date) -> date:
    """The first day the child's own team no longer reaches a record archived that day."""
    try:
        return archived_on.replace(year=archived_on.year + ARCHIVE_TEAM_YEARS)
    except ValueError:  # archived on 29 February
        return date(archived_on.year + ARCHIVE_TEAM_YEARS, 3, 1)


def reaches_archived(actor: Actor, child: ChildScope, purpose: str | None,
                     today: date) -> bool:
    """May `actor` open this archived child's record (for `purpose`, on `today`)?"""
    archived_on: date | None = getattr(child, "archived_on", None)
    within_year = archived_on is not None and today < archived_team_until(archived_on)
    if within_year and (actor.national or (
            actor.authority_team and actor.authority_id is not None
            and actor.authority_id == child.authority_id)):
        return True
    return actor.national and purpose in ARCHIVE_PURPOSES


def _lifecycle(actor: Actor, permission: Permission, target: Target, purpose: str | None,
               today: date) -> Decision | None:
    """A refusal for a purged or archived child, or None to go on to the other rules."""
    children: Sequence[object]
    if isinstance(target, ChildScope):
        children = [target]
    elif isinstance(target, Sequence) and not isinstance(target, str):
        children = target
    else:
        return None
    statuses = {_status(child) for child in children}
    if PURGED in statuses:
        return _refused(permission, Ground.GONE, GONE_MESSAGE)
    if ARCHIVED not in statuses:
        return None
    if (isinstance(target, ChildScope) and permission is Permission.CHILDREN_RECORD_VIEW
            and reaches_archived(actor, target, purpose, today)):
        return Decision(permission)
    return _refused(permission, Ground.ARCHIVED, UNSEEN_MESSAGE)


def _glass(actor: Actor, target: Target) -> bool:
    """Breaking the glass: needless on a record the actor sees whole anyway."""
    if isinstance(target, ChildScope) and (not target.shielded or childs_team(actor, target)):
        return True
    return actor.may_break_glass


def _reaches(actor: Actor, permission: Permission, target: Target) -> bool:
    if isinstance(target, Recipient):
        if permission is Permission.NOTIFICATIONS_READ:
            # A team's notifications are its own: not its authority's team, not the
            # national team (they read the trail itself on the Activity page).
            return actor.organisation_id is not None and (
                actor.organisation_id == target.organisation_id)
    elif isinstance(target, OrganisationScope):
        if permission in MEMBERS:
            return reaches_members(actor, target)
    elif isinstance(target, ChildScope):
        if permission in ANY_CHILD:
            return True
        if permission in CHILDS_TEAM or permission in ABOUT_A_CHILD:
            return childs_team(actor, target)
    elif isinstance(target, Sequence):
        if permission in ANY_CHILD:
            return True
        if permission in CHILDS_TEAM:
            return reaches_children(actor, target)
    # A permission asked of a target it has no rule for is a mistake in the code.
    raise TypeError(f"{permission} has no rule for a target like {target!r}")


# -- giving access: which organisations and roles ------------------------------------------------

def role_fits(role: str, organisation_type: str | None) -> bool:
    """May `role` be held by staff of this kind of organisation?"""
    allowed = ROLE_ORGANISATION_TYPES.get(role, frozenset())
    return allowed is None or organisation_type in allowed


def grants_in(actor: Actor, organisation: OrganisationScope) -> bool:
    """May `actor` give people in `organisation` access? The national team admits national
    partners' staff; a council's team, the rest of its own authority's (DOMAIN.md: a
    council's staff are the council's to admit)."""
    if not decide(actor, Permission.ACCOUNTS_MANAGE):
        return False
    if actor.national:
        return organisation.type == NATIONAL_PARTNER
    return organisation.type != NATIONAL_PARTNER and reaches_members(actor, organisation)


def roles_granted(actor: Actor, organisation: OrganisationScope) -> list[str]:
    """The roles `actor` may give someone in `organisation`, in the order a form lists them."""
    if not grants_in(actor, organisation):
        return []
    granted = (GRANTED_IN_NATIONAL_PARTNER if organisation.type == NATIONAL_PARTNER
               else GRANTED_ELSEWHERE)
    return [role for role in granted if role_fits(role, organisation.type)]

