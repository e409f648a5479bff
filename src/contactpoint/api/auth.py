"""Who may call each operation: a bearer token, and the one Permission the operation needs.

Every operation is added through ApiRouter, which will not take one without
`permission=`. The token is checked by access.tokens.authenticate_token: no token or a
refused one is 401 (an expired one says so), a caller the access policy refuses the
permission 403 (access/policy.py; the operation's service then asks it again about the
child or user it acts on: `acts_on` names which, and tests/api/test_routes.py holds
every operation with a child's or user's id in its path to saying so). The
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

from contactpoint.access.authorise import Refused
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import TargetKind
from contactpoint.access.tokens import Principal, TokenExpired, authenticate_token
from contactpoint.api.problems import TokenRefused, openapi_problems
from contactpoint.errors import Forbidden


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` for a caller who holds `permission`; `acts_on`:
    what the operation uses it on, which its service asks the policy about."""

    def __init__(self, permission: Permission, acts_on: TargetKind | None = None) -> None:
        self.permission = permission
        self.acts_on = acts_on
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
        decision = principal.decide(self.permission)
        if not decision.allowed:
            # Known but not allowed: the refusal is audited in the caller's name
            # (web/refusals.py reads the caller where ninja puts it once allowed).
            request.auth = principal  # type: ignore[attr-defined]  # ninja's own attribute
            raise Refused(f"This needs the {self.permission} permission, which "
                          f"{principal.name} does not have.", decision)
        return principal


def undeclared(request: HttpRequest) -> None:
    """The API's default auth: an operation that names no permission is refused to all."""
    raise Forbidden("This operation declares no permission, so nobody may call it.")


class ApiRouter(Router):
    """A ninja Router whose every operation must name the Permission it needs.

    `errors` lists the statuses the operation can answer besides 400, 401 and 403, for
    the OpenAPI description (every operation reads a path, query or body that can be
    refused, so each can answer 400, and one with a body 413); OpenAPI also shows the
    permission as `x-permission`. `acts_on` names what the permission is used on (a
    child, the children of a review item or decision, a user), as `x-acts-on`.
    """

    def api_operation(self, methods: list[str], path: str, *,
                      permission: Permission | None = None, errors: Iterable[int] = (),
                      acts_on: TargetKind | None = None, **kwargs: Any) -> Any:
        if not isinstance(permission, Permission):
            raise TypeError(f"{' '.join(methods)} {path}: an API operation names the "
                            "Permission it needs (permission=...)")
        if acts_on is not None and not isinstance(acts_on, TargetKind):
            raise TypeError(f"{' '.join(methods)} {path}: acts_on is a TargetKind")
        if "auth" in kwargs:
            raise TypeError(f"{' '.join(methods)} {path}: auth comes from the permission")
        extra = dict(kwargs.pop("openapi_extra", None) or {})
        extra["x-permission"] = permission.value
        if acts_on is not None:
            extra["x-acts-on"] = acts_on.value
        # A body above DATA_UPLOAD_MAX_MEMORY_SIZE is refused before the operation runs.
        too_large = (413,) if set(methods) & {"POST", "PUT", "PATCH", "DELETE"} else ()
        extra["responses"] = {**openapi_problems(400, 401, 403, *too_large, *errors),
                              **extra.get("responses", {})}
        return super().api_operation(methods, path, auth=BearerToken(permission, acts_on),
                                     openapi_extra=extra, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.api_operation(["GET"], path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.api_operation(["POST"], path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.api_operation(["PUT"], path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.api_operation(["PATCH"], path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.api_operation(["DELETE"], path, **kwargs)
