"""The access policy's rules for recent access and notifications (access/policy.py)."""

from __future__ import annotations

import pytest

from contactpoint.access.permissions import Permission
from contactpoint.access.policy import Actor, Ground, Recipient, decide
from contactpoint.access.visibility import ChildFacts

LEEDS, KENT, TEAM, SCHOOL = 1, 2, 10, 11
CHILD = ChildFacts("1000000009", False, "active", LEEDS)
SHIELDED = ChildFacts("1000000009", True, "active", KENT, shield_broker_id=KENT)

LEEDS_TEAM = Actor("management_team", "E1", "local_authority", LEEDS, organisation_id=LEEDS)
KENT_TEAM = Actor("management_team", "E2", "local_authority", KENT, organisation_id=KENT)
NATIONAL = Actor("national_admin", "NP:1", "national_partner", None, organisation_id=9)
SOCIAL = Actor("practitioner", "SC:1", "social_care", LEEDS, organisation_id=TEAM)
TEACHER = Actor("practitioner", "URN:1", "school", LEEDS, organisation_id=SCHOOL)
AUDITOR = Actor("auditor", "E1", "local_authority", LEEDS, organisation_id=LEEDS)


@pytest.mark.parametrize(("actor", "child", "allowed"), [
    (LEEDS_TEAM, CHILD, True), (NATIONAL, CHILD, True), (KENT_TEAM, CHILD, False),
    (SOCIAL, CHILD, False), (TEACHER, CHILD, False), (AUDITOR, CHILD, False),
    (KENT_TEAM, SHIELDED, True), (LEEDS_TEAM, SHIELDED, False), (NATIONAL, SHIELDED, True)])
def test_recent_access_is_the_childs_own_team_and_the_national_teams(actor, child, allowed):
    assert decide(actor, Permission.CHILDREN_ACCESS_READ, child).allowed is allowed


@pytest.mark.parametrize(("actor", "allowed"), [
    (SOCIAL, True), (TEACHER, False), (LEEDS_TEAM, False), (NATIONAL, False),
    (AUDITOR, False)])
def test_a_teams_notifications_are_its_own_peoples(actor, allowed):
    decision = decide(actor, Permission.NOTIFICATIONS_READ, Recipient(TEAM))
    assert decision.allowed is allowed
    if not allowed:
        expected = Ground.PERMISSION if actor is AUDITOR else Ground.REACH
        assert decision.ground is expected


def test_a_suspended_member_of_the_team_is_refused_on_standing():
    suspended = Actor("practitioner", "SC:1", "social_care", LEEDS, organisation_id=TEAM,
                      standing="suspended")
    assert decide(suspended, Permission.NOTIFICATIONS_READ, Recipient(TEAM)).ground is (
        Ground.STANDING)
