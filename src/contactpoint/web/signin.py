"""Signing in: password, then a second factor; first sign-in sets both up. Signing out.

Each step is its own page and works without JavaScript (a security key needs it: that
is the browser's WebAuthn API). The session key is renewed when the password is
accepted (Django's login) and again when the second factor is (second_factor_passed),
so a session id planted before sign-in is worth nothing after it.

The steps that check a password or code are not one transaction per request, as every
other page is (`sign_in_step`): the lockout counts a guess and commits it before the
guess is checked, and nothing that happens later in the request may give it back. Each
change they make is written with its audit entry in a transaction of its own.
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import authenticate, login, update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp_webauthn.templatetags.otp_webauthn import get_configuration

from contactpoint.access import lockout, second_factors
from contactpoint.access.models import User
from contactpoint.access.sessions import remember_session
from contactpoint.audit import hooks as audit
from contactpoint.oversight.rules.sign_ins import address_token
from contactpoint.routes import public
from contactpoint.web.access import (
    NEXT_SESSION_KEY,
    next_sign_in_step,
    safe_next,
    signing_in,
)
from contactpoint.web.children import home_for
from contactpoint.web.forms import CodeForm, NewPasswordForm, SignInForm
from contactpoint.web.requests import AuthedRequest, signed_in
from contactpoint.web.sessions import end_signed_in_session

WRONG_DETAILS = "Enter a correct username and password"
WRONG_CODE = ("Enter the code your authenticator app shows now: the code you entered is "
              "not correct, or was used already")


def sign_in_step(view: Any) -> Any:
    """A view that counts guesses (the lockout): out of the request's one transaction."""
    return transaction.non_atomic_requests(view)


def client_address(request: HttpRequest) -> str | None:
    # Behind a trusted proxy (CONTACTPOINT_TRUSTED_PROXIES), TrustedProxyMiddleware has
    # already put the client's address, as the proxy saw it, in REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR")


def attempted_from(request: HttpRequest) -> dict[str, str]:
    """Where a failed sign-in step came from, for its audit entry: a keyed digest of the
    client's address, so the misuse rules count failures per address without keeping it."""
    address = client_address(request)
    return {"from": address_token(address)} if address else {}


def landing(request: AuthedRequest) -> str:
    """After both factors: the page first asked for, else the person's home page."""
    return (safe_next(request, request.session.pop(NEXT_SESSION_KEY, None))
            or home_for(request.user))


def _locked_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    minutes = settings.CONTACTPOINT.signin_lockout_minutes
    return render(request, template, {**context, "locked": True, "lockout_minutes": minutes},
                  status=429)


def last_try_warning(attempt: lockout.Attempt) -> dict[str, Any]:
    """After a failed step: warn when the next failure is the last one let through."""
    return {"last_try": attempt.left == 1,
            "lockout_minutes": settings.CONTACTPOINT.signin_lockout_minutes}


def second_factor_passed(request: AuthedRequest, device: Device, *, method: str,
                         attempt: lockout.Attempt) -> None:
    """Both factors done: mark the session verified, renew its key, forget failures."""
    attempt.succeeded()
    otp_login(request, device)
    session_verified(request, method=method)


def session_verified(request: AuthedRequest, *, method: str) -> None:
    """After otp_login: renew the session key (no fixation), forget failures, audit."""
    user = request.user
    old_key = request.session.session_key
    with transaction.atomic():
        request.session.cycle_key()
        remember_session(user, request.session.session_key, replaces=old_key)
        lockout.clear_account(user.username)
        audit.record("account:signin:success", actor=user, details={"second_factor": method})


def second_factor_attempt(request: AuthedRequest) -> lockout.Attempt | None:
    """Count a second-factor step before it is checked; None when locked."""
    user = request.user
    return lockout.begin_attempt(user.username, client_address(request))


def second_factor_failed(request: AuthedRequest, *, method: str) -> None:
    """The step's attempt, counted before the check, stays counted: audit it."""
    user = request.user
    audit.record("account:signin:failure", actor=user,
                 details={"step": "second_factor", "method": method,
                          **attempted_from(request)})


@sign_in_step
@public
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if signed_in(request) and request.user.is_verified():
        return redirect(landing(request))
    form = SignInForm(request.POST or None)
    if request.method == "GET" and safe_next(request, request.GET.get("next")):
        request.session[NEXT_SESSION_KEY] = request.GET["next"]
    if request.method == "GET" or not form.is_valid():
        return render(request, "web/signin/sign_in.html", {"form": form})
    return _password_step(request, form)


def _password_step(request: HttpRequest, form: SignInForm) -> HttpResponse:
    username, address = form.cleaned_data["username"], client_address(request)
    known = User.objects.filter(username=username).first()
    attempt = lockout.begin_attempt(username, address)  # counted before the password is
    if attempt is None:
        audit.record("account:signin:locked", actor=known,
                     details={"step": "password", **attempted_from(request)})
        return _locked_page(request, "web/signin/sign_in.html", {"form": SignInForm()})
    user = authenticate(request, username=username, password=form.cleaned_data["password"])
    if user is None:
        audit.record("account:signin:failure", actor=known,
                     details={"step": "password", **attempted_from(request)})
        form.add_error(None, WRONG_DETAILS)
        return render(request, "web/signin/sign_in.html",
                      {"form": form, **last_try_warning(attempt)}, status=200)
    attempt.succeeded()  # a right password is no failure; only both factors clear the count
    refusal = user.refusal()
    if refusal is not None:
        audit.record("account:signin:refused", actor=user, details={"because": refusal})
        return render(request, "web/signin/refused.html", {"refusal": refusal}, status=403)
    next_url = request.session.get(NEXT_SESSION_KEY)
    with transaction.atomic():
        login(request, user)  # a new session key; the password step is done
        if next_url:
            request.session[NEXT_SESSION_KEY] = next_url
        remember_session(user, request.session.session_key)
        audit.record("account:signin:password", actor=user)
    return redirect(next_sign_in_step(user))


