"""Who a request came from and over what, and response headers Django's SecurityMiddleware
and django-csp do not set."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def is_trusted(address: str | None, proxies: Sequence[Network]) -> bool:
    """Pure: is `address` one of the trusted proxies?"""
    found = _address(address)
    return found is not None and any(found in network for network in proxies)


def forwarded_client(forwarded_for: str | None, proxies: Sequence[Network]) -> str | None:
    """Pure: the client's address in an X-Forwarded-For header our proxy passed on.

    Read from the right: our proxy appends the address it saw, and everything left of
    that came from the client, who can write anything there. Proxies of our own are
    skipped; the first address that is not one is the client. None if the header has no
    usable address.
    """
    for item in reversed((forwarded_for or "").split(",")):
        found = _address(item)
        if found is None:
            return None
        if not any(found in network for network in proxies):
            return str(found)
    return None


class TrustedProxyMiddleware:
    """Believes X-Forwarded-Proto and X-Forwarded-For only from CONTACTPOINT_TRUSTED_PROXIES.

    From a trusted proxy, the request's scheme becomes what X-Forwarded-Proto says (so
    Django sends HSTS on HTTPS and its CSRF check expects an https Origin), and
    REMOTE_ADDR becomes the client's address the proxy saw, which the sign-in lockout
    counts against. From anyone else, or with no proxy configured, both headers are
    ignored: a client cannot claim HTTPS, or someone else's address, for itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.proxies = [ipaddress.ip_network(p) for p in settings.CONTACTPOINT.trusted_proxies]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if self.proxies and is_trusted(meta.get("REMOTE_ADDR"), self.proxies):
            proto = meta.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip().lower()
            if proto in ("http", "https"):
                meta["wsgi.url_scheme"] = proto
            client = forwarded_client(meta.get("HTTP_X_FORWARDED_FOR"), self.proxies)
            if client is not None:
                meta["REMOTE_ADDR"] = client
        return self.get_response(request)

#: Browser features no ContactPoint page needs. An empty allow-list `()` turns a feature
#: off for the page and anything it embeds, so injected script cannot reach for them.
#: (WebAuthn, publickey-credentials-*, is left at its same-origin default for sign-in.)
DISABLED_FEATURES = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DISABLED_FEATURES)


class PermissionsPolicyMiddleware:
    """Sends `Permissions-Policy`, switching off the browser features in DISABLED_FEATURES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class NoStoreMiddleware:
    """Tells browsers and proxies to keep no copy of any page or API answer.

    Pages and API responses carry children's details, which must not linger in a shared
    computer's cache or a proxy. A view that knows its answer is public may set its own
    Cache-Control. Static files never reach this middleware: WhiteNoise, earlier in
    MIDDLEWARE, answers them with their own caching headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Cache-Control", "no-store")
        return response
