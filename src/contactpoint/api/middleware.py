"""Error answers under /api/ that the API's own handlers never see, made problem+json too."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from django.http import HttpRequest, HttpResponse

from contactpoint.api.problems import PROBLEM_JSON, problem
from contactpoint.routes import API_PREFIX


class ApiProblemsMiddleware:
    """Rewrites any error response under /api/ that is not yet problem+json, in place.

    The API's exception handlers cover its operations, but some answers are made
    elsewhere: ninja's 405 for a method an address does not take, Django's 404 for the
    API's bare root, Django's 500 page when something fails outside an operation (in a
    middleware, on the way to the database). The response keeps its status and headers
    (Allow, Content-Security-Policy, Cache-Control); only the body and its type change.
    Sits near the top of MIDDLEWARE so it sees what the others answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code < 400 or not request.path_info.startswith(API_PREFIX)
                or getattr(response, "streaming", False)
                or response.get("Content-Type", "").startswith(PROBLEM_JSON)):
            return response
        detail = None
        if response.status_code == 405 and response.has_header("Allow"):
            detail = f"This address does not take {request.method}; it takes {response['Allow']}."
        response.content = orjson.dumps(problem(response.status_code, detail))
        response["Content-Type"] = PROBLEM_JSON
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
