"""A person's API token in a real browser (Playwright driving Debian's Chromium): signed
in with both factors, they create a token for their case-management system, use it on
the API, and revoke it; the API refuses it at once. The test fails on any script the
Content Security Policy blocked.
"""

from __future__ import annotations

import pytest

from databases import ALL_DATABASES
from signing_in import ready_user, sign_in_browser

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=ALL_DATABASES),
    pytest.mark.usefixtures("system_keys_back"),
]


def _h1(page) -> str:
    return " ".join(page.locator("h1").inner_text().split())


def _api_status(page, base: str, token: str) -> int:
    """What the API answers a system that sends `token` (Playwright's own HTTP client)."""
    return page.request.get(
        f"{base}/api/v1/children?family_name=Smith&date_of_birth=2015-03-02",
        headers={"Authorization": f"Bearer {token}"}).status


def test_a_person_creates_uses_and_revokes_their_own_token(live_server, chromium):
    page = chromium.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    user, device = ready_user("practitioner")
    sign_in_browser(page, live_server.url, user, device)

    page.get_by_role("link", name="Your account").click()
    page.get_by_role("button", name="Create an API token").click()
    assert _h1(page) == "Create an API token"
    page.get_by_role("button", name="Create token").click()
    assert "Enter what the token is for" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("What is it for?", exact=True).fill("Mosaic case management")
    page.get_by_role("button", name="Create token").click()
    assert _h1(page) == "Your new API token"
    token = page.locator("#api-token").inner_text().strip()
    assert _api_status(page, live_server.url, token) == 200

    page.get_by_role("link", name="Back to your account").click()
    assert "Mosaic case management" in page.locator("table").last.inner_text()
    assert token not in page.content()
    page.get_by_role("link", name="Revoke Mosaic case management").click()
    page.get_by_role("button", name="Revoke token").click()
    assert "is revoked" in page.locator(".govuk-notification-banner").inner_text()
    assert _api_status(page, live_server.url, token) == 401
    assert blocked == [], f"the Content Security Policy blocked: {blocked}"
