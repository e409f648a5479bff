"""Every URL of the project declares who may use it, and each role gets the answer it should.

GOV.UK Notify's test_routes_have_permissions_decorators, for the whole project: a page
that forgets `@requires(...)`, `@signing_in` or `@public`, or an API operation that
names no permission, fails here rather than being open in production. And Notify's
second check: a route whose URL names a child, a review item or decision (children), or
a user declares that it acts on it (`acts_on=`), and, walked by every role, asks the
access policy about that very target before it answers.
"""

from __future__ import annotations

import re
from functools import partial

import pytest
from django.http import HttpResponse
from django.urls import get_resolver, path
from ninja import NinjaAPI, Router
from ninja.openapi.views import default_home, openapi_json

from accounts import AUTHORITY, make_user, raise_alert
from children_world import queue_a_pair
from contactpoint.access import authorise
from contactpoint.access.models import Organisation
from contactpoint.access.permissions import Permission, permissions_for_role
from contactpoint.access.policy import TargetKind
from contactpoint.access.tokens import create_own_token
from contactpoint.api.auth import ApiRouter, BearerToken, undeclared
from contactpoint.identity.models import PostcodeDistrict
from contactpoint.matching import review
from contactpoint.routes import declared_access, public
from contactpoint.web.access import requires
from databases import both_databases
from pagecheck import assert_good_page
from routes import ninja_path_view, url_patterns
from signing_in import ready_user, verified_client

#: ninja's own views, which it builds itself (no decorator can reach them): the OpenAPI
#: description is public on purpose (docs/api.md), and the API's root answers 404.
NINJA_PUBLIC = {openapi_json, default_home}


def undeclared_routes(patterns) -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    for route, callback in url_patterns(patterns):
        if isinstance(callback, partial) and callback.func in NINJA_PUBLIC:
            continue
        path_view = ninja_path_view(callback)
        if path_view is not None:
            for operation in path_view.operations:
                guards = operation.auth_callbacks
                if not (len(guards) == 1 and isinstance(guards[0], BearerToken)
                        and isinstance(guards[0].permission, Permission)):
                    found.append(f"{' '.join(operation.methods)} {route}")
            continue
        if declared_access(callback) is None:
            found.append(route)
    return found


#: A URL's parameters that name what a route acts on, and what it then declares.
TARGET_PARAMETERS = {"contactpoint_id": TargetKind.CHILD, "item_id": TargetKind.CHILDREN,
                     "decision": TargetKind.CHILDREN, "username": TargetKind.USER,
                     "alert_id": TargetKind.USER}


def named_targets(route: str) -> set[TargetKind]:
    """What a route's URL names: `<str:username>` (a page), `<int:item_id>` (the API's)."""
    return {TARGET_PARAMETERS[name] for name in re.findall(r"<(?:\w+:)?(\w+)>", route)
            if name in TARGET_PARAMETERS}


def unscoped_routes(patterns) -> list[str]:  # type: ignore[no-untyped-def]
    """Routes whose URL names a child, children or a user but that declare they act on
    something else, or on nothing."""
    found = []
    for route, callback in url_patterns(patterns):
        named = named_targets(route)
        if not named:
            continue
        path_view = ninja_path_view(callback)
        if path_view is not None:
            for operation in path_view.operations:
                guards = operation.auth_callbacks
                acts_on = getattr(guards[0], "acts_on", None) if guards else None
                if acts_on not in named:
                    found.append(f"{' '.join(operation.methods)} {route}")
            continue
        access = declared_access(callback)
        if access is None or access.kind != "permission" or access.acts_on not in named:
            found.append(route)
    return found


def test_every_route_that_acts_on_a_child_or_a_user_says_so():
    routes = [route for route, _ in url_patterns(get_resolver().url_patterns)
              if named_targets(route)]
    assert len(routes) >= 15, "the walk found too few routes naming a child or user"
    assert any(r.startswith("api/v1/") for r in routes)
    assert unscoped_routes(get_resolver().url_patterns) == []


