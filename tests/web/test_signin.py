"""Signing in through the pages: password, then a second factor; first sign-in sets both up."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import make_user
from contactpoint.access import lockout, services
from contactpoint.access.models import SignedInSession
from contactpoint.web.sessions import LAST_SEEN_KEY
from databases import both_databases
from signing_in import (
    STRONG_PASSWORD,
    fresh_code,
    ready_user,
    secret_of,
    secret_on_page,
    sign_in,
    totp_for,
)

pytestmark = both_databases


def _h1(page) -> str:
    return " ".join("".join(page.find(".//h1").itertext()).split())


def _text(page) -> str:
    return " ".join("".join(page.itertext()).split())


def test_sign_in_page_is_a_good_page(client):
    response = client.get("/sign-in/")
    assert response.status_code == 200
    page = response.page
    assert _h1(page) == "Sign in to ContactPoint"
    assert page.find(".//input[@name='username']").get("autocomplete") == "username"
    assert page.find(".//input[@name='password']").get("type") == "password"


def test_first_sign_in_forces_a_new_password_then_an_authenticator_app(client):
    user = make_user("practitioner")
    _, one_time = services.add_user(username="first.timer", org_code=user.organisation.code,
                                    role="practitioner")

    response = client.post("/sign-in/", {"username": "first.timer", "password": one_time})
    assert response["Location"] == "/sign-in/new-password/"
    # Not yet signed in for any page: both factors are needed.
    assert client.get("/account/")["Location"] == "/sign-in/new-password/"

    page = client.get("/sign-in/new-password/").page
    assert _h1(page) == "Create a new password"
    response = client.post("/sign-in/new-password/",
                           {"new_password": STRONG_PASSWORD, "confirm_password": STRONG_PASSWORD})
    assert response["Location"] == "/sign-in/set-up/app/"

    response = client.get("/sign-in/set-up/app/")
    page = response.page
    assert _h1(page) == "Set up an authenticator app"
    svg = page.find(".//{http://www.w3.org/2000/svg}svg")
    assert svg is not None, "the QR code is drawn as inline SVG"
    assert svg.get("role") == "img"
    secret = secret_on_page(response.content.decode())

    response = client.post("/sign-in/set-up/app/", {"code": totp_for(secret).now()})
    assert response["Location"] == "/account/"
    page = client.get("/account/").page
    assert _h1(page) == "Your account"
    assert "Authenticator app" in _text(page)
    assert TOTPDevice.objects.get(user__username="first.timer").confirmed


def test_the_one_time_password_cannot_be_kept(client):
    user = make_user("practitioner")
    _, one_time = services.add_user(username="keeper", org_code=user.organisation.code,
                                    role="practitioner")
    client.post("/sign-in/", {"username": "keeper", "password": one_time})

    response = client.post("/sign-in/new-password/",
                           {"new_password": one_time, "confirm_password": one_time})
    page = response.page
    assert "different from the one you were given" in _text(page)
    assert page.findtext("./head/title").startswith("Error: ")


@pytest.mark.parametrize("password", ["password1234", "Liverpool2024!", "qwertyuiop123"])
def test_breached_or_common_passwords_are_refused(client, password):
    user = make_user("practitioner")
    _, one_time = services.add_user(username="chooser", org_code=user.organisation.code,
                                    role="practitioner")
    client.post("/sign-in/", {"username": "chooser", "password": one_time})

    response = client.post("/sign-in/new-password/",
                           {"new_password": password, "confirm_password": password})
    assert response.status_code == 200
    page = response.page
    summary = page.find(".//div[@class='govuk-error-summary']")
    assert summary is not None
    assert any(word in _text(summary) for word in ("breach", "common", "guess")), _text(summary)


def test_sign_in_with_a_real_code_reaches_find_a_child(client):
    user, device = ready_user()
    response = sign_in(client, user, device)
    assert response["Location"] == "/children/search/"
    assert client.get("/children/search/").status_code == 200


def test_a_code_cannot_be_used_twice(client):
    user, device = ready_user()
    client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    code = fresh_code(secret_of(device), device)
    assert client.post("/sign-in/second-factor/", {"code": code})["Location"] == (
        "/children/search/")

    other = Client()
    other.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    response = other.post("/sign-in/second-factor/", {"code": code})
    assert response.status_code == 200
    page = response.page
    assert "the code you entered is not correct, or was used already" in _text(page)
    assert other.get("/account/").status_code == 302


def test_a_wrong_password_says_nothing_about_whether_the_username_exists(client):
    user, _ = ready_user()
    known = client.post("/sign-in/", {"username": user.username, "password": "wrong-one-123"})
    unknown = client.post("/sign-in/", {"username": "nobody.here", "password": "wrong-one-123"})

    for response in (known, unknown):
        assert response.status_code == 200
        page = response.page
        assert "Enter a correct username and password" in _text(page)
    assert (_text(known.page).replace(user.username, "X")
            == _text(unknown.page).replace("nobody.here", "X"))


def test_the_session_key_is_renewed_after_the_password_and_after_the_second_factor(client):
    user, device = ready_user()
    client.get("/sign-in/")
    client.session.save()
    planted = client.session.session_key
    client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    after_password = client.session.session_key
    assert after_password != planted

    client.post("/sign-in/second-factor/", {"code": fresh_code(secret_of(device), device)})
    after_code = client.session.session_key
    assert after_code not in (planted, after_password)
    assert SignedInSession.objects.filter(user=user, session_key=after_code).exists()
    assert not SignedInSession.objects.filter(session_key=after_password).exists()


def test_a_page_sends_someone_not_signed_in_to_sign_in_and_back(client):
    user, device = ready_user()
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/account/"
    client.get(response["Location"])
    assert sign_in(client, user, device)["Location"] == "/account/"


def test_next_cannot_send_anyone_to_another_site(client):
    user, device = ready_user()
    client.get("/sign-in/?next=https://evil.example/")
    assert sign_in(client, user, device)["Location"] == "/children/search/"


def test_signed_in_without_the_permission_gets_the_403_page(client):
    user, device = ready_user("practitioner")
    sign_in(client, user, device)
    response = client.get("/manage/users/")
    assert response.status_code == 403
    assert _h1(response.page) == "You do not have permission to see this page"


def test_sign_out_ends_the_session(client):
    user, device = ready_user()
    sign_in(client, user, device)
    response = client.post("/sign-out/")
    assert response["Location"] == "/signed-out/"
    page = client.get("/signed-out/").page
    assert _h1(page) == "You have signed out"
    assert client.get("/account/").status_code == 302
    assert not SignedInSession.objects.filter(user=user).exists()


def test_sign_out_needs_a_post(client):
    assert client.get("/sign-out/").status_code == 405


def test_an_idle_session_ends(client, settings):
    user, device = ready_user()
    sign_in(client, user, device)
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - settings.SESSION_IDLE_SECONDS - 1
    session.save()

    response = client.get("/account/")
    assert response["Location"] == "/signed-out/?reason=idle"
    page = client.get(response["Location"]).page
    assert _h1(page) == "You have been signed out"
    assert "15 minutes" in _text(page)
    assert client.get("/account/")["Location"].startswith("/sign-in/")


def test_a_session_that_was_busy_lately_carries_on(client, settings):
    user, device = ready_user()
    sign_in(client, user, device)
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - settings.SESSION_IDLE_SECONDS + 30
    session.save()
    assert client.get("/account/").status_code == 200


def test_the_idle_timeout_is_the_configured_one(settings):
    assert settings.SESSION_IDLE_SECONDS == settings.CONTACTPOINT.session_idle_minutes * 60 == 900
    assert settings.SESSION_COOKIE_AGE > settings.SESSION_IDLE_SECONDS, (
        "the store must outlive the idle limit, or nobody is told why they were signed out")


def test_suspension_ends_a_session_at_the_next_request(client):
    user, device = ready_user()
    manager, _ = ready_user("management_team")
    sign_in(client, user, device)
    assert client.get("/account/").status_code == 200

    services.suspend_user(manager, user.username, reason="suspected misuse, under investigation")

    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_a_suspended_user_is_stopped_by_the_middleware_even_with_an_unlisted_session(client):
    user, device = ready_user()
    sign_in(client, user, device)
    SignedInSession.objects.all().delete()  # a session the list missed
    type(user).objects.filter(pk=user.pk).update(suspended_at="2026-01-01T00:00:00Z")

    response = client.get("/account/")
    assert response["Location"] == "/signed-out/?reason=suspended"


def test_a_suspended_user_cannot_sign_in(client):
    user, _device = ready_user()
    type(user).objects.filter(pk=user.pk).update(suspended_at="2026-01-01T00:00:00Z")
    response = client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    assert response.status_code == 403
    page = response.page
    assert "suspended" in _text(page)
    assert client.get("/account/").status_code == 302


def test_the_second_factor_page_is_a_good_page(client):
    user, _device = ready_user()
    client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    page = client.get("/sign-in/second-factor/").page
    assert _h1(page) == "Check it is you"
    code = page.find(".//input[@name='code']")
    assert code.get("autocomplete") == "one-time-code"
    assert code.get("inputmode") == "numeric"


def test_someone_with_a_factor_cannot_add_another_before_proving_the_first(client):
    user, _device = ready_user()
    client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    assert client.get("/sign-in/set-up/app/")["Location"] == "/sign-in/second-factor/"
    assert client.get("/sign-in/set-up/security-key/")["Location"] == "/sign-in/second-factor/"


def test_the_security_key_set_up_page_is_a_good_page(client):
    user, device = ready_user()
    sign_in(client, user, device)
    response = client.get("/sign-in/set-up/security-key/")
    page = response.page
    assert _h1(page) == "Set up a security key or passkey"
    config = page.find(".//script[@id='otp_webauthn_config']")
    assert config is not None
    assert config.get("type") == "application/json"


def test_five_wrong_passwords_lock_the_account_without_saying_whether_it_exists(client):
    user, _device = ready_user()
    for username in (user.username, "nobody.here"):
        for _ in range(5):
            client.post("/sign-in/", {"username": username, "password": "wrong-one-123"})
    locked = client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    unknown = client.post("/sign-in/", {"username": "nobody.here", "password": "whatever-123"})

    for response in (locked, unknown):
        assert response.status_code == 429
        page = response.page
        assert "too many attempts" in _text(page)
        assert page.findtext("./head/title").startswith("Error: ")
    assert _text(locked.page) == _text(unknown.page)
    assert client.get("/account/").status_code == 302


def test_wrong_codes_count_towards_the_lock_too(client):
    user, device = ready_user()
    client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    for _ in range(5):
        client.post("/sign-in/second-factor/", {"code": "000000"})
    response = client.post("/sign-in/second-factor/",
                           {"code": fresh_code(secret_of(device), device)})
    assert response.status_code == 429
    assert "too many attempts" in _text(response.page)
    assert client.get("/account/")["Location"] == "/sign-in/second-factor/"


def test_a_code_that_is_not_six_digits_gets_an_error_message(client):
    user, _device = ready_user()
    client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    response = client.post("/sign-in/second-factor/", {"code": "12ab"})
    page = response.page
    error = page.find(".//p[@id='id_code-error']")
    assert error is not None
    assert "6-digit code" in _text(error)
    assert page.find(".//input[@name='code']").get("aria-describedby").split() == [
        "id_code-hint", "id_code-error"]


@pytest.mark.parametrize(("reason", "heading"), [
    (None, "You have signed out"), ("idle", "You have been signed out"),
    ("suspended", "You have been signed out"), ("<script>", "You have signed out")])
def test_the_signed_out_page_says_why(client, reason, heading):
    response = client.get("/signed-out/" + (f"?reason={reason}" if reason else ""))
    assert _h1(response.page) == heading


def test_the_right_code_straight_after_a_wrong_one_is_accepted(client):
    user, device = ready_user()
    client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    wrong = client.post("/sign-in/second-factor/", {"code": "000000"})
    assert "not correct" in _text(wrong.page)
    device.refresh_from_db()
    response = client.post("/sign-in/second-factor/",
                           {"code": fresh_code(secret_of(device), device)})
    assert response.status_code == 302
    assert response["Location"] == "/children/search/"


def _warning(response) -> str | None:
    found = response.page.find(".//div[@id='last-try-warning']")
    return None if found is None else _text(found)


def test_the_code_step_warns_on_the_try_before_the_last(client):
    user, device = ready_user()
    client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    warnings = [_warning(client.post("/sign-in/second-factor/", {"code": "000000"}))
                for _ in range(5)]
    assert warnings[:3] == [None, None, None]
    assert warnings[3] == ("! Warning You have 1 more try before sign-in is locked "
                           "for 15 minutes.")
    assert warnings[4] is None
    response = client.post("/sign-in/second-factor/",
                           {"code": fresh_code(secret_of(device), device)})
    assert response.status_code == 429


def test_the_password_step_warns_the_same_whether_the_username_exists(client):
    user, _device = ready_user()
    answers = {}
    for username in (user.username, "nobody.here"):
        for _ in range(3):
            client.post("/sign-in/", {"username": username, "password": "wrong-one-123"})
        answers[username] = client.post("/sign-in/",
                                        {"username": username, "password": "wrong-one-123"})
    assert _warning(answers[user.username]) == _warning(answers["nobody.here"])
    assert "1 more try" in _warning(answers["nobody.here"])


def test_a_right_password_does_not_use_up_a_try(client):
    user, _device = ready_user()
    for _ in range(4):
        client.post("/sign-in/", {"username": user.username, "password": "wrong-one-123"})
    for _ in range(3):
        response = Client().post("/sign-in/",
                                 {"username": user.username, "password": STRONG_PASSWORD})
        assert response["Location"] == "/sign-in/second-factor/"
    assert lockout.failures(user.username) == 4
