"""What every route declares about who may call it, for the web pages and the API alike.

Below both interfaces, so neither imports the other: `web.access` adds the declarations
that sign people in (`requires`, `signing_in`); the API declares its open routes
`public` here and its operations' permissions in `api.auth`. `API_PREFIX` is where the
API's addresses begin (the web's refusal log leaves those to the API's own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpResponseBase

from contactpoint.access.permissions import Permission
from contactpoint.access.policy import TargetKind

View = Callable[..., HttpResponseBase]
API_PREFIX = "/api/"


@dataclass(frozen=True)
class PageAccess:
    """What a view declared: `public`, `signing_in`, or `permission` with the Permission
    and what the view uses it on (`acts_on`), if anything in particular."""

    kind: str
    permission: Permission | None = None
    acts_on: TargetKind | None = None


def declare(view: View, access: PageAccess) -> View:
    """Mark the view with its declaration, for `declared_access` to read."""
    view.page_access = access  # type: ignore[attr-defined]  # Callable declares no attributes
    return view


def declared_access(view: Any) -> PageAccess | None:
    """The declaration on a view function (or a class-based view's `as_view()`)."""
    found = getattr(view, "page_access", None)
    if found is None and hasattr(view, "view_class"):
        found = getattr(view.view_class, "page_access", None)
    return found if isinstance(found, PageAccess) else None


def public(view: View) -> View:
    """Anyone may see this page, signed in or not.

    It runs outside the one transaction every other request runs in (ATOMIC_REQUESTS):
    anyone may call it, and it must not hold a transaction open for them (on SQLite,
    the write lock). What it changes it writes, with its audit entry, in a transaction
    of its own.
    """
    return declare(transaction.non_atomic_requests(view), PageAccess("public"))
