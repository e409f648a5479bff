"""GOV.UK error pages for people, wired as the project's handler400/403/404/500 and as
CSRF_FAILURE_VIEW.

Django's own default views do the work (status codes, the 500 page rendered with no
request and no context processors, so it cannot fail for the same reason the page did);
these only point them at our templates. A refused form (no or an old CSRF token: most
often a page left open past the session's end) gets a page saying what to do, never
Django's reason, which is for developers.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.bad_request(request, exception, template_name="web/400.html")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.permission_denied(request, exception, template_name="web/403.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.page_not_found(request, exception, template_name="web/404.html")


def gone(request: HttpRequest) -> HttpResponse:
    """A purged record's page (410): that it was removed, and nothing of it."""
    return render(request, "web/410.html", status=410)


def server_error(request: HttpRequest) -> HttpResponse:
    return defaults.server_error(request, template_name="web/500.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The form expired (or came without its token): say so and how to try again.

    `reason` is Django's diagnosis; it is not shown, and the page gives no detail of
    the check that failed.
    """
    return render(request, "web/csrf_failure.html", status=403)
