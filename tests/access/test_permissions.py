"""The role → permissions mapping: one place, every role covered, nothing surprising."""

from contactpoint.access.models import Role
from contactpoint.access.permissions import (
    ROLE_PERMISSIONS,
    SOURCE_CLIENT_PERMISSIONS,
    Permission,
    permissions_for_role,
)
from contactpoint.access.vocabulary import ROLES


def test_every_role_has_a_mapping_and_nothing_else_does():
    assert set(ROLE_PERMISSIONS) == set(ROLES) == set(Role.values)


def test_permissions_are_scope_resource_action_strings():
    for permission in Permission:
        parts = permission.value.split(":")
        assert 2 <= len(parts) <= 3, permission
        assert all(p and p == p.lower() for p in parts), permission


def test_only_source_clients_load_feeds():
    assert set(SOURCE_CLIENT_PERMISSIONS) == {Permission.FEEDS_LOAD}
    for role, granted in ROLE_PERMISSIONS.items():
        assert Permission.FEEDS_LOAD not in granted, role


def test_auditors_read_the_audit_trail_and_no_child():
    assert permissions_for_role("auditor") == {Permission.AUDIT_READ,
                                               Permission.ACCOUNTS_OWN_MANAGE}


def test_practitioners_search_view_and_record_involvement_only():
    assert permissions_for_role("practitioner") == {
        Permission.CHILDREN_SEARCH, Permission.CHILDREN_RECORD_VIEW,
        Permission.CHILDREN_INVOLVEMENT_CREATE, Permission.ACCOUNTS_OWN_MANAGE,
        Permission.NOTIFICATIONS_READ}


def test_who_opened_a_record_is_read_by_management_and_national_teams_only():
    holders = {role for role, granted in ROLE_PERMISSIONS.items()
               if Permission.CHILDREN_ACCESS_READ in granted}
    assert holders == {"management_team", "national_admin"}


def test_everyone_but_auditors_reads_their_organisations_notifications():
    holders = {role for role, granted in ROLE_PERMISSIONS.items()
               if Permission.NOTIFICATIONS_READ in granted}
    assert holders == {"practitioner", "management_team", "national_admin"}


def test_everyone_manages_their_own_account():
    for role, granted in ROLE_PERMISSIONS.items():
        assert Permission.ACCOUNTS_OWN_MANAGE in granted, role


def test_shielding_and_match_review_belong_to_management_and_national_teams():
    for permission in (Permission.CHILDREN_SHIELD_MANAGE, Permission.MATCHING_REVIEW_DECIDE,
                       Permission.ACCOUNTS_MANAGE):
        holders = {role for role, granted in ROLE_PERMISSIONS.items() if permission in granted}
        assert holders == {"management_team", "national_admin"}, permission


def test_an_unknown_role_may_do_nothing():
    assert permissions_for_role("superuser") == frozenset()
    assert permissions_for_role("") == frozenset()
