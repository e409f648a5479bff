"""The access policy, tried for every role, standing, organisation and target, with no
database: who may use which permission on which child, pair of children or user.

The expectations are the rules as each place answered them before the policy (records'
`require` and shield check, review's `may_act_on`, services' `manages` and `grants_in`),
written out plainly here, except one gap closed: an account whose organisation is not
accredited is refused everywhere now, not only at sign-in and by tokens.
"""

from __future__ import annotations

from itertools import product

import pytest

from contactpoint.access.permissions import (
    ROLE_PERMISSIONS,
    SOURCE_CLIENT_PERMISSIONS,
    Permission,
)
from contactpoint.access.policy import (
    Actor,
    Ground,
    OrganisationScope,
    decide,
    grants_in,
    roles_granted,
)
from contactpoint.access.visibility import ChildFacts
from contactpoint.access.vocabulary import ORGANISATION_TYPES

LEEDS, KENT = 1, 2
AUTHORITIES = (LEEDS, KENT, None)
ROLES = (*ROLE_PERMISSIONS, "superuser")
STANDINGS = ("inactive", "suspended", "no accredited organisation")
#: Every kind of child the rules tell apart: shielded or not, living in Leeds, Kent or
#: nowhere known, its shield brokered by Leeds, Kent or nobody.
CHILDREN = tuple(ChildFacts(f"child-{n}", shielded, "active", lives, shield_broker_id=broker)
                 for n, (shielded, lives, broker)
                 in enumerate(product((False, True), AUTHORITIES, AUTHORITIES)))
ORGANISATIONS = tuple(OrganisationScope(kind, authority)
                      for kind, authority in product(ORGANISATION_TYPES, AUTHORITIES))
CHILD_PROTECTION = {"social_care", "police", "local_authority", "youth_offending"}


def actors(*, standing: str | None = None):
    """Every role in every kind of organisation of every authority (and a client)."""
    for role, kind, authority in product(ROLES, (*ORGANISATION_TYPES, None), AUTHORITIES):
        yield Actor(role, "ORG" if kind else None, kind, authority, organisation_id=7,
                    standing=standing)
    yield Actor("", None, None, None, client=True, standing=standing)


# -- the rules as they were, one place each -----------------------------------------------------

def held(actor: Actor, permission: Permission) -> bool:
    granted = SOURCE_CLIENT_PERMISSIONS if actor.client else ROLE_PERMISSIONS.get(
        actor.role, frozenset())
    return permission in granted


def old_sees_everything(actor: Actor, child: ChildFacts) -> bool:
    if actor.client:
        return False
    if actor.role == "national_admin":
        return True
    if actor.role != "management_team" or actor.authority_id is None:
        return False
    return actor.authority_id in (child.authority_id,
                                  child.shield_broker_id if child.shielded else None)


def old_may_act_on(actor: Actor, children: tuple[ChildFacts, ...]) -> bool:
    if actor.role == "national_admin":
        return True
    authority = actor.authority_id
    if authority is None:
        return False

    def own(child: ChildFacts) -> bool:
        return child.authority_id == authority or (
            child.shielded and child.shield_broker_id == authority)

    if any(c.shielded and not own(c) for c in children):
        return False
    return any(own(c) for c in children)


def old_manages(actor: Actor, organisation: OrganisationScope) -> bool:
    if actor.role == "national_admin":
        return True
    return actor.authority_id is not None and organisation.authority_id == actor.authority_id


def old_may_break_glass(actor: Actor) -> bool:
    return (not actor.client and actor.role == "practitioner"
            and actor.organisation_type in CHILD_PROTECTION)


# -- standing and permission --------------------------------------------------------------------

