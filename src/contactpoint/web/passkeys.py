"""Security keys and passkeys (WebAuthn) as a second factor, through django-otp-webauthn.

The library's JSON endpoints do the ceremony; these subclasses add what the sign-in
pages do for codes: the same lockout, the same audit events, a renewed session key
once the second factor passes, and no passwordless sign-in (the password comes first).
Its script tags are written by our templates, not its template tag, so they carry the
page's CSP nonce.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp.models import Device
from django_otp_webauthn import exceptions, views
from django_otp_webauthn.templatetags.otp_webauthn import get_configuration

from contactpoint.access import lockout, second_factors
from contactpoint.audit import hooks as audit
from contactpoint.routes import PageAccess, public
from contactpoint.web.access import signing_in
from contactpoint.web.requests import AuthedRequest
from contactpoint.web.signin import (
    client_address,
    landing,
    second_factor_attempt,
    second_factor_failed,
    second_factor_passed,
    session_verified,
    sign_in_step,
)


class SignInLocked(exceptions.OTPWebAuthnApiError):
    status_code = 429
    default_detail = "Too many failed attempts. Wait, then try again."
    default_code = "locked"


class PasswordFirst(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = "Sign in with your username and password first."
    default_code = "password_first"


def _locked() -> SignInLocked:
    minutes = settings.CONTACTPOINT.signin_lockout_minutes
    return SignInLocked(f"Too many failed attempts. Wait {minutes} minutes, then try again.")


def _check_person(request: HttpRequest, *, lock: bool = True) -> None:
    user = request.user
    if not user.is_authenticated or user.refusal() is not None:
        raise PasswordFirst()
    if user.must_change_password:
        raise PasswordFirst("Create your new password first.")
    if lock and lockout.is_locked(user.username, client_address(request)):
        raise _locked()


class _Step:
    page_access = PageAccess("signing_in")


class BeginRegistration(_Step, views.BeginCredentialRegistrationView):
    def check_can_register(self) -> None:
        _check_person(self.request)


class CompleteRegistration(_Step, views.CompleteCredentialRegistrationView):
    def check_can_register(self) -> None:
        _check_person(self.request)

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        was_verified = self.request.user.is_verified()
        with transaction.atomic():  # the key and its entry together
            response = super().post(*args, **kwargs)  # confirms the key; otp_login if first
            audit.record("account:second-factor:add", actor=self.request.user,
                         details={"kind": "security_key"})
        if not was_verified:
            session_verified(self.request, method="security_key")
        return response


class BeginAuthentication(_Step, views.BeginCredentialAuthenticationView):
    def check_can_authenticate(self) -> None:
        _check_person(self.request)


class CompleteAuthentication(_Step, views.CompleteCredentialAuthenticationView):
    """Checks the key's answer, counted against the lockout BEFORE it is checked."""

    attempt: lockout.Attempt | None = None

    def check_can_authenticate(self) -> None:
        _check_person(self.request, lock=False)
        self.attempt = second_factor_attempt(self.request)
        if self.attempt is None:
            raise _locked()

    def complete_auth(self, device: Device) -> None:
        assert self.attempt is not None  # noqa: S101  (check_can_authenticate ran first)
        second_factor_passed(self.request, device, method="security_key", attempt=self.attempt)

    def get_success_url(self) -> str:
        """Where the app's second step goes too: the page asked for, else the person's home."""
        return landing(self.request)

    def handle_exception(self, exc: Exception) -> HttpResponse:
        # A failure after the attempt was counted stays counted; audit it.
        if self.attempt is not None and isinstance(exc, exceptions.OTPWebAuthnApiError):
            second_factor_failed(self.request, method="security_key")
        return super().handle_exception(exc)


def _scripts_context(request: HttpRequest) -> dict[str, object]:
    return {"webauthn_config": get_configuration(request)}


@signing_in
def set_up_security_key(request: AuthedRequest) -> HttpResponse:
    """Add a security key or passkey (first sign-in, or later from the account page)."""
    user = request.user
    if user.must_change_password:
        return redirect("web:new-password")
    if second_factors.has_second_factor(user) and not user.is_verified():
        return redirect("web:second-factor")
    return render(request, "web/signin/set_up_security_key.html", _scripts_context(request))


js_catalog = public(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]))

app_name = "otp_webauthn"  # the library's script and templates reverse these names
# Sign-in steps, out of the request's one transaction as the code steps are
# (web/signin.py, sign_in_step): a guess counted by the lockout stays counted.
urlpatterns = [
    path("registration/begin/", sign_in_step(BeginRegistration.as_view()),
         name="credential-registration-begin"),
    path("registration/complete/", sign_in_step(CompleteRegistration.as_view()),
         name="credential-registration-complete"),
    path("authentication/begin/", sign_in_step(BeginAuthentication.as_view()),
         name="credential-authentication-begin"),
    path("authentication/complete/", sign_in_step(CompleteAuthentication.as_view()),
         name="credential-authentication-complete"),
    path("jsi18n/", js_catalog, name="js-i18n-catalog"),
]
