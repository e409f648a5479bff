"""The management team's pages: users, adding one, suspending, resetting, organisations."""

from __future__ import annotations

import re

import pytest
from test_url_permissions import verified_client

from contactpoint.access.models import Organisation, User
from databases import both_databases
from signing_in import ready_user

pytestmark = both_databases


def _h1(page) -> str:
    return " ".join("".join(page.find(".//h1").itertext()).split())


def _text(page) -> str:
    return " ".join("".join(page.itertext()).split())


@pytest.fixture
def manager_client():
    manager, device = ready_user("management_team")
    return manager, verified_client(manager, device)


def test_the_users_page_lists_the_authoritys_users(manager_client):
    manager, client = manager_client
    colleague, _ = ready_user("practitioner")
    page = client.get("/manage/users/").page
    assert _h1(page) == "Users"
    assert colleague.username in _text(page)
    assert manager.username in _text(page)
    nav = page.find(".//nav[@aria-label='Menu']")
    assert "Organisations" in _text(nav)


def test_adding_a_user_shows_their_one_time_password_once(manager_client):
    _manager, client = manager_client
    page = client.get("/manage/add-user/").page
    assert _h1(page) == "Add a user"

    response = client.post("/manage/add-user/", {
        "first_name": "Nia", "last_name": "Evans", "email": "nia@example.org",
        "username": "nia.evans", "organisation": "URN:107654", "role": "practitioner",
        "reason": "New designated safeguarding lead"})
    page = response.page
    assert _h1(page) == "Nia Evans has been added"
    password = page.find(".//p[@id='one-time-password']").text.strip()
    user = User.objects.get(username="nia.evans")
    assert user.check_password(password)
    assert user.must_change_password
    assert password not in client.get("/manage/users/nia.evans/").content.decode()


def test_adding_a_user_with_mistakes_shows_an_error_summary(manager_client):
    _manager, client = manager_client
    response = client.post("/manage/add-user/", {"username": "x", "email": "not-an-email",
                                                 "role": "national_admin"})
    assert response.status_code == 200
    page = response.page
    assert page.findtext("./head/title").startswith("Error: ")
    summary = _text(page.find(".//div[@class='govuk-error-summary']"))
    for message in ("Enter their first name", "Enter an email address in the correct format",
                    "Select their organisation", "Select what they will do",
                    "Enter why they need access"):
        assert message in summary
    assert not User.objects.filter(username="x").exists()


def _add_user(client, **overrides):  # type: ignore[no-untyped-def]
    return client.post("/manage/add-user/", {
        "first_name": "Nia", "last_name": "Evans", "email": "nia@example.org",
        "username": "nia.evans", "organisation": "URN:107654", "role": "practitioner",
        "reason": "New designated safeguarding lead", **overrides})


def test_adding_a_user_lists_like_named_organisations_apart_and_audits_the_reason(
        manager_client, audit_log):
    from contactpoint.access import services  # noqa: PLC0415

    for code in ("URN:100001", "URN:100002"):
        services.add_organisation(code=code, name="St Mary's Catholic Primary School",
                                  type="school", authority="E08000035")
    _manager, client = manager_client
    page = client.get("/manage/add-user/").page
    options = [" ".join(o.text.split()) for o in page.iter("option") if o.get("value")]
    assert "St Mary's Catholic Primary School (URN:100001)" in options
    assert "St Mary's Catholic Primary School (URN:100002)" in options
    assert len(set(options)) == len(options), "every organisation is told apart"

    page = _add_user(client, organisation="URN:100002").page
    assert _h1(page) == "Nia Evans has been added"
    assert User.objects.get(username="nia.evans").organisation.code == "URN:100002"
    [entry] = [e for e in audit_log() if e["event"] == "account:user:create"]
    assert entry["reason"] == "New designated safeguarding lead"
    assert entry["subject"] == "nia.evans"


