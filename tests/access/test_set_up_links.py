"""Set-up links: a management team gets a locked-out person back in, once, for a while."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import make_user
from contactpoint.access import services, set_up_links
from contactpoint.access.models import OrganisationType, SetUpLink, SignedInSession
from contactpoint.access.services import AccessError
from contactpoint.access.sessions import remember_session
from contactpoint.access.tokens import authenticate_token, create_token
from contactpoint.errors import Forbidden, NotFound
from databases import both_databases
from signing_in import STRONG_PASSWORD

pytestmark = both_databases
NEW_PASSWORD = "lantern-meadow-copper-91"



@pytest.fixture
def locked_out():
    """A practitioner with a password, an app and a session, who has forgotten it all."""
    user = make_user("practitioner")
    user.set_password(STRONG_PASSWORD)
    user.must_change_password = False
    user.save()
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    session = SessionStore()
    session.create()
    remember_session(user, session.session_key)
    return user


def test_a_team_member_issues_a_link_and_the_old_credentials_stop_at_once(locked_out,
                                                                          audit_log):
    manager = make_user("management_team")
    token = create_token(user=locked_out.username)
    assert authenticate_token(token) is not None
    secret, expires = set_up_links.issue(manager, locked_out.username,
                                         reason="forgot password; identity checked in person")
    assert authenticate_token(token) is None  # a system acting for them stops too
    locked_out.refresh_from_db()
    assert not locked_out.has_usable_password()
    assert not locked_out.check_password(STRONG_PASSWORD)
    assert not TOTPDevice.objects.filter(user=locked_out).exists()
    assert not SignedInSession.objects.filter(user=locked_out).exists()
    link = SetUpLink.objects.get()
    assert link.secret_hash == hashlib.sha256(secret.encode()).hexdigest()  # only its hash
    assert secret not in link.secret_hash
    assert expires == link.expires_at
    assert expires - timezone.now() <= set_up_links.LINK_LIFETIME
    (entry,) = [e for e in audit_log() if e["event"] == "account:set-up-link:issue"]
    assert (entry["actor"], entry["subject"]) == (manager.username, locked_out.username)
    assert entry["reason"] == "forgot password; identity checked in person"
    assert entry["details"]["tokens_revoked"] == 1
    assert secret not in json.dumps(audit_log())


def test_the_link_sets_a_new_password_once_and_every_step_is_audited(locked_out, audit_log):
    manager = make_user("management_team")
    secret, _ = set_up_links.issue(manager, locked_out.username, reason="locked out")
    link = set_up_links.usable_link(secret)
    assert link is not None
    assert link.user == locked_out
    set_up_links.opened(link)
    with pytest.raises(ValidationError):  # the same rules as any new password
        set_up_links.set_password(link.pk, "password123")
    assert set_up_links.usable_link(secret) is not None  # a refused password uses nothing
    user = set_up_links.set_password(link.pk, NEW_PASSWORD)
    assert user.check_password(NEW_PASSWORD)
    assert not user.must_change_password
    assert set_up_links.usable_link(secret) is None
    with pytest.raises(AccessError, match="expired or has already been used"):
        set_up_links.set_password(link.pk, "another-long-passphrase-44")
    events = [e["event"] for e in audit_log()]
    assert events[:4] == ["account:set-up-link:issue", "account:set-up-link:open",
                          "account:password:reset", "account:set-up-link:refused"]
    reset = audit_log()[2]
    assert (reset["actor"], reset["details"]["issued_by"]) == (user.username,
                                                              manager.username)


def test_a_link_expires_and_a_newer_one_replaces_it(locked_out):
    manager = make_user("management_team")
    first, _ = set_up_links.issue(manager, locked_out.username, reason="locked out")
    second, _ = set_up_links.issue(manager, locked_out.username, reason="lost the first")
    assert set_up_links.usable_link(first) is None
    assert set_up_links.usable_link(second) is not None
    SetUpLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert set_up_links.usable_link(second) is None
    assert set_up_links.usable_link("") is None
    assert set_up_links.usable_link("x" * 500) is None
    assert set_up_links.usable_link(second[:-1]) is None


def test_only_the_persons_own_team_issues_one_and_never_for_themselves(locked_out):
    manager = make_user("management_team")
    services.add_organisation(code="E08000036", name="Wakefield",
                              type=OrganisationType.LOCAL_AUTHORITY)
    far_team, _ = services.add_user(username="wakefield.team", org_code="E08000036",
                                    role="management_team")
    with pytest.raises(NotFound):
        set_up_links.issue(far_team, locked_out.username, reason="asked by phone")
    with pytest.raises(Forbidden):
        set_up_links.issue(make_user("practitioner"), locked_out.username, reason="x")
    with pytest.raises(AccessError, match="reason"):
        set_up_links.issue(manager, locked_out.username, reason=" ")
    with pytest.raises(AccessError, match="another member of your team"):
        set_up_links.issue(manager, manager.username, reason="forgot it")
    services.suspend_user(manager, locked_out.username, reason="investigation")
    with pytest.raises(AccessError, match="reinstate it first"):
        set_up_links.issue(manager, locked_out.username, reason="locked out")
    assert not SetUpLink.objects.exists()
    national = make_user("national_admin")
    services.reinstate_user(manager, locked_out.username, reason="cleared")
    assert set_up_links.issue(national, locked_out.username, reason="locked out")[0]
