"""The access policy's lifecycle rule, for every role and permission, with no database.

Written out plainly: an archived child is opened (and only opened) by its own
authority's management team or the national team within a year of archiving, then by
the national team alone for a statutory purpose; a purged child is gone for everyone
who holds the permission.
"""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from contactpoint.access.permissions import ROLE_PERMISSIONS, SOURCE_CLIENT_PERMISSIONS, Permission
from contactpoint.access.policy import ARCHIVE_PURPOSES, Actor, Ground, decide
from contactpoint.access.visibility import ChildFacts
from contactpoint.access.vocabulary import ORGANISATION_TYPES

LEEDS, KENT = 1, 2
TODAY = date(2030, 6, 1)
RECENT = date(2029, 7, 1)     # archived 11 months ago
LONG_AGO = date(2029, 6, 1)   # archived a year ago today: the team's year is over
REASONS = ("assessment", *sorted(ARCHIVE_PURPOSES), None)


def actors():  # type: ignore[no-untyped-def]
    for role, kind, authority in product(ROLE_PERMISSIONS, (*ORGANISATION_TYPES, None),
                                         (LEEDS, KENT, None)):
        yield Actor(role, "ORG" if kind else None, kind, authority, organisation_id=7)
    yield Actor("", None, None, None, client=True)


def child(status: str, archived_on: date | None = None, shielded: bool = False) -> ChildFacts:
    return ChildFacts("c", shielded, status, LEEDS, shield_broker_id=KENT if shielded else None,
                      archived_on=archived_on)


def held(actor: Actor, permission: Permission) -> bool:
    return permission in (SOURCE_CLIENT_PERMISSIONS if actor.client
                          else ROLE_PERMISSIONS.get(actor.role, frozenset()))


def expected_archived(actor: Actor, permission: Permission, archived_on: date,
                      reason: str | None) -> Ground | None:
    if not held(actor, permission):
        return Ground.PERMISSION
    if permission is not Permission.CHILDREN_RECORD_VIEW:
        return Ground.ARCHIVED
    national = actor.role == "national_admin"
    own_team = actor.role == "management_team" and actor.authority_id == LEEDS
    if archived_on > date(2029, 6, 1) and (national or own_team):
        return None
    if national and reason in ARCHIVE_PURPOSES:
        return None
    return Ground.ARCHIVED


@pytest.mark.parametrize("archived_on", [RECENT, LONG_AGO])
@pytest.mark.parametrize("shielded", [False, True])
def test_an_archived_child(archived_on, shielded):
    target = child("archived", archived_on, shielded)
    for actor, permission, reason in product(actors(), Permission, REASONS):
        if permission in (Permission.ACCOUNTS_MANAGE,):
            continue  # used on people, never on a child
        decision = decide(actor, permission, target, purpose=reason, today=TODAY)
        assert decision.ground == expected_archived(actor, permission, archived_on, reason), (
            actor, permission, reason)


def test_a_purged_child_is_gone_for_whoever_holds_the_permission():
    target = child("purged", LONG_AGO)
    for actor, permission in product(actors(), Permission):
        if permission is Permission.ACCOUNTS_MANAGE:
            continue
        decision = decide(actor, permission, target, purpose="child_protection", today=TODAY)
        expected = Ground.GONE if held(actor, permission) else Ground.PERMISSION
        assert decision.ground == expected, (actor, permission)


def test_a_pair_with_an_archived_or_purged_child_is_nobodys_to_review():
    national = Actor("national_admin", "NP", "national_partner", None)
    active = child("active")
    for other, ground in ((child("archived", RECENT), Ground.ARCHIVED),
                          (child("purged", LONG_AGO), Ground.GONE)):
        for permission in (Permission.MATCHING_REVIEW_READ, Permission.MATCHING_REVIEW_DECIDE):
            assert decide(national, permission, [active, other]).ground == ground
    assert decide(national, Permission.MATCHING_REVIEW_DECIDE, [active, active]).allowed