def test_adding_a_user_refuses_a_management_team_role_at_a_school_and_a_taken_username(
        manager_client):
    manager, client = manager_client
    page = _add_user(client, role="management_team").page
    summary = _text(page.find(".//div[@class='govuk-error-summary']"))
    assert ("The local management team role is for staff of a local authority, and Park "
            "Primary School is a school" in summary)
    assert page.find(".//div[@class='govuk-error-summary']//a").get("href") == "#id_role_0"
    assert not User.objects.filter(username="nia.evans").exists()

    page = _add_user(client, username=manager.username).page
    summary = _text(page.find(".//div[@class='govuk-error-summary']"))
    assert (f"A user with the username {manager.username} already exists: choose another "
            "username") in summary

    page = _add_user(client, first_name="N" * 300).page
    summary = _text(page.find(".//div[@class='govuk-error-summary']"))
    assert "First name must be 150 characters or fewer" in summary
    assert "Ensure this value" not in _text(page)


def test_suspending_a_user_asks_for_a_reason_then_suspends(manager_client):
    _manager, client = manager_client
    colleague, _ = ready_user("practitioner")
    page = client.get(f"/manage/users/{colleague.username}/").page
    assert "Suspend account" in _text(page)

    url = f"/manage/users/{colleague.username}/suspend/"
    page = client.get(url).page
    assert _h1(page).startswith("Suspend ")
    page = client.post(url, {"reason": ""}).page
    assert "Enter the reason" in _text(page)
    colleague.refresh_from_db()
    assert not colleague.is_suspended

    page = client.post(url, {"reason": "looked up a neighbour's child"}).page
    assert "is suspended" in _h1(page)
    colleague.refresh_from_db()
    assert colleague.is_suspended
    page = client.get(f"/manage/users/{colleague.username}/").page
    assert "Reinstate account" in _text(page)

    page = client.post(f"/manage/users/{colleague.username}/reinstate/",
                       {"reason": "investigation closed"}).page
    colleague.refresh_from_db()
    assert not colleague.is_suspended


def test_resetting_a_second_factor_through_the_pages(manager_client):
    _manager, client = manager_client
    colleague, _device = ready_user("practitioner")
    url = f"/manage/users/{colleague.username}/reset-second-factor/"
    assert client.get(url).status_code == 200
    page = client.post(url, {"reason": "phone lost; identity checked by phone"}).page
    assert "second factor is reset" in _h1(page)
    assert not colleague.totpdevice_set.exists()


def test_a_set_up_link_gets_a_locked_out_person_back_in(manager_client):
    """The team member is shown the link once; the person opens it, chooses a new password
    and must set up a second factor again; the link then does not work."""
    from django.test import Client  # noqa: PLC0415

    from signing_in import STRONG_PASSWORD  # noqa: PLC0415

    _manager, client = manager_client
    colleague, _device = ready_user("practitioner")
    page = client.get(f"/manage/users/{colleague.username}/").page
    url = f"/manage/users/{colleague.username}/reset-password/"
    assert page.find(f".//a[@href='{url}']") is not None
    assert _h1(client.get(url).page).startswith("Give ")
    page = client.post(url, {"reason": ""}).page
    assert "reason" in _text(page.find(".//div[@class='govuk-error-summary']")).lower()
    page = client.post(url, {"reason": "forgot password; seen in person"}).page
    assert _h1(page).startswith("A set-up link for")
    link = page.find(".//p[@id='set-up-link']").text.strip()
    path = link.removeprefix("http://testserver")
    assert path.startswith("/sign-in/set-up/link/")
    assert link not in client.get(f"/manage/users/{colleague.username}/").content.decode()

    person = Client()
    assert person.post("/sign-in/", {"username": colleague.username,
                                     "password": STRONG_PASSWORD}).status_code == 200
    opened = person.get(path)
    assert opened["Location"] == "/sign-in/set-up/password/"  # the secret leaves the URL
    page = person.get(opened["Location"]).page
    assert _h1(page) == "Choose a new password"
    page = person.post(opened["Location"], {
        "new_password": "password1234", "confirm_password": "password1234"}).page
    assert page.find(".//div[@class='govuk-error-summary']") is not None
    response = person.post(opened["Location"], {"new_password": "lantern-meadow-copper-91",
                                                "confirm_password": "lantern-meadow-copper-91"})
    assert response["Location"] == "/sign-in/set-up/app/"  # a second factor, again
    assert person.get("/children/search/")["Location"] == "/sign-in/set-up/app/"
    assert person.get("/sign-in/set-up/app/").status_code == 200

    again = Client().get(path)
    assert again.status_code == 404
    assert _h1(again.page) == "This link does not work"
    assert Client().get("/sign-in/set-up/password/").status_code == 404


