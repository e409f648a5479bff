"""Who manages whom: management teams in their own authority, the national team for all.

Through the real services, on real databases; each action leaves one audit entry.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import AUTHORITY, make_user
from contactpoint.access import services
from contactpoint.access.models import Organisation, OrganisationType, Role, SignedInSession, User
from contactpoint.access.services import AccessError
from contactpoint.access.sessions import remember_session
from contactpoint.access.tokens import authenticate_token, create_token
from contactpoint.errors import Forbidden, NotFound
from databases import both_databases

pytestmark = both_databases



def _other_authority_school():
    services.add_organisation(code="E08000036", name="Wakefield",
                              type=OrganisationType.LOCAL_AUTHORITY)
    org, _ = services.add_organisation(code="URN:200001", name="Castle Primary",
                                       type=OrganisationType.SCHOOL, authority="E08000036")
    return org


def test_a_management_team_manages_its_own_authoritys_users_only():
    manager = make_user("management_team")
    colleague = make_user("practitioner")
    far_school = _other_authority_school()
    stranger, _ = services.add_user(username="far.away", org_code=far_school.code,
                                    role="practitioner")
    national = make_user("national_admin")

    managed = set(services.users_managed_by(manager).values_list("username", flat=True))
    assert colleague.username in managed
    assert manager.username in managed
    assert stranger.username not in managed
    assert national.username not in managed
    with pytest.raises(NotFound):
        services.managed_user(manager, stranger.username)


def test_the_national_team_sees_everyone():
    national = make_user("national_admin")
    colleague = make_user("practitioner")
    far_school = _other_authority_school()
    stranger, _ = services.add_user(username="far.away", org_code=far_school.code,
                                    role="practitioner")
    managed = set(services.users_managed_by(national).values_list("username", flat=True))
    assert {colleague.username, stranger.username, national.username} <= managed


def test_a_practitioner_or_auditor_manages_nobody():
    for role in ("practitioner", "auditor"):
        with pytest.raises(Forbidden):
            services.users_managed_by(make_user(role))


def test_a_management_team_grants_access_in_its_authority(audit_log):
    manager = make_user("management_team")
    user, password = services.grant_access(
        manager, username="new.teacher", org_code="URN:107654", role="practitioner",
        reason="New class teacher", first_name="Nia", last_name="Evans", email="nia@example.org")

    assert user.must_change_password
    assert user.check_password(password)
    assert user.get_full_name() == "Nia Evans"
    [entry] = [e for e in audit_log() if e["event"] == "account:user:create"]
    assert entry["actor"] == manager.username
    assert entry["subject"] == "new.teacher"
    assert entry["details"] == {"organisation": "URN:107654", "role": "practitioner"}
    assert entry["reason"] == "New class teacher"
    assert password not in json.dumps(audit_log())
    with pytest.raises(AccessError, match="reason: Enter the reason"):
        services.grant_access(manager, username="no.reason", org_code="URN:107654",
                              role="practitioner", reason=" ")
    assert not User.objects.filter(username="no.reason").exists()


def test_a_management_team_cannot_grant_elsewhere_or_make_national_admins():
    manager = make_user("management_team")
    far_school = _other_authority_school()
    make_user("national_admin")  # makes the national partner NP:1
    for org_code in (far_school.code, "NP:1"):
        with pytest.raises(AccessError, match="organisation"):
            services.grant_access(manager, username="x.y", org_code=org_code,
                                  role="practitioner", reason="r")
    with pytest.raises(AccessError, match="role"):
        services.grant_access(manager, username="x.y", org_code="URN:107654",
                              role="national_admin", reason="r")
    assert not User.objects.filter(username="x.y").exists()


def test_the_national_team_grants_access_for_national_partners_only():
    national = make_user("national_admin")
    make_user("practitioner")  # the authority and its school exist
    user, _ = services.grant_access(national, username="np.analyst", org_code="NP:1",
                                    role="auditor", reason="r")
    assert user.role == Role.AUDITOR
    with pytest.raises(AccessError, match="organisation"):
        services.grant_access(national, username="school.person", org_code="URN:107654",
                              role="practitioner", reason="r")


@pytest.mark.parametrize(("role", "org_type", "fits"), [
    ("management_team", "local_authority", True), ("management_team", "school", False),
    ("management_team", "national_partner", False), ("national_admin", "national_partner", True),
    ("national_admin", "local_authority", False), ("auditor", "national_partner", True),
    ("auditor", "local_authority", True), ("auditor", "school", False),
    ("practitioner", "school", True), ("practitioner", "local_authority", True),
    ("practitioner", "national_partner", True),
])
def test_each_role_is_held_only_in_its_kind_of_organisation(role, org_type, fits):
    """One rule, applied by add_user, so the command line and the pages refuse alike."""
    services.add_organisation(code="E08000035", name="Leeds", type="local_authority")
    services.add_organisation(code="ORG:1", name="Somewhere", type=org_type,
                              authority=None if org_type in ("local_authority",
                                                             "national_partner")
                              else "E08000035")
    if fits:
        user, _ = services.add_user(username="someone", org_code="ORG:1", role=role)
        assert user.role == role
    else:
        with pytest.raises(AccessError, match=r"^role: The .* role is for staff of a"):
            services.add_user(username="someone", org_code="ORG:1", role=role)
        assert not User.objects.filter(username="someone").exists()


def test_a_management_team_is_not_offered_roles_its_organisations_cannot_hold():
    manager = make_user("management_team")
    school = Organisation.objects.get(code="URN:107654")
    assert services.roles_grantable(manager, school) == [Role.PRACTITIONER]
    assert services.roles_grantable(manager, manager.organisation) == [
        Role.PRACTITIONER, Role.MANAGEMENT_TEAM, Role.AUDITOR]


def test_suspension_ends_sessions_and_api_tokens_at_once(audit_log):
    manager = make_user("management_team")
    user = make_user("practitioner")
    token = create_token(user=user.username)
    assert authenticate_token(token) is not None
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    remember_session(user, session.session_key)

    services.suspend_user(manager, user.username, reason="looked up a relative's record")

    user.refresh_from_db()
    assert user.is_suspended
    assert authenticate_token(token) is None
    assert not SessionStore().exists(session.session_key)
    [entry] = [e for e in audit_log() if e["event"] == "account:user:suspend"]
    assert entry["reason"] == "looked up a relative's record"
    assert entry["details"] == {"sessions_ended": 1}

    services.reinstate_user(manager, user.username, reason="investigation closed: no misuse")
    assert authenticate_token(token) is not None


def test_a_reason_is_required_and_nobody_suspends_themselves():
    manager = make_user("management_team")
    user = make_user("practitioner")
    with pytest.raises(AccessError, match="reason"):
        services.suspend_user(manager, user.username, reason="   ")
    with pytest.raises(AccessError, match="your own"):
        services.suspend_user(manager, manager.username, reason="testing")
    with pytest.raises(AccessError, match="500 characters"):
        services.suspend_user(manager, user.username, reason="x" * 501)


def test_a_manager_cannot_suspend_someone_outside_their_authority():
    manager = make_user("management_team")
    stranger = make_user("national_admin")
    with pytest.raises(NotFound):
        services.suspend_user(manager, stranger.username, reason="no")
    stranger.refresh_from_db()
    assert not stranger.is_suspended


def test_resetting_a_second_factor_removes_every_app(audit_log):
    manager = make_user("management_team")
    user = make_user("practitioner")
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    services.reset_second_factor(manager, user.username, reason="phone lost, identity checked")
    assert not TOTPDevice.objects.filter(user=user).exists()
    [entry] = [e for e in audit_log() if e["event"] == "account:second-factor:reset"]
    assert entry["details"]["removed"] == 1


def test_a_management_team_adds_organisations_in_its_authority_only(audit_log):
    manager = make_user("management_team")
    org = services.register_organisation(manager, code="ODS:RR8", name="Leeds Teaching Hospitals",
                                         type=OrganisationType.NHS_TRUST)
    assert org.authority.code == AUTHORITY
    assert [e["event"] for e in audit_log()] == ["account:organisation:create"]
    for kind in (OrganisationType.LOCAL_AUTHORITY, OrganisationType.NATIONAL_PARTNER):
        with pytest.raises(AccessError, match="type"):
            services.register_organisation(manager, code="NEW:1", name="New", type=kind)
    with pytest.raises(AccessError, match="already exists"):
        services.register_organisation(manager, code="URN:107654", name="Renamed",
                                       type=OrganisationType.SCHOOL)


def test_the_national_team_adds_national_partners():
    national = make_user("national_admin")
    org = services.register_organisation(national, code="NP:2", name="A national charity",
                                         type=OrganisationType.NATIONAL_PARTNER)
    assert org.authority is None
    with pytest.raises(AccessError, match="type"):
        services.register_organisation(national, code="URN:3", name="A school",
                                       type=OrganisationType.SCHOOL)


def test_an_unaccredited_or_suspended_manager_manages_nothing():
    manager = make_user("management_team")
    User.objects.filter(pk=manager.pk).update(suspended_at="2026-01-01T00:00:00Z")
    manager.refresh_from_db()
    with pytest.raises(Forbidden):
        services.users_managed_by(manager)


def test_expired_sessions_are_forgotten_at_the_next_sign_in():
    user = make_user("practitioner")
    remember_session(user, "gone-long-ago-0000000000000000")  # no such session any more
    live = SessionStore()
    live.create()
    remember_session(user, live.session_key)
    assert list(SignedInSession.objects.filter(user=user)
                .values_list("session_key", flat=True)) == [live.session_key]


def test_model_validation_is_told_in_the_fields_words():
    manager = make_user("management_team")
    with pytest.raises(AccessError) as raised:
        services.grant_access(manager, username="long.name", org_code="URN:107654",
                              role="practitioner", reason="r", first_name="N" * 300)
    assert str(raised.value) == "first_name: First name must be 150 characters or fewer"
    with pytest.raises(AccessError) as raised:
        services.add_user(username="bad.email", org_code="URN:107654", role="practitioner",
                          email="not an email")
    assert str(raised.value) == ("email: Enter an email address in the correct format, like "
                                 "name@example.org")
    with pytest.raises(AccessError, match=f"^username: A user with the username "
                                          f"{manager.username} already exists: choose "
                                          "another username$"):
        services.add_user(username=manager.username, org_code="URN:107654",
                          role="practitioner")
