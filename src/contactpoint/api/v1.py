"""The version 1 API: its operations, its authentication and its errors, in one object.

Interactive docs (Swagger UI) are off: they need inline script, which the Content
Security Policy rightly forbids, and the OpenAPI document at /api/v1/openapi.json
serves any tool that wants to draw them.
"""

from __future__ import annotations

from ninja import NinjaAPI

from contactpoint.api import alerts, children, feeds, notifications, problems, review
from contactpoint.api.auth import undeclared

api = NinjaAPI(
    title="ContactPoint API",
    version="1",
    description=("Who else is working with this child, and how do I reach them? "
                 "Every operation needs a bearer token and names the permission it needs "
                 "(`x-permission`); errors are application/problem+json. See docs/api.md."),
    urls_namespace="api-v1",
    docs_url=None,
    auth=undeclared,
)
problems.install(api)
api.add_router("/", feeds.router)
api.add_router("/", review.router)
api.add_router("/", children.router)
api.add_router("/", alerts.router)
api.add_router("/", notifications.router)