def test_an_unknown_action_is_not_found(manager_client):
    manager, client = manager_client
    assert client.get(f"/manage/users/{manager.username}/delete/").status_code == 404


def test_the_organisations_pages(manager_client):
    _manager, client = manager_client
    page = client.get("/manage/organisations/").page
    assert _h1(page) == "Organisations"
    assert "Park Primary School" in _text(page)

    page = client.get("/manage/add-organisation/").page
    assert _h1(page) == "Add an organisation"
    radios = [el.get("value") for el in page.iter("input") if el.get("name") == "type"]
    assert "school" in radios
    assert "local_authority" not in radios
    assert "national_partner" not in radios

    response = client.post("/manage/add-organisation/", {
        "name": "Leeds Teaching Hospitals", "code": "ODS:RR8", "type": "nhs_trust"})
    assert response["Location"] == "/manage/organisations/?added=1"
    page = client.get(response["Location"]).page
    assert "The organisation has been added" in _text(page)
    assert Organisation.objects.get(code="ODS:RR8").authority.code == "E08000035"

    response = client.post("/manage/add-organisation/", {
        "name": "Duplicate", "code": "ODS:RR8", "type": "nhs_trust"})
    page = response.page
    assert "already exists" in _text(page)
    page = client.post("/manage/add-organisation/", {
        "name": "Odd", "code": "<bad code>", "type": "nhs_trust"}).page
    assert "Enter an organisation code of letters, digits and" in _text(page)


def test_the_account_page_lists_second_factors_and_has_a_sign_out_button():
    user, device = ready_user("auditor")
    client = verified_client(user, device)
    page = client.get("/account/").page
    assert _h1(page) == "Your account"
    assert "Authenticator app" in _text(page)
    sign_out = page.find(".//form[@action='/sign-out/']")
    assert sign_out is not None
    assert sign_out.get("method") == "post"
    nav = _text(page.find(".//nav[@aria-label='Menu']"))
    assert "Users" not in nav, "an auditor manages nobody"
    assert re.search(r"Auditor", _text(page))


@pytest.mark.parametrize("role", ["management_team", "national_admin"])
def test_every_management_page_is_a_good_page_for_each_managing_role(role):
    user, device = ready_user(role)
    ready_user("practitioner")
    client = verified_client(user, device)
    for url in ("/account/", "/manage/users/", "/manage/add-user/", "/manage/organisations/",
                "/manage/add-organisation/", f"/manage/users/{user.username}/",
                f"/manage/users/{user.username}/reset-second-factor/"):
        response = client.get(url)
        assert response.status_code == 200, url  # and the page checked, by the client


def test_the_national_team_adds_national_partner_staff_only():
    user, device = ready_user("national_admin")
    client = verified_client(user, device)
    page = client.get("/manage/add-user/").page
    organisations = [o.get("value") for o in page.iter("option") if o.get("value")]
    assert organisations == ["NP:1"]
    roles = [el.get("value") for el in page.iter("input") if el.get("name") == "role"]
    assert "management_team" not in roles
    assert "national_admin" in roles