@pytest.mark.parametrize("standing", STANDINGS)
def test_an_account_not_in_good_standing_may_do_nothing(standing):
    for actor, permission in product(actors(standing=standing), Permission):
        decision = decide(actor, permission)
        assert not decision, (actor, permission)
        assert decision.ground is Ground.STANDING
    for actor, child in product(actors(standing=standing), CHILDREN):
        assert decide(actor, Permission.CHILDREN_RECORD_VIEW, child).ground is Ground.STANDING


def test_the_reason_for_standing_is_said():
    suspended = Actor("practitioner", "URN:1", "school", LEEDS, standing="suspended")
    unaccredited = Actor("practitioner", "URN:1", "school", LEEDS,
                         standing="no accredited organisation")
    assert decide(suspended, Permission.CHILDREN_SEARCH).message == "This account is suspended."
    assert "not accredited" in decide(unaccredited, Permission.CHILDREN_SEARCH).message


def test_a_permission_is_used_only_by_who_holds_it():
    for actor, permission in product(actors(), Permission):
        decision = decide(actor, permission)
        assert decision.allowed == held(actor, permission), (actor, permission)
        if not decision:
            assert decision.ground is Ground.PERMISSION
            assert str(permission) in decision.message


def test_a_source_client_loads_feeds_and_nothing_else():
    client = Actor("", None, None, None, client=True)
    assert {p for p in Permission if decide(client, p)} == {Permission.FEEDS_LOAD}
    for child in CHILDREN:
        assert not decide(client, Permission.CHILDREN_RECORD_VIEW, child)


# -- children -----------------------------------------------------------------------------------

def test_any_child_may_be_searched_opened_and_have_an_involvement_recorded():
    for actor, child, permission in product(
            actors(), CHILDREN, (Permission.CHILDREN_SEARCH, Permission.CHILDREN_RECORD_VIEW,
                                 Permission.CHILDREN_INVOLVEMENT_CREATE)):
        assert decide(actor, permission, child).allowed == held(actor, permission)


def test_shielding_and_reviewing_a_child_belong_to_its_own_team_and_the_national_team():
    for actor, child, permission in product(
            actors(), CHILDREN, (Permission.CHILDREN_SHIELD_MANAGE,
                                 Permission.MATCHING_REVIEW_READ,
                                 Permission.MATCHING_REVIEW_DECIDE)):
        decision = decide(actor, permission, child)
        expected = held(actor, permission) and old_sees_everything(actor, child)
        assert decision.allowed == expected, (actor, child, permission)
        if held(actor, permission) and not expected:
            assert decision.ground is Ground.REACH


def test_one_child_reviewed_is_the_same_rule_as_its_team():
    for actor, child in product(actors(), CHILDREN):
        if held(actor, Permission.MATCHING_REVIEW_DECIDE):
            assert old_may_act_on(actor, (child,)) == old_sees_everything(actor, child)


def test_children_reviewed_together_need_one_of_them_and_none_shielded_by_another():
    pairs = list(product(CHILDREN, repeat=2))
    for actor in actors():
        if not held(actor, Permission.MATCHING_REVIEW_DECIDE):
            continue
        for pair in pairs:
            decision = decide(actor, Permission.MATCHING_REVIEW_DECIDE, pair)
            assert decision.allowed == old_may_act_on(actor, pair), (actor, pair)
        assert decide(actor, Permission.MATCHING_REVIEW_DECIDE, list(CHILDREN[:3])).allowed \
            == old_may_act_on(actor, CHILDREN[:3])


def test_no_children_at_all_are_only_the_national_teams():
    for actor in actors():
        if held(actor, Permission.MATCHING_REVIEW_DECIDE):
            assert decide(actor, Permission.MATCHING_REVIEW_DECIDE, ()).allowed == (
                actor.role == "national_admin")


