"""Walking every route the project serves: the pages' URL patterns and the API's operations.

Shared by the tests that must cover every route, so a route added later is walked too.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI


def url_patterns(patterns, prefix: str = ""):  # type: ignore[no-untyped-def]
    """(route, callback) for every URL pattern, included ones too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def ninja_path_view(callback):  # type: ignore[no-untyped-def]
    """The ninja PathView behind an API route's URL callback (its operations), or None."""
    for cell in getattr(callback, "__closure__", None) or ():
        contents = cell.cell_contents
        if type(contents).__name__ == "PathView" and hasattr(contents, "operations"):
            return contents
    return None


def operations(ninja_api: NinjaAPI):  # type: ignore[no-untyped-def]
    """(methods, path, operation) for every operation the API serves."""
    # Ninja has no public way to list its operations; this is what its OpenAPI code walks.
    for bound in ninja_api._get_bound_routers():
        for path, view in bound.path_operations.items():
            for operation in view.operations:
                yield operation.methods, f"{bound.prefix}{path}", operation
