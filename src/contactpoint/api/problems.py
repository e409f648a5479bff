"""Every API error as `application/problem+json` (RFC 9457): type, title, status, detail.

One place decides how each kind of failure looks to a caller: the domain's errors
(contactpoint.errors), ninja's own (bad input, no token), Django's (404, an oversized
body) and anything unexpected, which is logged and answered with no internals at all.
Input problems are 400 with an `errors` list, one entry per field, as the contract says
bad input is 400 (ninja's default is 422).

Ninja answers an exception itself, so to Django the request ended well and its
transaction (ATOMIC_REQUESTS) would commit whatever the operation wrote before failing.
Every handler here first marks that transaction to roll back, as a page that raises
does: an operation that fails keeps nothing, its audit entries included (a refusal is
audited afterwards on its own, web/refusals.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from contactpoint.access.authorise import note_refusal
from contactpoint.errors import FieldProblem, RequestError

log = logging.getLogger("contactpoint.api")

PROBLEM_JSON = "application/problem+json"
#: RFC 6750's challenge; with `error="invalid_token"` when a token was sent and refused.
BEARER_REALM = 'Bearer realm="ContactPoint API"'

#: What a caller is told for statuses that carry no message of their own.
GENERIC_DETAIL = {
    400: "The request cannot be read.",
    401: "Send an API token as `Authorization: Bearer <token>`.",
    403: "You may not do this.",
    404: "There is nothing at this address in the API.",
    405: "This address does not take that method.",
    413: "The request body is too large.",
    500: "Something went wrong on our side. It has been logged; try again later.",
}


def problem(status: int, detail: str | None = None, *, title: str | None = None,
            type: str = "about:blank",
            errors: Iterable[FieldProblem] = ()) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or GENERIC_DETAIL.get(status, HTTPStatus(status).description),
    }
    listed = [e.as_dict() for e in errors]
    if listed:
        body["errors"] = listed
    return body


def problem_response(status: int, detail: str | None = None, *, title: str | None = None,
                     type: str = "about:blank", errors: Iterable[FieldProblem] = (),
                     headers: Mapping[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        orjson.dumps(problem(status, detail, title=title, type=type, errors=errors)),
        status=status, content_type=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _in_words(error: dict[str, Any]) -> str:
    """Pydantic's message, or for one of the API's own patterns what it asks for in
    words (pydantic would quote the regular expression)."""
    from contactpoint.api.fields import IN_WORDS  # noqa: PLC0415  (fields imports services)

    if error.get("type") == "string_pattern_mismatch":
        words = IN_WORDS.get((error.get("ctx") or {}).get("pattern", ""))
        if words:
            return words
    if error.get("type") == "missing":
        return "is required"
    return str(error.get("msg", "is not valid"))


def _field_problems(errors: list[dict[str, Any]]) -> list[FieldProblem]:
    """Ninja's pydantic errors (loc = ("query", "date_of_birth"), msg) as FieldProblems.

    A body's fields come as ("body", "body", "reason"): the second is the operation's
    parameter name, not the caller's, and is left out.
    """
    found = []
    for error in errors:
        location, *rest = error.get("loc") or ("body",)
        if location == "body" and len(rest) > 1 and rest[0] == "body":
            rest = rest[1:]
        found.append(FieldProblem(".".join(str(part) for part in rest) or str(location),
                                  _in_words(error), str(location)))
    return found


# -- handlers, registered on the API by install() ------------------------------------------

def _request_error(request: HttpRequest, exc: RequestError) -> HttpResponse:
    note_refusal(request, exc)  # the refusal's audit entry names what the policy refused
    return problem_response(exc.status, exc.detail, title=exc.title, type=exc.type,
                            errors=exc.problems)


def _invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = _field_problems(exc.errors)
    fields = ", ".join(sorted({p.field for p in problems}))
    return problem_response(400, f"Some input is not valid: {fields}.", errors=problems)


class TokenRefused(AuthenticationError):
    """A token was sent and refused (not merely missing); `detail` says why when the
    holder may be told (an expired token), else the one message for every refusal."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__()
        self.detail = detail or ("The API token was refused: it is unknown or revoked, or "
                                 "its holder may no longer use the service.")


def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if isinstance(exc, TokenRefused):
        return problem_response(401, exc.detail, headers={
            "WWW-Authenticate": f'{BEARER_REALM}, error="invalid_token"'})
    return problem_response(401, headers={"WWW-Authenticate": BEARER_REALM})


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja's own: a body it cannot parse (400, its message says why), 403, 429. The
    # others' messages are bare status phrases, so ours say more.
    return problem_response(exc.status_code, str(exc) if exc.status_code == 400 else None)


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404)


def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(403)


def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return problem_response(413)
    return problem_response(400)


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The path only: a query string may hold a child's name.
    log.error("unexpected error in %s %s", request.method, request.path, exc_info=exc)
    return problem_response(500)


def rolled_back(handler: Callable[[HttpRequest, Any], HttpResponse]
                ) -> Callable[[HttpRequest, Any], HttpResponse]:
    """The handler, after marking the request's transaction to roll back."""
    def handle(request: HttpRequest, exc: Any) -> HttpResponse:
        connection = transaction.get_connection()
        if connection.in_atomic_block:
            transaction.set_rollback(True)
        return handler(request, exc)

    return handle


def install(api: NinjaAPI) -> None:
    """Make every error the API answers a problem+json document, keeping nothing."""
    for error, handler in ((RequestError, _request_error), (ValidationError, _invalid_input),
                           (AuthenticationError, _unauthenticated), (HttpError, _http_error),
                           (Http404, _not_found), (PermissionDenied, _permission_denied),
                           (SuspiciousOperation, _suspicious), (Exception, _unexpected)):
        api.add_exception_handler(error, rolled_back(handler))


# -- OpenAPI ---------------------------------------------------------------------------------

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "detail"],
            "properties": {"field": {"type": "string"}, "in": {"type": "string"},
                           "detail": {"type": "string"}}}},
    },
}


def openapi_problems(*statuses: int) -> dict[int, Any]:
    """OpenAPI `responses` entries for the errors an operation can answer."""
    return {status: {"description": HTTPStatus(status).phrase,
                     "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
            for status in sorted(set(statuses))}
