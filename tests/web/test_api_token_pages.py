"""API tokens in Your account, and on the management team's page for a person."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts import bearer
from contactpoint.access import services
from contactpoint.access.models import ApiToken, OrganisationType
from contactpoint.access.tokens import authenticate_token, create_own_token, create_token
from databases import both_databases
from signing_in import STRONG_PASSWORD, ready_user, verified_client

pytestmark = both_databases
SEARCH = "/api/v1/children?family_name=Smith&date_of_birth=2015-03-02"


def _h1(page) -> str:
    return " ".join("".join(page.find(".//h1").itertext()).split())


def _text(page) -> str:
    return " ".join("".join(page.itertext()).split())



@pytest.fixture
def person():
    user, device = ready_user("practitioner")
    return user, verified_client(user, device)


def _far_away_manager():
    """A management team member of another authority, signed in."""
    services.add_organisation(code="E08000036", name="Wakefield",
                              type=OrganisationType.LOCAL_AUTHORITY)
    user, _ = services.add_user(username="wakefield.team", org_code="E08000036",
                                role="management_team")
    user.set_password(STRONG_PASSWORD)
    user.must_change_password = False
    user.save()
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return verified_client(user, device)


# -- Your account ------------------------------------------------------------------------------

def test_a_person_creates_a_token_shown_once_and_it_works(person, audit_log):
    user, client = person
    page = client.get("/account/").page
    assert "No API tokens" in _text(page)
    create = page.find(".//a[@href='/account/api-tokens/new/']")
    assert create is not None

    page = client.get("/account/api-tokens/new/").page
    assert _h1(page) == "Create an API token"
    page = client.post("/account/api-tokens/new/", {"name": ""}).page
    assert page.findtext("./head/title").startswith("Error: ")
    assert "Enter what the token is for" in _text(
        page.find(".//div[@class='govuk-error-summary']"))
    assert not ApiToken.objects.exists()

    page = client.post("/account/api-tokens/new/",
                       {"name": "Mosaic case management"}).page
    assert _h1(page) == "Your new API token"
    token = page.find(".//p[@id='api-token']").text.strip()
    assert client.get(SEARCH, headers=bearer(token)).status_code == 200
    assert authenticate_token(token).user == user

    listing = client.get("/account/").content.decode()
    assert "Mosaic case management" in listing
    assert token not in listing  # shown once, never again
    assert token.rpartition("_")[2] not in json.dumps(audit_log())
    (entry,) = [e for e in audit_log() if e["event"] == "account:token:create"]
    assert (entry["actor"], entry["subject"]) == (user.username, user.username)


def test_the_list_shows_only_the_persons_own_tokens(person):
    user, client = person
    create_own_token(user, name="Mine in Mosaic")
    colleague, _ = ready_user("practitioner")
    create_own_token(colleague, name="A colleague's Liquidlogic")
    create_token(user=user.username, by="ops.alex", name="From the operator")
    page = client.get("/account/").page
    table = _text(page.find(".//table[caption='Your API tokens']"))
    assert "Mine in Mosaic" in table
    assert "From the operator" in table
    assert "issued by operator ops.alex" in table
    assert "Liquidlogic" not in _text(page)
    assert table.count("Active") == 2


def test_creating_a_token_needs_both_factors():
    user, _device = ready_user("practitioner")
    half = Client()
    response = half.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    assert response["Location"] == "/sign-in/second-factor/"
    for response in (half.get("/account/api-tokens/new/"),
                     half.post("/account/api-tokens/new/", {"name": "Mosaic"})):
        assert response.status_code == 302
        assert response["Location"] == "/sign-in/second-factor/"
    assert Client().post("/account/api-tokens/new/", {"name": "Mosaic"})[
        "Location"].startswith("/sign-in/")
    assert not ApiToken.objects.exists()


def test_creating_or_revoking_without_the_forms_csrf_token_is_refused(person):
    user, _ = person
    token, stored = create_own_token(user, name="Mosaic")
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = person[1].cookies
    assert strict.post("/account/api-tokens/new/", {"name": "Forged"}).status_code == 403
    assert strict.post(f"/account/api-tokens/{stored.prefix}/revoke/").status_code == 403
    assert ApiToken.objects.count() == 1
    assert authenticate_token(token) is not None


def test_revoking_a_token_stops_it_at_once(person, audit_log):
    user, client = person
    token, stored = create_own_token(user, name="Mosaic")
    assert client.get(SEARCH, headers=bearer(token)).status_code == 200
    page = client.get("/account/").page
    url = f"/account/api-tokens/{stored.prefix}/revoke/"
    assert page.find(f".//a[@href='{url}']") is not None

    page = client.get(url).page
    assert _h1(page) == "Revoke the API token Mosaic"
    response = client.post(url)
    assert response["Location"] == "/account/#api-tokens"
    refused = client.get(SEARCH, headers=bearer(token))
    assert refused.status_code == 401
    page = client.get("/account/").page
    assert "The API token “Mosaic” is revoked" in _text(page)
    assert "Revoked" in _text(page.find(".//table[caption='Your API tokens']"))
    assert page.find(f".//a[@href='{url}']") is None
    revoked, tried = audit_log()[-2:]
    assert revoked["event"] == "account:token:revoke"
    # Its use afterwards is refused, and that is kept too: by route, nobody named (the
    # token no longer stands for anyone; the browser's session is not the API's caller).
    assert (tried["event"], tried["actor"]) == ("request:refused", None)
    assert tried["details"] == {"method": "GET", "route": "api/v1/children", "status": 401}


def test_nobody_revokes_someone_elses_token_from_their_account(person):
    _user, client = person
    colleague, _ = ready_user("practitioner")
    token, stored = create_own_token(colleague, name="Theirs")
    url = f"/account/api-tokens/{stored.prefix}/revoke/"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert authenticate_token(token) is not None


# -- the management team ------------------------------------------------------------------------

def test_the_team_sees_and_revokes_its_users_tokens_with_a_reason(audit_log):
    manager, device = ready_user("management_team")
    client = verified_client(manager, device)
    colleague, _ = ready_user("practitioner")
    token, stored = create_own_token(colleague, name="Mosaic")
    page = client.get(f"/manage/users/{colleague.username}/").page
    table = _text(page.find(".//table[caption='Their API tokens']"))
    assert "Mosaic" in table
    assert "Active" in table
    url = f"/manage/users/{colleague.username}/api-tokens/{stored.prefix}/revoke/"
    assert page.find(f".//a[@href='{url}']") is not None

    page = client.get(url).page
    assert _h1(page).startswith("Revoke ")
    page = client.post(url, {"reason": ""}).page
    assert "Enter the reason" in _text(page)
    assert authenticate_token(token) is not None

    page = client.post(url, {"reason": "left the school"}).page
    assert "is revoked" in _h1(page)
    assert authenticate_token(token) is None
    entry = audit_log()[-1]
    assert (entry["event"], entry["actor"], entry["subject"], entry["reason"]) == (
        "account:token:revoke", manager.username, colleague.username, "left the school")


def test_another_authoritys_team_neither_sees_nor_revokes_the_tokens():
    colleague, _ = ready_user("practitioner")
    token, stored = create_own_token(colleague, name="Mosaic")
    client = _far_away_manager()
    assert client.get(f"/manage/users/{colleague.username}/").status_code == 404
    url = f"/manage/users/{colleague.username}/api-tokens/{stored.prefix}/revoke/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "curious"}).status_code == 404
    assert authenticate_token(token) is not None


def test_a_token_is_revoked_only_through_its_holders_page():
    manager, device = ready_user("management_team")
    client = verified_client(manager, device)
    colleague, _ = ready_user("practitioner")
    other, _ = ready_user("practitioner")
    token, stored = create_own_token(other, name="Mosaic")
    url = f"/manage/users/{colleague.username}/api-tokens/{stored.prefix}/revoke/"
    assert client.post(url, {"reason": "wrong person"}).status_code == 404
    assert authenticate_token(token) is not None


def test_the_national_team_revokes_anyones_token():
    national, device = ready_user("national_admin")
    client = verified_client(national, device)
    colleague, _ = ready_user("practitioner")
    token, stored = create_own_token(colleague, name="Mosaic")
    url = f"/manage/users/{colleague.username}/api-tokens/{stored.prefix}/revoke/"
    assert client.post(url, {"reason": "reported lost"}).status_code == 200
    assert authenticate_token(token) is None
