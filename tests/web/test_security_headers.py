"""The headers every page is sent with: CSP with a fresh nonce, HSTS on HTTPS only, and the rest;
and what is believed of a request that says it came through a proxy."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from ipaddress import ip_network

import pytest
from django.test import Client

from contactpoint.access import lockout
from contactpoint.access.models import SignInCount
from contactpoint.web.middleware import forwarded_client
from databases import both_databases
from pagecheck import csp_nonce


def _directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (d.split() for d in policy.split(";") if d.strip())
    }


def test_scripts_are_allowed_only_from_this_site_or_with_the_nonce(client):
    response = client.get("/")

    csp = _directives(response)
    nonce = csp_nonce(response.headers["Content-Security-Policy"])
    assert nonce
    assert csp["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    scripts = list(response.page.iter("script"))
    assert len(scripts) == 2
    assert {s.get("nonce") for s in scripts} == {nonce}


def test_each_response_gets_a_new_nonce(client):
    nonces = {csp_nonce(client.get("/").headers["Content-Security-Policy"]) for _ in range(5)}

    assert len(nonces) == 5
    assert all(len(nonce) >= 22 for nonce in nonces)  # 128 bits, base64


@pytest.mark.parametrize("path", ["/", "/no-such-page/"])
def test_policy_never_allows_inline_code_or_eval(client, path):
    policy = client.get(path).headers["Content-Security-Policy"]

    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "unsafe-hashes" not in policy
    assert "*" not in policy


def test_hsts_is_not_sent_on_plain_http(client):
    response = client.get("/")

    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/", "/no-such-page/"])
def test_framing_sniffing_referrer_and_opener_are_locked_down(client, path):
    headers = client.get(path).headers

    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_permissions_policy_switches_off_device_features(client):
    policy = client.get("/").headers["Permissions-Policy"]

    features = dict(item.strip().split("=", 1) for item in policy.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
        assert features[feature] == "()"


@pytest.mark.parametrize("path", ["/", "/no-such-page/"])
def test_pages_are_never_stored_by_browsers_or_proxies(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"


# -- Behind a TLS-terminating proxy (CONTACTPOINT_TRUSTED_PROXIES) ---------------------------

PROXY = "10.0.0.5"
HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture
def behind_proxy(settings):
    """The settings CONTACTPOINT_TRUSTED_PROXIES=10.0.0.5 gives (see the settings test)."""
    settings.CONTACTPOINT = replace(settings.CONTACTPOINT, trusted_proxies=(f"{PROXY}/32",))
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    return Client()


def test_a_claim_of_https_is_ignored_when_no_proxy_is_trusted(client):
    response = client.get("/", headers=HTTPS)

    assert "Strict-Transport-Security" not in response.headers
    assert response.wsgi_request.scheme == "http"


def test_a_claim_of_https_from_an_address_that_is_not_the_proxy_is_treated_as_http(
        behind_proxy):
    response = behind_proxy.get("/", headers=HTTPS, REMOTE_ADDR="192.0.2.9")

    assert "Strict-Transport-Security" not in response.headers
    assert response.wsgi_request.scheme == "http"


@both_databases
def test_https_through_the_trusted_proxy_gets_hsts_and_secure_cookies(behind_proxy):
    response = behind_proxy.get("/sign-in/?next=/account/", headers=HTTPS, REMOTE_ADDR=PROXY)

    assert response.wsgi_request.is_secure()
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=63072000; includeSubDomains")
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["csrftoken"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True


@both_databases
def test_without_a_trusted_proxy_cookies_are_not_marked_secure(client):
    response = client.get("/sign-in/?next=/account/")

    assert response.cookies["sessionid"]["secure"] == ""
    assert response.cookies["csrftoken"]["secure"] == ""


@both_databases
def test_failed_sign_ins_count_against_the_address_the_trusted_proxy_saw(behind_proxy):
    for remote, forwarded in ((PROXY, "198.51.100.1, 203.0.113.7"),
                              ("192.0.2.9", "203.0.113.99")):
        behind_proxy.post("/sign-in/", {"username": "nobody.here", "password": "wrong-123456"},
                          headers={**HTTPS, "X-Forwarded-For": forwarded}, REMOTE_ADDR=remote)

    keys = set(SignInCount.objects.values_list("key", flat=True))
    assert lockout.address_key("203.0.113.7") in keys, "the client the proxy saw"
    assert lockout.address_key("192.0.2.9") in keys, "not the proxy: its own address"
    assert not keys & {lockout.address_key(a) for a in (PROXY, "198.51.100.1", "203.0.113.99")}


def test_the_client_is_read_from_the_right_of_x_forwarded_for():
    proxies = [ip_network("10.0.0.0/24")]
    assert forwarded_client("192.0.2.1", proxies) == "192.0.2.1"
    assert forwarded_client("6.6.6.6, 192.0.2.1", proxies) == "192.0.2.1", "spoofed left part"
    assert forwarded_client("192.0.2.1, 10.0.0.7", proxies) == "192.0.2.1", "a second proxy"
    assert forwarded_client("not-an-address", proxies) is None
    assert forwarded_client(None, proxies) is None
    assert forwarded_client("10.0.0.7", proxies) is None


def test_a_host_that_is_not_allowed_is_refused(client):
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "['127.0.0.1', 'localhost', '[::1]'] False False"),
    ({"CONTACTPOINT_TRUSTED_PROXIES": "10.0.0.5",
      "CONTACTPOINT_ALLOWED_HOSTS": "contactpoint.example"},
     "['contactpoint.example'] True True"),
])
def test_the_settings_follow_the_environment(env, expected, tmp_path):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("CONTACTPOINT_TRUSTED_PROXIES", "CONTACTPOINT_ALLOWED_HOSTS")}
    done = subprocess.run(
        [sys.executable, "-c", "from contactpoint import settings as s; "
         "print(s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"],
        env={**environ, "CONTACTPOINT_DATA_DIR": str(tmp_path), **env},
        capture_output=True, text=True, check=True)
    assert done.stdout.strip() == expected
