"""Errors a request can end in, each knowing its HTTP status (datasette's Base400 pattern).

Services raise these when a caller asks for something the rules refuse and should be
told why: a search with too few criteria, a record they may not open. The API turns
them into `application/problem+json` (api/problems.py); pages can turn them into GOV.UK
error pages. Plain Python, so a service raises them without importing any web layer.
The message (`detail`) is shown to the caller: it names the field and the rule and
never carries a child's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus

from contactpoint.text import clean_text


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with one input: which field, where it was sent, and what rule it broke."""

    field: str
    detail: str
    #: Where the field was sent: "query", "path", "body" or "header" (None: not said).
    location: str | None = None

    def as_dict(self) -> dict[str, str]:
        found = {"field": self.field, "detail": self.detail}
        if self.location:
            found["in"] = self.location
        return found


class RequestError(Exception):
    """A request refused for a reason the caller is told. Subclasses set `status`.

    `type` is RFC 9457's problem type: "about:blank" means "nothing more than the HTTP
    status says", and `title` is then the status's own phrase. A subclass with a
    meaning of its own (later: "too many matches, refine") gives its own type and title.
    """

    status: int = HTTPStatus.BAD_REQUEST
    type: str = "about:blank"

    def __init__(self, detail: str, *, problems: Sequence[FieldProblem] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = tuple(problems)

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase


class BadRequest(RequestError):
    """The request is malformed or breaks an input rule; `problems` lists each field."""

    status = HTTPStatus.BAD_REQUEST


class Forbidden(RequestError):
    """The caller is known but may not do this (their role, their source, their authority)."""

    status = HTTPStatus.FORBIDDEN


class NotFound(RequestError):
    """No such thing, or none the caller may know exists."""

    status = HTTPStatus.NOT_FOUND


class Gone(RequestError):
    """It was here and is no more (a purged or shredded child): nothing of it is left."""

    status = HTTPStatus.GONE


class LengthRequired(RequestError):
    """The body does not say its length (chunked), and this operation needs to know it."""

    status = HTTPStatus.LENGTH_REQUIRED


class PayloadTooLarge(RequestError):
    """The request body is larger than this deployment accepts."""

    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class UnsupportedMediaType(RequestError):
    """The body is sent as a type this operation does not read."""

    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE


class Conflict(RequestError):
    """The request is well formed but the thing it acts on has moved on (already decided)."""

    status = HTTPStatus.CONFLICT


def free_text(value: str | None, field: str, *, max_chars: int = 500,
              location: str | None = "body", label: str | None = None) -> str:
    """A person's free text (a reason, a detail, a name), cleaned: single spaces, no control
    or invisible formatting characters (they hide or reorder what a reader sees), at most
    `max_chars`. Empty is "". BadRequest naming the field otherwise, never a 500.

    `label` is the field as people call it ("practitioner's name"); by default its name
    in words.
    """
    words = (label or field.replace("_", " "))
    words = words[:1].upper() + words[1:]
    try:
        text = clean_text(value or "")
    except ValueError:
        message = f"{words} must not contain control or invisible formatting characters"
        raise BadRequest(f"{message}.", problems=[
            FieldProblem(field, message, location)]) from None
    if "\x00" in text:
        message = f"{words} must not contain a NUL character"
        raise BadRequest(f"{message}.", problems=[FieldProblem(field, message, location)])
    if len(text) > max_chars:
        message = f"{words} must be {max_chars} characters or fewer"
        raise BadRequest(f"{message}.", problems=[FieldProblem(field, message, location)])
    return text