@signing_in
@require_http_methods(["GET", "POST"])
def new_password(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not user.must_change_password:
        return redirect(next_sign_in_step(user))
    form = NewPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user.set_password(form.cleaned_data["new_password"])
            user.must_change_password = False
            user.save(update_fields=["password", "must_change_password"])
            audit.record("account:password:change", actor=user)
        update_session_auth_hash(request, user)  # this session stays; others end
        return redirect(next_sign_in_step(user))
    return render(request, "web/signin/new_password.html", {"form": form})


def qr_svg(text: str) -> str:
    """The otpauth:// URI as an inline SVG QR code, drawn on the server (no script)."""
    svg = segno.make(text, error="m").svg_inline(scale=5, border=4, dark="#0b0c0c",
                                                 light="#ffffff", omitsize=False)
    return svg.replace("<svg ", '<svg role="img" aria-labelledby="qr-code-title" ', 1).replace(
        ">", '><title id="qr-code-title">QR code for your authenticator app</title>', 1)


def _app_setup_page(request: AuthedRequest, form: CodeForm, *, heading: str,
                    extra: dict[str, Any] | None = None) -> HttpResponse:
    user = request.user
    device = second_factors.pending_app(user) or second_factors.start_app_setup(user)
    return render(request, "web/signin/set_up_app.html", {
        "form": form, "heading": heading, "qr_svg": qr_svg(device.config_url),
        "secret": second_factors.totp_secret(device),
        "first_factor": not second_factors.has_second_factor(user), **(extra or {})})


@sign_in_step
@signing_in
@require_http_methods(["GET", "POST"])
def set_up_app(request: AuthedRequest) -> HttpResponse:
    """First sign-in: add an authenticator app (or choose a security key instead)."""
    user = request.user
    if user.must_change_password:
        return redirect("web:new-password")
    if second_factors.has_second_factor(user) and not user.is_verified():
        # Someone who has a factor proves it before adding another.
        return redirect("web:second-factor")
    form = CodeForm(request.POST or None)
    heading = "Set up an authenticator app"
    warning: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        attempt = second_factor_attempt(request)
        if attempt is None:
            audit.record("account:signin:locked", actor=user,
                         details={"step": "set_up_app", **attempted_from(request)})
            return _locked_page(request, "web/signin/second_factor.html", {"form": CodeForm()})
        with transaction.atomic():
            device = second_factors.confirm_app(user, form.cleaned_data["code"])
            if device is not None:
                audit.record("account:second-factor:add", actor=user, details={"kind": "app"})
        if device is not None:
            if user.is_verified():
                attempt.succeeded()
            else:
                second_factor_passed(request, device, method="app", attempt=attempt)
            return redirect(landing(request))
        second_factor_failed(request, method="app")
        form.add_error("code", WRONG_CODE)
        warning = last_try_warning(attempt)
    return _app_setup_page(request, form, heading=heading, extra=warning)


@sign_in_step
@signing_in
@require_http_methods(["GET", "POST"])
def second_factor(request: AuthedRequest) -> HttpResponse:
    """The second sign-in step for someone who has an app or a security key."""
    user = request.user
    if user.is_verified():
        return redirect(landing(request))
    if user.must_change_password or not second_factors.has_second_factor(user):
        return redirect(next_sign_in_step(user))
    form = CodeForm(request.POST or None)
    context = {"form": form, "has_app": second_factors.has_app(user),
               "has_security_key": second_factors.has_security_key(user),
               "webauthn_config": get_configuration(request)}
    if request.method == "POST" and form.is_valid():
        attempt = second_factor_attempt(request)  # counted before the code is checked
        if attempt is None:
            audit.record("account:signin:locked", actor=user,
                         details={"step": "second_factor", **attempted_from(request)})
            return _locked_page(request, "web/signin/second_factor.html", context)
        device = second_factors.verify_code(user, form.cleaned_data["code"])
        if device is not None:
            second_factor_passed(request, device, method="app", attempt=attempt)
            return redirect(landing(request))
        second_factor_failed(request, method="app")
        form.add_error("code", WRONG_CODE)
        context.update(last_try_warning(attempt))
    return render(request, "web/signin/second_factor.html", context)


@public  # signing out must work whatever state the session is in
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        if request.user.is_authenticated:
            audit.record("account:signout", actor=request.user)
        end_signed_in_session(request)
    return redirect("web:signed-out")


@public
def signed_out(request: HttpRequest) -> HttpResponse:
    reason = request.GET.get("reason")
    return render(request, "web/signin/signed_out.html", {
        "reason": reason if reason in ("idle", "suspended") else None,
        "idle_minutes": settings.SESSION_IDLE_SECONDS // 60})
