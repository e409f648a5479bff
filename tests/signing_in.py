"""Signing a test client in the way a person does: password, then a real TOTP code.

Codes are computed with pyotp, as an authenticator app computes them, from the secret
the set-up page shows (or the device's key). django-otp refuses a code from a time step
already used, so `fresh_code` moves to the next step when this one has been spent.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pyotp
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import make_user
from contactpoint.access import second_factors

if TYPE_CHECKING:
    from playwright.sync_api import Page

STRONG_PASSWORD = "violet-harbour-kettle-57"


def totp_for(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret.replace(" ", ""))


def fresh_code(secret: str, device: TOTPDevice | None = None) -> str:
    """A code the device will accept now: the current step's, or the next one's if used."""
    now_step = int(time.time()) // 30
    step = now_step if device is None else max(now_step, device.last_t + 1)
    assert step <= now_step + 1, "no unused code within the tolerance; wait 30 seconds"
    return totp_for(secret).at(step * 30)


def secret_of(device: TOTPDevice) -> str:
    return second_factors.totp_secret(device)


def secret_on_page(html: str) -> str:
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html)
    assert found, "the set-up page shows no text secret"
    return found.group(1)


def ready_user(role: str = "practitioner", *, username: str | None = None):  # type: ignore[no-untyped-def]
    """A user who has already chosen a password and set up an authenticator app."""
    user = make_user(role, username=username)
    user.set_password(STRONG_PASSWORD)
    user.must_change_password = False
    user.save()
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device


def sign_in(client, user, device: TOTPDevice, password: str = STRONG_PASSWORD):  # type: ignore[no-untyped-def]
    """Both steps through the pages; returns the response to the code step."""
    response = client.post("/sign-in/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == "/sign-in/second-factor/"
    device.refresh_from_db()
    return client.post("/sign-in/second-factor/", {"code": fresh_code(secret_of(device), device)})


def sign_in_browser(page: Page, base_url: str, user, device: TOTPDevice) -> None:  # type: ignore[no-untyped-def]
    """Both steps through the pages in a real browser; returns once the browser has left
    the sign-in pages."""
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Username", exact=True).fill(user.username)
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/sign-in/second-factor/"))
    device.refresh_from_db()
    page.get_by_label("Code from your authenticator app", exact=True).fill(
        fresh_code(secret_of(device), device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def verified_client(user, device) -> Client:  # type: ignore[no-untyped-def]
    """A client signed in with both factors, without going through the pages (fast)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
