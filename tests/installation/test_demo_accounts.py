"""The demo's printed sign-in details are enough to sign in, second factor included."""

from __future__ import annotations

import pytest

from contactpoint.access import services
from contactpoint.access.models import OrganisationType, User
from contactpoint.installation import demo
from databases import both_databases
from signing_in import totp_for

pytestmark = both_databases


@pytest.fixture
def accounts(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "_accounts_file", lambda: tmp_path / "demo-accounts.json")
    authority, _ = services.add_organisation(code="E08000035", name="Leeds",
                                             type=OrganisationType.LOCAL_AUTHORITY)
    services.add_organisation(code="URN:107654", name="Park Primary School",
                              type=OrganisationType.SCHOOL, authority="E08000035")
    return demo._accounts(authority), tmp_path / "demo-accounts.json"


def test_a_ready_demo_account_signs_in_with_the_printed_password_and_key(client, accounts):
    saved, _ = accounts
    account = saved["demo-practitioner"]
    response = client.post("/sign-in/", {"username": "demo-practitioner",
                                         "password": account["password"]})
    assert response["Location"] == "/sign-in/second-factor/"
    response = client.post("/sign-in/second-factor/",
                           {"code": totp_for(account["totp_key"]).now()})
    assert response["Location"] == "/children/search/"


def test_demo_codes_prints_what_the_app_would_show(accounts):
    saved, _ = accounts
    lines = dict(line.split() for line in demo.demo_codes())
    assert lines["demo-manager"] == totp_for(saved["demo-manager"]["totp_key"]).now()
    assert demo.NEW_STARTER not in lines


def test_the_new_starter_goes_through_the_real_first_sign_in(client, accounts):
    saved, _ = accounts
    response = client.post("/sign-in/", {"username": demo.NEW_STARTER,
                                         "password": saved[demo.NEW_STARTER]["password"]})
    assert response["Location"] == "/sign-in/new-password/"


def test_running_the_demo_again_keeps_the_accounts(accounts):
    saved, path = accounts
    authority = services.add_organisation(code="E08000035", name="Leeds",
                                          type=OrganisationType.LOCAL_AUTHORITY)[0]
    assert demo._accounts(authority) == saved
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert User.objects.filter(username__startswith="demo-").count() == 5


def test_a_second_run_tells_the_truth_about_the_new_starters_password(accounts):
    saved, _ = accounts
    starter = saved[demo.NEW_STARTER]
    lines = "\n".join(demo._account_lines(demo.NEW_STARTER, starter))
    assert f"one-time password {starter['password']}" in lines
    # They sign in and choose their own password: the old one is not printed as if it worked.
    user = User.objects.get(username=demo.NEW_STARTER)
    user.set_password("a new password of their own choosing")
    user.must_change_password = False
    user.save()
    authority = services.add_organisation(code="E08000035", name="Leeds",
                                          type=OrganisationType.LOCAL_AUTHORITY)[0]
    again = demo._accounts(authority)
    lines = "\n".join(demo._account_lines(demo.NEW_STARTER, again[demo.NEW_STARTER]))
    assert starter["password"] not in lines
    assert "has signed in already: their one-time password no longer works" in lines
    assert "give them a set-up link" in lines
    ready = "\n".join(demo._account_lines("demo-manager", again["demo-manager"]))
    assert again["demo-manager"]["password"] in ready
