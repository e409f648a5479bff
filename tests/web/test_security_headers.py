"""The headers every page is sent with: CSP with a fresh nonce, HSTS on HTTPS only, and the rest."""

from __future__ import annotations

import pytest

from pagecheck import assert_good_page, csp_nonce


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
    scripts = list(assert_good_page(response).iter("script"))
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


def test_hsts_is_sent_on_https_requests(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})

    assert response.headers["Strict-Transport-Security"] == (
        "max-age=63072000; includeSubDomains"
    )


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