def test_the_walk_finds_a_route_naming_a_child_or_user_that_declares_no_target():
    def view(request, **kwargs):
        return HttpResponse("")

    loose = NinjaAPI(urls_namespace="loose-walk", auth=undeclared, docs_url=None)
    router = ApiRouter()

    @router.get("/children/{contactpoint_id}", permission=Permission.CHILDREN_RECORD_VIEW)
    def unscoped(request, contactpoint_id: str):
        return {}

    @router.get("/users/{username}", permission=Permission.ACCOUNTS_MANAGE,
                acts_on=TargetKind.USER)
    def scoped(request, username: str):
        return {}

    loose.add_router("/", router)
    patterns = [
        path("a/<str:contactpoint_id>/", requires(Permission.CHILDREN_RECORD_VIEW)(view)),
        path("b/<str:contactpoint_id>/", requires(Permission.CHILDREN_RECORD_VIEW,
                                                  acts_on=TargetKind.CHILD)(view)),
        path("c/<str:username>/", requires(Permission.ACCOUNTS_MANAGE,
                                           acts_on=TargetKind.CHILD)(view)),
        path("d/<int:item_id>/", public(view)),
        path("loose/", loose.urls)]
    assert unscoped_routes(patterns) == ["a/<str:contactpoint_id>/", "c/<str:username>/",
                                         "d/<int:item_id>/",
                                         "GET loose/children/<contactpoint_id>"]


def test_requires_takes_only_a_target_kind():
    with pytest.raises(TypeError):
        requires(Permission.CHILDREN_RECORD_VIEW, acts_on="child")  # type: ignore[arg-type]


def test_every_url_of_the_project_declares_who_may_use_it():
    routes = [route for route, _ in url_patterns(get_resolver().url_patterns)]
    assert len(routes) > 20, "the walk found too few URLs: it is broken"
    assert any(r.startswith("api/v1/") for r in routes)
    assert "account/" in routes
    assert undeclared_routes(get_resolver().url_patterns) == []


def test_the_walk_finds_a_page_and_an_api_operation_that_declare_nothing():
    def forgotten(request):
        return HttpResponse("open to all")

    @public
    def fine(request):
        return HttpResponse("public on purpose")

    careless = NinjaAPI(urls_namespace="careless-walk", auth=undeclared, docs_url=None)
    plain = Router()

    @plain.get("/open")
    def wide_open(request):
        return {}

    guarded = ApiRouter()

    @guarded.get("/guarded", permission=Permission.AUDIT_READ)
    def checked(request):
        return {}

    careless.add_router("/a", plain)
    careless.add_router("/b", guarded)
    patterns = [path("forgotten/", forgotten), path("fine/", fine),
                path("guarded/", requires(Permission.AUDIT_READ)(forgotten)),
                path("careless/", careless.urls)]
    assert undeclared_routes(patterns) == ["forgotten/", "GET careless/a/open"]


def test_requires_takes_only_a_permission():
    with pytest.raises(TypeError):
        requires("accounts:manage")  # type: ignore[arg-type]


# -- every role against every page that needs a permission --------------------------------

#: Sample values for pages' parameters where no real one is needed (the page redirects
#: before looking anything up); the role walk uses real ones.
PLACEHOLDERS = {"contactpoint_id": "0000000000", "item_id": "1", "decision": "1",
                "prefix": "cp_000000000000", "alert_id": "1"}
#: Pages a role with the permission still may not use, and why.
#: (route, role) → status. Break glass is for child-protection practitioners only: the
#: walk's practitioners work in a school (tests/accounts.py).
NARROWER = {("children/<str:contactpoint_id>/break-glass/", "practitioner"): 403,
            ("children/<str:contactpoint_id>/break-glass/", "management_team"): 403,
            ("children/<str:contactpoint_id>/break-glass/", "national_admin"): 403}


def _sample_url(route: str, username: str, values: dict[str, str] | None = None) -> str:
    url = route.replace("<str:username>", username).replace("<slug:action>", "suspend")
    for name, value in (values or PLACEHOLDERS).items():
        url = re.sub(rf"<(str|int):{name}>", value, url)
    assert "<" not in url, f"no sample value for a parameter of {route}"
    return "/" + url


def permission_pages() -> list[tuple[str, Permission]]:
    pages = []
    for route, callback in url_patterns(get_resolver().url_patterns):
        access = declared_access(callback)
        if access is not None and access.kind == "permission":
            pages.append((route, access.permission))
    return pages


