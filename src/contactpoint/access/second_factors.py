"""Second factors: authenticator apps (TOTP, django-otp) and security keys (WebAuthn).

Everyone has at least one before they can do anything: the sign-in pages send a person
with none to set one up. A code is checked against the person's confirmed apps inside
a transaction holding their rows, so two requests with the same code cannot both pass,
and django-otp refuses a code from a time step already used (`last_t`): a code seen
over someone's shoulder is worth nothing once it has been typed.

An app's key is sealed at rest (`app_keys`): every query here is of `AuthenticatorApp`,
django-otp's TOTPDevice reading its key through the seal.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from contactpoint.access import app_keys
from contactpoint.access.models import AuthenticatorApp, User
from contactpoint.crypto.envelope import TEXT_PREFIX

APP_NAME = "Authenticator app"


@dataclass(frozen=True)
class SecondFactor:
    """One of a person's second factors, as their account page lists it."""

    kind: str  # "app" or "security_key"
    name: str
    added_at: datetime | None
    last_used_at: datetime | None


def totp_secret(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it typed in: base32, in groups of four."""
    text = b32encode(app_keys.key_of(device)).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def second_factors_of(user: User) -> list[SecondFactor]:
    apps = [SecondFactor("app", d.name, d.created_at, d.last_used_at)
            for d in AuthenticatorApp.objects.filter(user=user, confirmed=True).order_by("id")]
    keys = [SecondFactor("security_key", d.name or "Security key", d.created_at, d.last_used_at)
            for d in WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("id")]
    return apps + keys


def has_second_factor(user: User) -> bool:
    return (AuthenticatorApp.objects.filter(user=user, confirmed=True).exists()
            or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists())


def has_app(user: User) -> bool:
    return AuthenticatorApp.objects.filter(user=user, confirmed=True).exists()


def has_security_key(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def start_app_setup(user: User) -> AuthenticatorApp:
    """A new, unconfirmed authenticator app (any earlier unconfirmed one is dropped)."""
    AuthenticatorApp.objects.filter(user=user, confirmed=False).delete()
    return AuthenticatorApp.objects.create(user=user, name=APP_NAME, confirmed=False)


def pending_app(user: User) -> AuthenticatorApp | None:
    return AuthenticatorApp.objects.filter(user=user, confirmed=False).order_by("-id").first()


def _clean_code(code: str) -> str | None:
    digits = "".join(code.split())
    return digits if digits.isascii() and digits.isdigit() and len(digits) == 6 else None


@transaction.atomic
def confirm_app(user: User, code: str) -> AuthenticatorApp | None:
    """Confirm the pending app with a code it shows; the confirmed device, or None."""
    digits = _clean_code(code)
    device = (AuthenticatorApp.objects.select_for_update()
              .filter(user=user, confirmed=False).order_by("-id").first())
    if digits is None or device is None or not device.verify_token(digits):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


@transaction.atomic
def verify_code(user: User, code: str) -> Device | None:
    """The confirmed app `code` came from, or None (wrong, reused, throttled, malformed)."""
    digits = _clean_code(code)
    if digits is None:
        return None
    for device in AuthenticatorApp.objects.select_for_update().filter(user=user, confirmed=True):
        if device.verify_token(digits):
            return device
    return None


@transaction.atomic
def remove_all(user: User) -> int:
    """Delete every app and security key of `user` (a reset); returns how many."""
    apps = AuthenticatorApp.objects.filter(user=user)
    keys = WebAuthnCredential.objects.filter(user=user)
    removed = apps.count() + keys.count()
    apps.delete()
    keys.delete()
    return removed


@transaction.atomic
def seal_stored_app_keys() -> int:
    """Seal every app key still stored as hex (saved before keys were sealed); how many.

    Run by `contactpoint init`; each row is held while it is sealed, so a code checked at
    the same moment waits rather than saving the old key back.
    """
    stored = AuthenticatorApp.objects.select_for_update().exclude(key__startswith=TEXT_PREFIX)
    sealed = 0
    for device in stored:
        device.save(update_fields=["key"])  # the pre_save receiver seals it
        sealed += 1
    return sealed
