"""Response headers Django's SecurityMiddleware and django-csp do not set."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