def test_breaking_the_glass():
    for actor, child in product(actors(), CHILDREN):
        if not held(actor, Permission.CHILDREN_RECORD_VIEW):
            continue
        decision = decide(actor, Permission.CHILDREN_RECORD_VIEW, child, break_glass=True)
        needless = not child.shielded or old_sees_everything(actor, child)
        assert decision.allowed == (needless or old_may_break_glass(actor)), (actor, child)
        if not decision:
            assert decision.ground is Ground.GLASS
    for actor in actors():
        if held(actor, Permission.CHILDREN_RECORD_VIEW):
            assert decide(actor, Permission.CHILDREN_RECORD_VIEW, break_glass=True).allowed \
                == old_may_break_glass(actor)


def test_a_school_teacher_does_not_break_the_glass_but_a_social_worker_does():
    teacher = Actor("practitioner", "URN:1", "school", LEEDS)
    social_worker = Actor("practitioner", "SC:1", "social_care", KENT)
    hidden = ChildFacts("1234567890", True, "active", LEEDS, shield_broker_id=LEEDS)
    assert not decide(teacher, Permission.CHILDREN_RECORD_VIEW, hidden, break_glass=True)
    assert decide(social_worker, Permission.CHILDREN_RECORD_VIEW, hidden, break_glass=True)
    assert not teacher.may_break_glass
    assert social_worker.may_break_glass


# -- users and organisations --------------------------------------------------------------------

def test_users_are_managed_by_their_authoritys_team_and_the_national_team():
    for actor, organisation in product(actors(), ORGANISATIONS):
        decision = decide(actor, Permission.ACCOUNTS_MANAGE, organisation)
        expected = held(actor, Permission.ACCOUNTS_MANAGE) and old_manages(actor, organisation)
        assert decision.allowed == expected, (actor, organisation)


def test_access_is_granted_by_a_council_for_its_own_and_nationally_for_national_partners():
    for actor, organisation in product(actors(), ORGANISATIONS):
        if not held(actor, Permission.ACCOUNTS_MANAGE):
            assert not grants_in(actor, organisation)
            assert roles_granted(actor, organisation) == []
            continue
        if actor.role == "national_admin":
            expected = organisation.type == "national_partner"
        else:
            expected = (organisation.type != "national_partner"
                        and old_manages(actor, organisation))
        assert grants_in(actor, organisation) == expected, (actor, organisation)


def test_the_roles_a_team_grants_fit_the_organisation():
    council = Actor("management_team", "E1", "local_authority", LEEDS, organisation_id=LEEDS)
    national = Actor("national_admin", "NP:1", "national_partner", None, organisation_id=9)
    assert roles_granted(council, OrganisationScope("school", LEEDS)) == ["practitioner"]
    assert roles_granted(council, OrganisationScope("local_authority", LEEDS)) == [
        "practitioner", "management_team", "auditor"]
    assert roles_granted(council, OrganisationScope("school", KENT)) == []
    assert roles_granted(national, OrganisationScope("national_partner", None)) == [
        "practitioner", "national_admin", "auditor"]
    assert roles_granted(national, OrganisationScope("school", LEEDS)) == []


def test_a_team_speaks_for_its_authority_and_anyone_else_for_their_organisation():
    council = Actor("management_team", "E1", "local_authority", LEEDS, organisation_id=LEEDS)
    national = Actor("national_admin", "NP:1", "national_partner", None, organisation_id=9)
    assert council.team_organisation_id == LEEDS
    assert national.team_organisation_id == 9


# -- mistakes in the code -----------------------------------------------------------------------

@pytest.mark.parametrize(("permission", "target"), [
    (Permission.AUDIT_READ, CHILDREN[0]),
    (Permission.ACCOUNTS_MANAGE, CHILDREN[0]),
    (Permission.CHILDREN_SHIELD_MANAGE, OrganisationScope("school", LEEDS)),
    (Permission.ACCOUNTS_MANAGE, (CHILDREN[0],)),
])
def test_a_permission_asked_of_a_target_it_has_no_rule_for_is_a_mistake(permission, target):
    national = Actor("national_admin", "NP:1", "national_partner", None)
    with pytest.raises(TypeError, match="no rule"):
        decide(national, permission, target)
