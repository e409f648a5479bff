from functools import partial

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt

from contactpoint.api.problems import problem_response
from contactpoint.api.v1 import api
from contactpoint.routes import public

#: What `path()` includes: (patterns, app name, namespace), as NinjaAPI.urls gives them.
IncludedUrls = tuple[list[URLResolver | URLPattern], str, str]


@public  # an answer saying "nothing here", for anyone
@csrf_exempt  # an unknown address is 404 whatever the method, never a CSRF 403
def unknown_api_path(request: HttpRequest) -> HttpResponse:
    """Anything under /api/ that no operation answers: 404 as problem+json, not a page."""
    return problem_response(404)


def _public_views_hold_no_transaction(urls: IncludedUrls) -> IncludedUrls:
    """Ninja's own public views (the OpenAPI document, the API's root) run outside the
    request's one transaction, as every public page does (web/access.py, `public`)."""
    for pattern in urls[0]:
        if isinstance(pattern, URLPattern) and isinstance(pattern.callback, partial):
            transaction.non_atomic_requests(pattern.callback)
    return urls


urlpatterns = [
    path("api/v1/", _public_views_hold_no_transaction(api.urls)),
    re_path(r"^api/", unknown_api_path),
]