@both_databases
def test_someone_not_signed_in_is_sent_to_sign_in_from_every_page(client):
    pages = permission_pages()
    assert len(pages) >= 19
    for route, _permission in pages:
        url = _sample_url(route, "someone")
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/sign-in/?next={url}", url


@both_databases
def test_half_signed_in_is_sent_to_the_second_factor_from_every_page(client):
    user, _device = ready_user("national_admin")
    client.force_login(user)
    for route, _permission in permission_pages():
        response = client.get(_sample_url(route, user.username))
        assert response["Location"] == "/sign-in/second-factor/", route


@both_databases
@pytest.mark.parametrize("role", ["practitioner", "management_team", "national_admin", "auditor"])
def test_each_role_gets_each_page_or_the_403_page(role, tmp_path, keystore, monkeypatch):
    user, device = ready_user(role)
    # A real child, and a pair waiting in the review queue, in the user's authority.
    PostcodeDistrict.objects.create(district="LS1",
                                    authority=Organisation.objects.get(code=AUTHORITY))
    item = queue_a_pair(tmp_path)
    # A decision to undo (the undo form is only for a real one the person may undo).
    decided = review.defer(make_user("national_admin", username="walk.national"), item.pk,
                           "ask the school")
    # An API token of their own, to revoke (their own page, or their team's page for them).
    _token, own = create_own_token(user, name="Role walk")
    # A misuse alert about a colleague in the user's authority.
    alert = raise_alert(make_user("practitioner", username="walk.colleague"))
    values = {"contactpoint_id": item.candidate.contactpoint_id, "item_id": str(item.pk),
              "decision": str(decided.pk), "prefix": own.prefix, "alert_id": str(alert.pk)}
    client = verified_client(user, device)
    granted = permissions_for_role(role)
    # Pages that change a record come after a stated reason for the child, as in use.
    client.post(f"/children/{values['contactpoint_id']}/", {"reason": "assessment"})
    asked = _policy_questions(monkeypatch)
    for route, permission in permission_pages():
        asked.clear()
        response = client.get(_sample_url(route, user.username, values))
        expected = 200 if permission in granted else 403
        expected = NARROWER.get((route, role), expected)
        assert response.status_code == expected, (role, route, response.status_code)
        assert_good_page(response)  # the page, or the GOV.UK 403 page
        if response.status_code == 200 and named_targets(route):
            # Notify's second check, as it runs: the page asked about what it names.
            assert any(target is not None for _permission, target in asked), (role, route)


def _policy_questions(monkeypatch) -> list:  # type: ignore[no-untyped-def]
    """Every (permission, target) the access policy is asked from now on."""
    asked: list = []
    decide = authorise.decide

    def noted(actor, permission, target=None, **kwargs):  # type: ignore[no-untyped-def]
        asked.append((permission, target))
        return decide(actor, permission, target, **kwargs)

    monkeypatch.setattr(authorise, "decide", noted)
    return asked


@both_databases
def test_a_manager_gets_not_found_for_a_user_outside_their_authority():
    manager, device = ready_user("management_team")
    stranger = make_user("national_admin")  # in a national partner, outside the authority
    client = verified_client(manager, device)
    assert client.get(f"/manage/users/{stranger.username}/").status_code == 404
    assert client.get(f"/manage/users/{stranger.username}/suspend/").status_code == 404
    assert re.search("Page not found", client.get("/manage/users/nobody/").content.decode())


@both_databases
def test_a_page_the_access_policy_refuses_is_audited_once_naming_what_it_refused():
    from trail import entries, mark  # noqa: PLC0415

    user, device = ready_user("practitioner")
    client = verified_client(user, device)
    before = mark()
    assert client.get("/manage/users/").status_code == 403
    (entry,) = entries(after=before)
    assert entry["event"] == "request:refused"
    assert (entry["details"]["permission"], entry["details"]["ground"]) == (
        "accounts:manage", "permission")
    manager, device = ready_user("management_team")
    stranger = make_user("national_admin")  # outside the manager's authority
    before = mark()
    response = verified_client(manager, device).get(f"/manage/users/{stranger.username}/")
    assert response.status_code == 404
    (entry,) = entries(after=before)
    assert (entry["event"], entry["details"]["ground"]) == ("request:refused", "reach")
