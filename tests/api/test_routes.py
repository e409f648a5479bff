"""Every operation names the one permission it needs; the OpenAPI document lists them.

GOV.UK Notify's test_routes_have_permissions_decorators, for the API: a new operation
that forgets its permission fails here, not in production (where the API's default
auth refuses it to everyone anyway).
"""

from __future__ import annotations

import re

import orjson
import pytest
from ninja import NinjaAPI, Router

from contactpoint.access.permissions import Permission
from contactpoint.access.policy import TargetKind
from contactpoint.api.auth import ApiRouter, BearerToken, undeclared
from contactpoint.api.v1 import api
from databases import both_databases
from routes import operations


def undeclared_operations(ninja_api: NinjaAPI) -> list[str]:
    """Operations not guarded by exactly one BearerToken naming a Permission."""
    found = []
    for methods, path, operation in operations(ninja_api):
        guards = operation.auth_callbacks
        if not (len(guards) == 1 and isinstance(guards[0], BearerToken)
                and isinstance(guards[0].permission, Permission)):
            found.append(f"{' '.join(methods)} {path}")
    return found


#: A path's parameters that name what an operation acts on, and what it then declares.
TARGET_PARAMETERS = {"contactpoint_id": TargetKind.CHILD, "item_id": TargetKind.CHILDREN,
                     "decision": TargetKind.CHILDREN, "username": TargetKind.USER}


def unscoped_operations(ninja_api: NinjaAPI) -> list[str]:
    """Operations whose path names a child, children or a user without declaring that
    they act on it (`acts_on=`): their service must ask the policy about that target."""
    found = []
    for methods, path, operation in operations(ninja_api):
        named = {TARGET_PARAMETERS[name] for name in re.findall(r"\{(?:\w+:)?(\w+)\}", path)
                 if name in TARGET_PARAMETERS}
        guards = operation.auth_callbacks
        acts_on = guards[0].acts_on if guards and isinstance(guards[0], BearerToken) else None
        if named and acts_on not in named:
            found.append(f"{' '.join(methods)} {path}")
    return found


def test_every_operation_on_a_child_or_a_user_declares_it():
    named = [p for _m, p, _o in operations(api) if "{" in p]
    assert len(named) >= 8, "the walk found too few operations naming a child: it is broken"
    assert unscoped_operations(api) == []


def test_the_walk_finds_an_operation_on_a_child_that_does_not_say_so():
    loose = NinjaAPI(urls_namespace="loose", auth=undeclared)
    router = ApiRouter()

    @router.get("/children/{contactpoint_id}", permission=Permission.CHILDREN_RECORD_VIEW)
    def unscoped(request, contactpoint_id: str):
        return {}

    @router.post("/review/{int:item_id}/link", permission=Permission.MATCHING_REVIEW_DECIDE,
                 acts_on=TargetKind.CHILD)
    def wrong(request, item_id: int):
        return {}

    @router.get("/children/{contactpoint_id}/history",
                permission=Permission.MATCHING_REVIEW_READ, acts_on=TargetKind.CHILD)
    def fine(request, contactpoint_id: str):
        return {}

    loose.add_router("/", router)
    assert unscoped_operations(loose) == ["GET //children/{contactpoint_id}",
                                          "POST //review/{int:item_id}/link"]
    with pytest.raises(TypeError, match="TargetKind"):
        router.get("/x/{username}", permission=Permission.ACCOUNTS_MANAGE, acts_on="user")


def test_every_operation_declares_one_permission():
    assert list(operations(api)), "no operations found: the walk is broken"
    assert undeclared_operations(api) == []


def test_the_walk_finds_an_operation_without_a_permission():
    """The check above can fail: an operation added through a plain router is caught."""
    careless = NinjaAPI(urls_namespace="careless", auth=undeclared)
    plain = Router()

    @plain.get("/open")
    def wide_open(request):
        return {}

    guarded = ApiRouter()

    @guarded.get("/guarded", permission=Permission.AUDIT_READ)
    def fine(request):
        return {}

    no_auth = Router()

    @no_auth.get("/no-auth", auth=None)
    def explicit_none(request):
        return {}

    careless.add_router("/a", plain)
    careless.add_router("/b", guarded)
    careless.add_router("/c", no_auth)
    assert undeclared_operations(careless) == ["GET /a/open", "GET /c/no-auth"]


def test_an_api_router_will_not_take_an_operation_without_a_permission():
    router = ApiRouter()
    with pytest.raises(TypeError, match="names the Permission"):
        router.get("/x")
    with pytest.raises(TypeError, match="names the Permission"):
        router.post("/x", permission="feeds:load")  # a string, not the enum
    with pytest.raises(TypeError, match="auth comes from the permission"):
        router.put("/x", permission=Permission.FEEDS_LOAD, auth=None)


@both_databases
def test_an_operation_without_a_permission_is_refused_to_everyone():
    """The API's default auth: fail closed, whatever token is sent."""
    from django.test import RequestFactory  # noqa: PLC0415

    from contactpoint.errors import Forbidden  # noqa: PLC0415

    with pytest.raises(Forbidden):
        undeclared(RequestFactory().get("/api/v1/x"))


@both_databases
def test_openapi_document_lists_every_operation_with_its_permission(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = orjson.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "ContactPoint API"
    # A path converter ({int:item_id}) is Django's business; OpenAPI shows {item_id}.
    served = {(m.lower(), "/api/v1/" + re.sub(r"\{\w+:", "{", p.lstrip("/")))
              for ms, p, _ in operations(api) for m in ms}
    listed = {(method, path) for path, item in document["paths"].items() for method in item}
    assert served == listed
    feed = document["paths"]["/api/v1/feeds/{source}"]["post"]
    assert feed["x-permission"] == "feeds:load"
    assert "x-acts-on" not in feed
    opened = document["paths"]["/api/v1/children/{contactpoint_id}"]["get"]
    assert opened["x-acts-on"] == "child"
    assert feed["security"] == [{"BearerToken": []}]
    assert document["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http", "scheme": "bearer"}
    for status in ("400", "401", "403", "413", "415"):
        assert "application/problem+json" in orjson.loads(orjson.dumps(feed["responses"]))[
            status]["content"], status
    assert "application/x-ndjson" in feed["requestBody"]["content"]


@both_databases
def test_no_interactive_docs_page(client):
    """Swagger UI needs inline script, which the CSP forbids: it is not served."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_every_operation_lists_the_errors_every_operation_can_answer(client):
    """Any input can be refused (400), any caller unknown (401) or not allowed (403), and
    any body too large (413): each operation says so."""
    document = orjson.loads(client.get("/api/v1/openapi.json").content)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            expected = {"400", "401", "403"} | ({"413"} if method != "get" else set())
            assert expected <= set(operation["responses"]), (method, path)


@both_databases
def test_a_refusal_by_the_access_policy_is_audited_once_naming_what_it_refused(
        client, user_token):
    """web/refusals.py writes the one entry; the policy's permission and ground are in it."""
    from trail import entries, mark  # noqa: PLC0415

    token = user_token("practitioner")
    before = mark()
    response = client.get("/api/v1/review", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    (entry,) = entries(after=before)
    assert entry["event"] == "request:refused"
    assert entry["details"] == {"method": "GET", "route": "api/v1/review", "status": 403,
                                "permission": "matching:review:read", "ground": "permission"}
