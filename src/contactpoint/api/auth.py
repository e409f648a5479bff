"""Who may call each operation: a bearer token, and the one Permission the operation needs.

Every operation is added through ApiRouter, which will not take one without
`permission=`. The token is checked by access.tokens.authenticate_token: no token or a
refused one is 401 (an expired one says so), a caller without the permission 403. The
API's default (for an operation added some other way) refuses everyone, and
tests/api/test_routes.py walks every route and fails on an operation that names no
permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.security import HttpBearer

from contactpoint.access.permissions import Permission
from contactpoint.access.tokens import Principal, TokenExpired, authenticate_token
from contactpoint.api.problems import TokenRefused, openapi_problems
from contactpoint.errors import Forbidden


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` for a caller who holds `permission`."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        try:
            principal = authenticate_token(token)
        except TokenExpired as exc:
            end = exc.expired_at
            raise TokenRefused(
                f"This API token expired on {end.day} {end:%B %Y at %H:%M} UTC. Its "
                "holder can create a new one under API tokens in Your account.") from None
        if principal is None:
            raise TokenRefused()
        if not principal.may(self.permission):
            # Known but not allowed: the refusal is audited in the caller's name
            # (web/refusals.py reads the caller where ninja puts it once allowed).
            request.auth = principal  # type: ignore[attr-defined]
            raise Forbidden(f"This needs the {self.permission} permission, which "
                            f"{principal.name} does not have.")
        return principal


def undeclared(request: HttpRequest) -> None:
    """The API's default auth: an operation that names no permission is refused to all."""
    raise Forbidden("This operation declares no permission, so nobody may call it.")


class ApiRouter(Router):
    """A ninja Router whose every operation must name the Permission it needs.

    `errors` lists the statuses the operation can answer besides 400, 401 and 403, for
    the OpenAPI description (every operation reads a path, query or body that can be
    refused, so each can answer 400, and one with a body 413); OpenAPI also shows the
    permission as `x-permission`.
    """

    def api_operation(self, methods: list[str], path: str, *,  # type: ignore[override]
                      permission: Permission | None = None, errors: Iterable[int] = (),
                      **kwargs: Any) -> Any:
        if not isinstance(permission, Permission):
            raise TypeError(f"{' '.join(methods)} {path}: an API operation names the "
                            "Permission it needs (permission=...)")
        if "auth" in kwargs:
            raise TypeError(f"{' '.join(methods)} {path}: auth comes from the permission")
        extra = dict(kwargs.pop("openapi_extra", None) or {})
        extra["x-permission"] = permission.value
        # A body above DATA_UPLOAD_MAX_MEMORY_SIZE is refused before the operation runs.
        too_large = (413,) if set(methods) & {"POST", "PUT", "PATCH", "DELETE"} else ()
        extra["responses"] = {**openapi_problems(400, 401, 403, *too_large, *errors),
                              **extra.get("responses", {})}
        return super().api_operation(methods, path, auth=BearerToken(permission),
                                     openapi_extra=extra, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:  # type: ignore[override]
        return self.api_operation(["GET"], path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:  # type: ignore[override]
        return self.api_operation(["POST"], path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:  # type: ignore[override]
        return self.api_operation(["PUT"], path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:  # type: ignore[override]
        return self.api_operation(["PATCH"], path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:  # type: ignore[override]
        return self.api_operation(["DELETE"], path, **kwargs)
