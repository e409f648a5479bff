"""A person's journey in a real browser: Playwright driving Debian's Chromium.

First sign-in with a one-time password (as a management team hands it over), a new
password, an authenticator app set up from the page's own text key, sign out, and sign
in again with the next code. The browser reports any script the Content Security
Policy blocked: the test fails on one.
"""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts import make_user
from contactpoint.access import services
from databases import ALL_DATABASES
from signing_in import STRONG_PASSWORD, fresh_code, ready_user, secret_of, totp_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=ALL_DATABASES),
    pytest.mark.usefixtures("system_keys_back"),
]


@pytest.fixture
def browser_page(chromium):
    page = chromium.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    return page, blocked


def _h1(page) -> str:
    return " ".join(page.locator("h1").inner_text().split())


def test_first_sign_in_sets_up_an_app_then_signs_in_again_with_a_code(live_server, browser_page):
    page, blocked = browser_page
    school_user = make_user("practitioner")
    user, one_time = services.add_user(username="new.starter",
                                       org_code=school_user.organisation.code,
                                       role="practitioner")

    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Sign in").click()
    assert _h1(page) == "Sign in to ContactPoint"
    page.get_by_label("Username", exact=True).fill("new.starter")
    page.get_by_label("Password", exact=True).fill(one_time)
    page.get_by_role("button", name="Continue").click()

    assert _h1(page) == "Create a new password"
    page.get_by_label("New password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_label("Enter the new password again", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Continue").click()

    assert _h1(page) == "Set up an authenticator app"
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from your authenticator app", exact=True).fill(totp_for(secret).now())
    page.get_by_role("button", name="Continue").click()

    assert _h1(page) == "Find a child"  # a practitioner's home page
    page.get_by_role("link", name="Your account").click()
    assert _h1(page) == "Your account"
    assert "Authenticator app" in page.locator("main").inner_text()
    page.get_by_role("button", name="Sign out").click()
    assert _h1(page) == "You have signed out"

    page.get_by_role("link", name="Sign in again").click()
    page.get_by_label("Username", exact=True).fill("new.starter")
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    assert _h1(page) == "Check it is you"
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    code = fresh_code(secret, device)
    page.get_by_label("Code from your authenticator app", exact=True).fill(code)
    page.get_by_role("button", name="Continue").click()

    assert _h1(page) == "Find a child"
    assert blocked == [], f"the Content Security Policy blocked: {blocked}"


def test_a_security_key_is_added_then_used_as_the_second_factor(live_server, browser_page,
                                                                 settings):
    """A passkey on Chromium's virtual authenticator (DevTools WebAuthn domain)."""
    page, blocked = browser_page
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]  # the live server's own port
    user, device = ready_user()
    secret = secret_of(device)
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})

    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username", exact=True).fill(user.username)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app", exact=True).fill(
        fresh_code(secret, device))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Add a security key or passkey").click()
    assert _h1(page) == "Set up a security key or passkey"
    page.get_by_role("button", name="Set up security key").click()
    page.wait_for_url(f"{live_server.url}/account/")
    assert WebAuthnCredential.objects.filter(user=user, confirmed=True).count() == 1

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username", exact=True).fill(user.username)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    assert _h1(page) == "Check it is you"
    page.get_by_role("button", name="Use security key").click()
    page.wait_for_url(f"{live_server.url}/children/search/")  # a practitioner's home page
    assert _h1(page) == "Find a child"
    assert blocked == [], f"the Content Security Policy blocked: {blocked}"
