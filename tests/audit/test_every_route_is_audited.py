"""Every page and API operation leaves the audit entry it should, in its own transaction.

The walk (tests/routes.py) finds every URL pattern of the project and every operation of
the API. CALLS says how each is called (who, with what) and which events that leaves in
the trail, in order: an empty list is a claim too (the page reveals and changes
nothing). A route the walk finds that CALLS does not name fails the first test, so a
page or operation added later cannot be left out of the trail by being forgotten.

Refusals leave `request:refused` (web/refusals.py), tried here for every route a role
may not use; an action whose entry cannot be written is not kept, and nothing is
answered unaudited. Everything runs on both engines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import orjson
import pytest
from django.test import Client
from django.urls import get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

import trail
from accounts import bearer, make_client, raise_alert
from children_world import LA, ready_person
from contactpoint.access import second_factors, services, set_up_links
from contactpoint.access.models import ApiToken, Organisation, User
from contactpoint.access.permissions import permissions_for_role
from contactpoint.access.tokens import create_own_token, create_token
from contactpoint.audit import hooks
from contactpoint.audit.models import Entry
from contactpoint.feeds.models import FeedLoad
from contactpoint.identity.models import Child, Involvement, PostcodeDistrict, SourceRecord
from contactpoint.identity.records import set_shield
from contactpoint.loading.loader import ingest_file
from contactpoint.matching.models import MatchAction, ReviewItem
from contactpoint.routes import declared_access
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl
from routes import ninja_path_view, url_patterns
from signing_in import STRONG_PASSWORD, fresh_code, secret_of, verified_client

pytestmark = both_databases
TODAY = date(2026, 11, 22)
NEW_PASSWORD = "marble-lantern-orchard-84"
IN_A_YEAR = date.today() + timedelta(days=365)


# -- the walk ------------------------------------------------------------------------------

def walked() -> tuple[set[str], set[tuple[str, str]]]:
    """(web routes, (method, route) of each API operation), from the URL configuration."""
    pages, operations = set(), set()
    for route, callback in url_patterns(get_resolver().url_patterns):
        path_view = ninja_path_view(callback)
        if path_view is None:
            pages.add(route)
        else:
            operations |= {(m, route) for op in path_view.operations for m in op.methods}
    return pages, operations


def fill(route: str, values: dict[str, Any]) -> str:
    """A route's pattern with its parameters filled in, as a path."""
    url = route.removeprefix("^")
    for name, value in values.items():
        url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
    assert "<" not in url, f"no value for a parameter of {route}"
    return "/" + url


# -- the scene -----------------------------------------------------------------------------

@dataclass
class Scene:
    """People (web clients and API tokens by name), children and pairs to act on."""

    users: dict[str, User] = field(default_factory=dict)
    devices: dict[str, TOTPDevice] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    children: dict[str, str] = field(default_factory=dict)
    pairs: list[int] = field(default_factory=list)
    link_secret: str = ""


def _person(scene: Scene, name: str, role: str = "practitioner", code: str = "URN:107654",
            kind: str = "school", *, signed_in: bool = True) -> None:
    scene.users[name], scene.devices[name] = ready_person(name, role, code, kind)
    scene.clients[name] = (verified_client(scene.users[name], scene.devices[name])
                           if signed_in else Client())


def _load(tmp_path, source: str, rows: list[dict[str, Any]]) -> None:
    path = write_jsonl(tmp_path / f"{source}-{len(list(tmp_path.iterdir()))}.jsonl", rows)
    ingest_file(source, path, today=TODAY)


def _child(source_id: str) -> str:
    return next(sr.child.contactpoint_id for sr in SourceRecord.objects.select_related("child")
                if _source_id(sr) == source_id)


def _source_id(record: SourceRecord) -> str:
    from contactpoint.crypto.keystore import get_keystore  # noqa: PLC0415
    from contactpoint.identity.store import open_payload  # noqa: PLC0415

    return open_payload(get_keystore(), record.child.contactpoint_id, record)["record"][
        "source_id"]


@pytest.fixture(autouse=True)
def _quick_passwords(settings):  # type: ignore[no-untyped-def]
    """A fast password hash: a dozen people are made for each test, and what is tried
    here is the trail, not Argon2 (which costs a quarter of a second a password)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def scene(tmp_path, keystore) -> Scene:
    scene = Scene()
    for name, role, code, kind in (
            ("teacher", "practitioner", "URN:107654", "school"),
            ("social", "practitioner", "SC:LEEDS", "social_care"),
            ("team", "management_team", LA, "local_authority"),
            ("auditor", "auditor", LA, "local_authority")):
        _person(scene, name, role, code, kind)
        scene.tokens[name] = create_token(user=name)
    for name in ("leaver", "suspendee", "holder", "linked"):
        _person(scene, name)
    for name in ("signer", "keyholder"):  # signing in through the pages
        _person(scene, name, signed_in=False)
    scene.clients["anon"] = Client()
    scene.clients["linker"] = Client()
    # A one-time password: the first sign-in asks for a new one, then an app.
    starter, _ = services.add_user(username="starter", org_code="URN:107654",
                                   role="practitioner")
    starter.set_password(STRONG_PASSWORD)
    starter.save()
    scene.users["starter"] = starter
    scene.clients["starter"] = Client()
    scene.clients["starter"].force_login(starter)
    response = scene.clients["keyholder"].post("/sign-in/", {
        "username": "keyholder", "password": STRONG_PASSWORD})
    assert response.status_code == 302
    make_client("census-feed", "school_census")
    scene.tokens["census-feed"] = create_token(client="census-feed")
    create_own_token(scene.users["holder"], name="Mosaic")
    scene.link_secret, _ = set_up_links.issue(scene.users["team"], "linked",
                                              reason="locked out after leave")

    PostcodeDistrict.objects.get_or_create(district="LS1",
                                           authority=Organisation.objects.get(code=LA))
    amara = nhs_number()
    _load(tmp_path, "school_census", [feed_row(
        source_id="S1", given_names="Amara", family_name="Okafor", date_of_birth="2015-04-02",
        identifiers={"nhs_number": amara})])
    nhs = [nhs_number() for _ in range(2)]
    _load(tmp_path, "nhs_demographics", [
        feed_row(source_id="A2", given_names="Amara", family_name="Okafor",
                 date_of_birth="2015-04-02", identifiers={"nhs_number": amara}),
        feed_row(source_id="K1", given_names="Kemi", family_name="Adeyemi",
                 date_of_birth="2012-02-02"),
        feed_row(source_id="T1", given_names="Tolu", family_name="Bankole",
                 date_of_birth="2013-07-19"),
        feed_row(source_id="N1", identifiers={"nhs_number": nhs[0]}),
        feed_row(source_id="N2", identifiers={"nhs_number": nhs[0]}),
        feed_row(source_id="M1", given_names="Zainab", family_name="Quayle",
                 date_of_birth="2011-01-05", identifiers={"nhs_number": nhs[1]}),
        feed_row(source_id="M2", given_names="Zainab", family_name="Quayle",
                 date_of_birth="2011-01-05", identifiers={"nhs_number": nhs[1]})])
    scene.children = {name: _child(source_id) for name, source_id in
                      (("amara", "S1"), ("kemi", "K1"), ("tolu", "T1"))}
    assert _child("A2") == scene.children["amara"], "the two records are one child"
    scene.pairs = list(ReviewItem.objects.order_by("pk").values_list("pk", flat=True))
    assert len(scene.pairs) == 2
    set_shield(scene.users["team"], scene.children["kemi"], shielded=True,
               reason="fleeing domestic abuse", review_on=TODAY + timedelta(days=3650))
    return scene


# -- the table -----------------------------------------------------------------------------

Values = Callable[[Scene], dict[str, Any]]


def _none(scene: Scene) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Call:
    """One request and the events it must leave, in order."""

    method: str
    route: str
    who: str
    events: tuple[str, ...]
    status: int = 200
    values: Values = _none
    data: Callable[[Scene], Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _child_of(name: str) -> Values:
    return lambda s: {"contactpoint_id": s.children[name]}


def _pair(i: int) -> Values:
    return lambda s: {"item_id": s.pairs[i]}


def _latest(kind: str) -> Values:
    return lambda s: {"decision": MatchAction.objects.filter(kind=kind).latest("pk").pk}


def _split_off(s: Scene) -> str:
    return MatchAction.objects.filter(kind="split").latest("pk").created.contactpoint_id


def _code(name: str) -> Callable[[Scene], dict[str, str]]:
    def code(s: Scene) -> dict[str, str]:
        user = s.users[name]
        device = second_factors.pending_app(user) or s.devices[name]
        device.refresh_from_db()
        return {"code": fresh_code(secret_of(device), device if device.confirmed else None)}
    return code


def _token_prefix(username: str, name: str) -> Values:
    def prefix(s: Scene) -> dict[str, Any]:
        token = ApiToken.objects.filter(user__username=username, name=name).latest("pk")
        return {"prefix": token.prefix}
    return prefix


def _alert_about(name: str, action: str | None = None) -> Values:
    """A misuse alert about `name` (raised once, as the rules raise one), and an action."""
    def alert(s: Scene) -> dict[str, Any]:
        from contactpoint.oversight.models import Alert  # noqa: PLC0415

        found = Alert.objects.filter(username=name).first() or raise_alert(s.users[name])
        return {"alert_id": found.pk, **({"action": action} if action else {})}
    return alert


def _reason(text: str) -> Callable[[Scene], dict[str, str]]:
    return lambda s: {"reason": text}


def _later(**fields: str) -> Callable[[Scene], dict[str, str]]:
    return lambda s: {**fields, "review_on_day": str(IN_A_YEAR.day),
                      "review_on_month": str(IN_A_YEAR.month),
                      "review_on_year": str(IN_A_YEAR.year)}


def _search(s: Scene) -> dict[str, str]:
    return {"family_name": "Okafor", "date_of_birth_day": "2", "date_of_birth_month": "4",
            "date_of_birth_year": "2015"}


def _new_password(s: Scene) -> dict[str, str]:
    return {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}


def _feed(s: Scene) -> bytes:
    return orjson.dumps(feed_row(source_id="F1", given_names="Farah", family_name="Lindqvist",
                                 date_of_birth="2016-06-06")) + b"\n"


IDEMPOTENT = {"Idempotency-Key": "0b6f5bfa-3d3c-4a55-8cf1-8d4d2f3f8a10"}
SIGN_IN, REVIEW = ("account:signin:password",), "matching:review:view"

#: Every route, in the order called (later calls build on earlier ones: a decision that
#: is then undone, a record split off then merged back).
CALLS: list[Call] = [
    # Anyone: pages that show nothing of anyone.
    Call("GET", "", "anon", ()),
    Call("GET", "signed-out/", "anon", ()),
    Call("GET", "sign-in/security-key/jsi18n/", "anon", ()),
    Call("GET", "api/v1/openapi.json", "anon", ()),
    Call("GET", "api/v1/", "anon", (), status=404),  # nobody known: not kept
    Call("GET", "^api/", "anon", (), status=404),
    Call("GET", "^api/", "teacher", ("request:refused",), status=404),  # a known caller's
    # Signing in: password, then the code; the first sign-in's new password and app.
    Call("GET", "sign-in/", "signer", ()),
    Call("POST", "sign-in/", "signer", SIGN_IN, status=302,
         data=lambda s: {"username": "signer", "password": STRONG_PASSWORD}),
    Call("GET", "sign-in/second-factor/", "signer", ()),
    Call("POST", "sign-in/second-factor/", "signer", ("account:signin:success",), status=302,
         data=_code("signer")),
    Call("GET", "sign-in/new-password/", "starter", ()),
    Call("POST", "sign-in/new-password/", "starter", ("account:password:change",),
         status=302, data=_new_password),
    Call("GET", "sign-in/set-up/app/", "starter", ()),
    Call("POST", "sign-in/set-up/app/", "starter",
         ("account:second-factor:add", "account:signin:success"), status=302,
         data=_code("starter")),
    Call("GET", "sign-in/set-up/security-key/", "starter", ()),
    # Security keys: a challenge changes nothing; a forged answer to one is refused as
    # unreadable (422: nothing changed). A forged answer at sign-in is a failed guess,
    # counted and kept (a refusal of a sign-in step, were it 401-429, would be kept too).
    # A real key's journey: tests/web/test_browser.py.
    Call("POST", "sign-in/security-key/registration/begin/", "starter", ()),
    Call("POST", "sign-in/security-key/registration/complete/", "starter", (), status=422,
         data=lambda s: {"id": "forged"}),
    Call("POST", "sign-in/security-key/authentication/begin/", "keyholder", ()),
    Call("POST", "sign-in/security-key/authentication/complete/", "keyholder",
         ("account:signin:failure",), status=422, data=lambda s: {"id": "forged"}),
    # A set-up link from the team: opened, then a new password.
    Call("GET", "sign-in/set-up/link/<str:secret>/", "linker", ("account:set-up-link:open",),
         status=302, values=lambda s: {"secret": s.link_secret}),
    Call("GET", "sign-in/set-up/password/", "linker", ()),
    Call("POST", "sign-in/set-up/password/", "linker", ("account:password:reset",),
         status=302, data=_new_password),
    Call("POST", "sign-out/", "leaver", ("account:signout",), status=302),
    # Finding a child, giving a reason, the record, an involvement.
    Call("GET", "children/search/", "teacher", ()),
    Call("POST", "children/search/", "teacher", ("child:search",), data=_search),
    Call("GET", "children/<str:contactpoint_id>/", "teacher", (), values=_child_of("amara")),
    Call("POST", "children/<str:contactpoint_id>/", "teacher", (), status=302,
         values=_child_of("amara"), data=_reason("education_welfare")),
    Call("GET", "children/<str:contactpoint_id>/", "teacher", ("child:record:view",),
         values=_child_of("amara")),
    Call("GET", "children/<str:contactpoint_id>/involvement/", "teacher", (),
         values=_child_of("amara")),
    Call("POST", "children/<str:contactpoint_id>/involvement/", "teacher",
         ("child:involvement:create",), status=302, values=_child_of("amara"),
         data=lambda s: {"service_type": "school", "phone": "0113 496 0123"}),
    Call("GET", "children/<str:contactpoint_id>/break-glass/", "social", (),
         values=_child_of("kemi")),
    Call("POST", "children/<str:contactpoint_id>/break-glass/", "social",
         ("child:record:view", "child:shield:break_glass"), values=_child_of("kemi"),
         data=lambda s: {"reason": "child_protection", "reason_detail": "at risk tonight"}),
    Call("GET", "children/<str:contactpoint_id>/shield/", "team", (), values=_child_of("tolu")),
    Call("POST", "children/<str:contactpoint_id>/shield/", "team", ("child:shield:set",),
         status=302, values=_child_of("tolu"), data=_later(reason="placed in refuge")),
    Call("POST", "children/<str:contactpoint_id>/shield/", "team", ("child:shield:lift",),
         status=302, values=_child_of("tolu"), data=_reason("moved on safely")),
    # Match review: the queue, a pair, a decision undone, a split merged back.
    Call("GET", "review/", "team", ("matching:review:list",)),
    Call("GET", "review/<int:item_id>/", "team", (REVIEW,), values=_pair(0)),
    Call("GET", "review/<int:item_id>/decide/", "team", (REVIEW,), values=_pair(0)),
    Call("POST", "review/<int:item_id>/decide/", "team", ("matching:decision:defer",),
         values=_pair(0), data=lambda s: {"decision": "defer", "reason": "ask the school"}),
    Call("GET", "review/decisions/<int:decision>/undo/", "team", (), values=_latest("defer")),
    Call("POST", "review/decisions/<int:decision>/undo/", "team", ("matching:decision:undo",),
         values=_latest("defer"), data=_reason("deferred by mistake")),
    Call("GET", "review/split/", "team", ()),
    Call("POST", "review/split/", "team", ("matching:decision:split",),
         data=lambda s: {"source": "nhs_demographics", "source_id": "A2",
                         "reason": "another child of the same name"}),
    Call("GET", "review/merge/", "team", ()),
    Call("POST", "review/merge/", "team", ("matching:decision:merge",),
         data=lambda s: {"keep": s.children["amara"], "gone": _split_off(s),
                         "reason": "the same child after all"}),
    Call("GET", "children/<str:contactpoint_id>/match-history/", "team",
         ("matching:history:view",), values=_child_of("amara")),
    # A subject access request answered (its download: tests/web/test_subject_access.py).
    Call("GET", "children/<str:contactpoint_id>/subject-access/", "team", (),
         values=_child_of("amara")),
    Call("POST", "children/<str:contactpoint_id>/subject-access/", "team",
         ("child:sar:request", "child:sar:export"), status=302, values=_child_of("amara"),
         data=lambda s: {"requester": "Ngozi Okafor", "relation": "parent",
                         "identity_check": "passport seen"}),
    # Your account and its API tokens.
    Call("GET", "account/", "teacher", ()),
    Call("GET", "account/api-tokens/new/", "teacher", ()),
    Call("POST", "account/api-tokens/new/", "teacher", ("account:token:create",),
         data=lambda s: {"name": "Case system"}),
    Call("GET", "account/api-tokens/<str:prefix>/revoke/", "teacher", (),
         values=_token_prefix("teacher", "Case system")),
    Call("POST", "account/api-tokens/<str:prefix>/revoke/", "teacher",
         ("account:token:revoke",), status=302,
         values=_token_prefix("teacher", "Case system")),
    # The management team's pages: lists of people are kept, organisations are not.
    Call("GET", "manage/users/", "team", ("account:user:list",)),
    Call("GET", "manage/add-user/", "team", ()),
    Call("POST", "manage/add-user/", "team", ("account:user:create",),
         data=lambda s: {"first_name": "Nia", "last_name": "Evans",
                         "email": "nia@example.org", "username": "nia.evans",
                         "organisation": "URN:107654", "role": "practitioner",
                         "reason": "new designated safeguarding lead"}),
    Call("GET", "manage/users/<str:username>/", "team", ("account:user:view",),
         values=lambda s: {"username": "suspendee"}),
    Call("GET", "manage/users/<str:username>/<slug:action>/", "team", (),
         values=lambda s: {"username": "suspendee", "action": "suspend"}),
    Call("POST", "manage/users/<str:username>/<slug:action>/", "team",
         ("account:user:suspend",), values=lambda s: {"username": "suspendee",
                                                     "action": "suspend"},
         data=_reason("left the school")),
    Call("GET", "manage/users/<str:username>/api-tokens/<str:prefix>/revoke/", "team", (),
         values=lambda s: {"username": "holder", **_token_prefix("holder", "Mosaic")(s)}),
    Call("POST", "manage/users/<str:username>/api-tokens/<str:prefix>/revoke/", "team",
         ("account:token:revoke",),
         values=lambda s: {"username": "holder", **_token_prefix("holder", "Mosaic")(s)},
         data=_reason("the system is retired")),
    Call("GET", "manage/organisations/", "team", ()),
    Call("GET", "manage/add-organisation/", "team", ()),
    Call("POST", "manage/add-organisation/", "team", ("account:organisation:create",),
         status=302, data=lambda s: {"name": "Hillside Nursery", "code": "URN:100777",
                                     "type": "early_years"}),
    Call("GET", "manage/contact/", "team", ()),
    # The trail itself: the auditor reads it, and reading it is kept.
    Call("GET", "activity/", "auditor", ("audit:activity:view",)),
    Call("GET", "activity/", "teacher", ("request:refused",), status=403),
    # Misuse alerts: reading them and every action on one is kept.
    Call("GET", "alerts/", "team", ("oversight:alerts:list",)),
    Call("GET", "alerts/<int:alert_id>/", "team", ("oversight:alert:view",),
         values=_alert_about("leaver")),
    Call("GET", "alerts/<int:alert_id>/<slug:action>/", "team", (),
         values=_alert_about("leaver", "close")),
    Call("POST", "alerts/<int:alert_id>/<slug:action>/", "team",
         ("oversight:alert:tell-manager",), values=_alert_about("leaver", "tell-manager"),
         data=lambda s: {"note": "told their head by phone"}),
    Call("POST", "alerts/<int:alert_id>/<slug:action>/", "team",
         ("account:user:suspend", "oversight:alert:suspend"),
         values=_alert_about("leaver", "suspend"), data=_reason("looked up a neighbour")),
    Call("POST", "alerts/<int:alert_id>/<slug:action>/", "team", ("oversight:alert:close",),
         values=_alert_about("leaver", "close"),
         data=lambda s: {"outcome": "misuse", "reason": "admitted it"}),
    Call("GET", "api/v1/alerts", "team", ("oversight:alerts:list",)),
    # A team's notifications: reading them and marking them read are kept.
    Call("GET", "notifications/", "social", ("notification:list:view",)),
    Call("POST", "notifications/", "social", ("notification:mark:read",), status=302,
         data=lambda s: {"all": "1"}),
    Call("GET", "notifications/", "auditor", ("request:refused",), status=403),
    Call("GET", "api/v1/notifications", "social", ("notification:list:view",)),
    Call("POST", "manage/contact/", "team", ("organisation:contact:update",), status=302,
         data=lambda s: {"phone": "0113 378 9000", "email": "team@leeds.example"}),
    # The API: a source system's feed, the practitioner's operations, match review.
    Call("POST", "api/v1/feeds/<source>", "census-feed", ("feeds:feed:load",),
         values=lambda s: {"source": "school_census"}, data=_feed),
    Call("GET", "api/v1/children", "teacher", ("child:search",),
         data=lambda s: {"family_name": "Okafor", "date_of_birth": "2015-04-02"}),
    Call("GET", "api/v1/children/<contactpoint_id>", "teacher", ("child:record:view",),
         values=_child_of("amara"), data=lambda s: {"reason": "assessment"}),
    Call("POST", "api/v1/children/<contactpoint_id>/involvements", "social",
         ("child:involvement:create",), status=201, values=_child_of("amara"),
         data=lambda s: {"service_type": "social_care", "phone": "0113 496 0555",
                         "reason": "assessment"}, headers=IDEMPOTENT),
    Call("POST", "api/v1/children/<contactpoint_id>/involvements", "social",
         ("child:involvement:replay",), status=201, values=_child_of("amara"),
         data=lambda s: {"service_type": "social_care", "phone": "0113 496 0555",
                         "reason": "assessment"}, headers=IDEMPOTENT),
    Call("PUT", "api/v1/children/<contactpoint_id>/shield", "team", ("child:shield:set",),
         values=_child_of("tolu"),
         data=lambda s: {"reason": "placed in refuge", "review_on": IN_A_YEAR.isoformat()}),
    Call("DELETE", "api/v1/children/<contactpoint_id>/shield", "team", ("child:shield:lift",),
         values=_child_of("tolu"), data=lambda s: {"reason": "moved on safely"}),
    Call("GET", "api/v1/review", "team", ("matching:review:list",)),
    Call("GET", "api/v1/review/<int:item_id>", "team", (REVIEW,), values=_pair(0)),
    Call("POST", "api/v1/review/<int:item_id>/defer", "team", ("matching:decision:defer",),
         values=_pair(0), data=_reason("ask the GP")),
    Call("POST", "api/v1/review/decisions/<int:decision>/undo", "team",
         ("matching:decision:undo",), values=_latest("defer"), data=_reason("GP answered")),
    Call("POST", "api/v1/review/<int:item_id>/keep-apart", "team",
         ("matching:decision:keep-apart",), values=_pair(0), data=_reason("twins")),
    Call("POST", "api/v1/review/<int:item_id>/link", "team", ("matching:decision:link",),
         values=_pair(1), data=_reason("the same child, a duplicate at source")),
    Call("POST", "api/v1/review/split", "team", ("matching:decision:split",),
         data=lambda s: {"source": "nhs_demographics", "source_id": "A2",
                         "reason": "another child of the same name"}),
    Call("POST", "api/v1/review/merge", "team", ("matching:decision:merge",),
         data=lambda s: {"keep": s.children["amara"], "gone": _split_off(s),
                         "reason": "the same child after all"}),
    Call("GET", "api/v1/children/<contactpoint_id>/match-history", "team",
         ("matching:history:view",), values=_child_of("amara")),
]


def _send(scene: Scene, call: Call) -> Any:
    url = fill(call.route, call.values(scene))
    if call.route == "^api/":
        url = "/api/no-such-operation"
    data = call.data(scene) if call.data is not None else None
    if call.route.startswith(("api/", "^api/")):
        headers = {**call.headers, **(bearer(scene.tokens[call.who])
                                      if call.who in scene.tokens else {})}
        if call.method == "GET":
            return Client().get(url, data, headers=headers)
        if isinstance(data, bytes):
            return Client().generic(call.method, url, data,
                                    content_type="application/x-ndjson", headers=headers)
        return Client().generic(call.method, url, orjson.dumps(data),
                                content_type="application/json", headers=headers)
    client = scene.clients[call.who]
    if call.method == "GET":
        return client.get(url, data)
    if call.route.startswith("sign-in/security-key/"):
        return client.post(url, data or {}, content_type="application/json")
    return client.post(url, data or {})


def test_every_route_is_in_the_table():
    pages, operations = walked()
    assert len(pages) > 30, "the walk found too few pages: it is broken"
    assert len(operations) > 10, "the walk found too few operations: it is broken"
    operation_routes = {route for _, route in operations}
    called_pages = {c.route for c in CALLS} - operation_routes
    called_operations = {(c.method, c.route) for c in CALLS if c.route in operation_routes}
    assert pages - called_pages == set(), "pages the table does not say the entries of"
    assert called_pages - pages == set(), "the table names pages that no longer exist"
    assert operations - called_operations == set(), "operations the table does not cover"
    assert called_operations - operations == set(), "the table names gone operations"


def test_each_route_leaves_the_entries_it_should(scene):
    for call in CALLS:
        start = trail.mark()
        response = _send(scene, call)
        where = f"{call.who} {call.method} {call.route}"
        assert response.status_code == call.status, (where, response.content[:300])
        assert tuple(trail.events(after=start)) == call.events, where
    # Each leaves it as who acted: the trail names people, not sessions.
    by_event = {(e["event"], e["actor"]) for e in trail.entries()}
    assert ("child:search", "teacher") in by_event
    assert ("feeds:feed:load", "client:census-feed") in by_event
    assert ("child:shield:break_glass", "social") in by_event
    assert ("account:password:reset", "linked") in by_event


# -- refusals ------------------------------------------------------------------------------

SAMPLE = {"contactpoint_id": "1234567890", "item_id": "7", "decision": "7",
          "username": "someone", "action": "suspend", "prefix": "cp_0000", "source": "x",
          "secret": "s3cret-link", "alert_id": "7"}


def _refused_as(permission: Any) -> str | None:
    """A role without this permission: an auditor, unless the auditor has it (None when
    both have it: one's own account, whose refusals CALLS and the test below try)."""
    return next((r for r in ("auditor", "practitioner")
                 if permission not in permissions_for_role(r)), None)


@pytest.fixture
def refused_people(keystore) -> dict[str, tuple[Client, dict[str, str]]]:
    people = {}
    for role, code, kind in (("auditor", LA, "local_authority"),
                             ("practitioner", "URN:107654", "school")):
        user, device = ready_person(role, role, code, kind)
        people[role] = (verified_client(user, device), bearer(create_token(user=role)))
    return people


def test_every_route_a_role_may_not_use_refuses_it_and_keeps_the_refusal(refused_people):
    refused = 0
    for route, callback in url_patterns(get_resolver().url_patterns):
        path_view = ninja_path_view(callback)
        if path_view is not None:
            for operation in path_view.operations:
                who = _refused_as(operation.auth_callbacks[0].permission)
                for method in operation.methods:
                    start = trail.mark()
                    response = Client().generic(method, fill(route, SAMPLE), b"{}",
                                                content_type="application/json",
                                                headers=refused_people[who][1])
                    _assert_refusal(start, response, who=who, method=method, route=route,
                                    status=403)
                    refused += 1
            continue
        access = declared_access(callback)
        if access is None or access.kind != "permission":
            continue  # anyone's pages, and sign-in steps: their refusals are tried below
        who = _refused_as(access.permission)
        if who is None:
            continue
        start = trail.mark()
        response = refused_people[who][0].get(fill(route, SAMPLE))
        _assert_refusal(start, response, who=who, method="GET", route=route, status=403)
        refused += 1
    assert refused > 30


def _assert_refusal(start: int, response: Any, *, who: str | None, method: str, route: str,
                    status: int) -> dict[str, Any]:
    assert response.status_code == status, (method, route, response.status_code)
    (entry,) = trail.entries(after=start)
    assert (entry["event"], entry["actor"]) == ("request:refused", who), (method, route)
    assert {k: entry["details"][k] for k in ("method", "route", "status")} == {
        "method": method, "route": route, "status": status}
    return entry


def test_refusals_keep_the_route_and_the_child_never_the_path_as_sent(scene):
    client, headers = Client(), bearer(scene.tokens["teacher"])
    # An id that could be a child's is readable in the entry: it says whom it was about.
    start = trail.mark()
    unknown = client.get("/api/v1/children/1234567890", {"reason": "assessment"},
                         headers=headers)
    entry = _assert_refusal(start, unknown, who="teacher", method="GET",
                            route="api/v1/children/<contactpoint_id>", status=404)
    assert (entry["subject"], entry["children"]) == ("1234567890", ["1234567890"])
    # A refused change keeps nothing of what the operation wrote, only the refusal.
    tolu, team = scene.children["tolu"], bearer(scene.tokens["team"])
    body = orjson.dumps({"reason": "fleeing", "review_on": IN_A_YEAR.isoformat()})
    assert client.put(f"/api/v1/children/{tolu}/shield", body,
                      content_type="application/json", headers=team).status_code == 200
    start = trail.mark()
    again = client.put(f"/api/v1/children/{tolu}/shield", body,
                       content_type="application/json", headers=team)
    _assert_refusal(start, again, who="team", method="PUT",
                    route="api/v1/children/<contactpoint_id>/shield", status=409)
    # A set-up link guessed wrong: the route, never the secret typed.
    start = trail.mark()
    guess = Client().get("/sign-in/set-up/link/guessed-secret-value/")
    entry = _assert_refusal(start, guess, who=None, method="GET",
                            route="sign-in/set-up/link/<str:secret>/", status=404)
    assert "guessed-secret-value" not in orjson.dumps(entry).decode()
    assert "guessed-secret-value" not in str(list(Entry.objects.values_list()))
    # Someone else's user, by a manager who does not manage them: the name typed is sealed.
    start = trail.mark()
    entry = _assert_refusal(start, scene.clients["team"].get("/manage/users/nobody.here/"),
                            who="team", method="GET", route="manage/users/<str:username>/",
                            status=404)
    assert entry["details"]["username"] == "nobody.here"
    assert "nobody.here" not in Entry.objects.get(pk=entry["id"]).details
    # A security key's challenge before the password.
    start = trail.mark()
    _assert_refusal(start, Client().post("/sign-in/security-key/authentication/begin/", {},
                                         content_type="application/json"),
                    who=None, method="POST", route="sign-in/security-key/authentication/begin/",
                    status=403)
    # A query string never reaches the trail.
    start = trail.mark()
    scene.clients["auditor"].get("/children/search/?family_name=Okafor")
    assert "Okafor" not in str(list(Entry.objects.filter(pk__gt=start).values_list()))


def test_a_locked_sign_in_keeps_the_lock_and_the_refusal(scene):
    from contactpoint.access import lockout  # noqa: PLC0415

    for _ in range(5):
        lockout.begin_attempt("signer", "127.0.0.1")
    start = trail.mark()
    response = Client().post("/sign-in/", {"username": "signer", "password": STRONG_PASSWORD})
    assert response.status_code == 429
    locked, refused = trail.entries(after=start)
    assert (locked["event"], locked["actor"]) == ("account:signin:locked", "signer")
    assert (refused["event"], refused["details"]["route"]) == ("request:refused", "sign-in/")


# -- an entry that cannot be written -------------------------------------------------------

@pytest.fixture
def no_trail(monkeypatch):
    """Every attempt to write an entry fails, as a full disk or a lost connection would
    (where the hook stores it: a model's save on SQLite, one statement on PostgreSQL)."""
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the audit trail cannot be written")

    monkeypatch.setattr(hooks, "_store", refuse)


def _answered_500(client: Client, method: str, url: str, data: Any = None,
                  **kwargs: Any) -> None:
    client.raise_request_exception = False
    if method == "GET":
        response = client.get(url, data, **kwargs)
    elif method == "POST" and not isinstance(data, bytes):
        response = client.post(url, data or {}, **kwargs)
    else:
        response = client.generic(method, url, data, **kwargs)
    assert response.status_code == 500, (method, url, response.status_code)


def test_an_action_whose_entry_cannot_be_written_is_not_kept(scene, no_trail):
    tolu = scene.children["tolu"]
    # A page: the shield is not set.
    _answered_500(scene.clients["team"], "POST", f"/children/{tolu}/shield/",
                  _later(reason="placed in refuge")(scene))
    # The API: neither the shield nor an involvement.
    team, social = bearer(scene.tokens["team"]), bearer(scene.tokens["social"])
    _answered_500(Client(), "PUT", f"/api/v1/children/{tolu}/shield",
                  orjson.dumps({"reason": "refuge", "review_on": IN_A_YEAR.isoformat()}),
                  content_type="application/json", headers=team)
    _answered_500(Client(), "POST", f"/api/v1/children/{tolu}/involvements",
                  orjson.dumps({"service_type": "social_care", "phone": "0113 496 0555",
                                "reason": "assessment"}),
                  content_type="application/json", headers=social)
    assert not Child.objects.get(contactpoint_id=tolu).shielded
    assert not Involvement.objects.exists()
    # A feed: nothing of it is loaded.
    loads, records = FeedLoad.objects.count(), SourceRecord.objects.count()
    _answered_500(Client(), "POST", "/api/v1/feeds/school_census", _feed(scene),
                  content_type="application/x-ndjson",
                  headers=bearer(scene.tokens["census-feed"]))
    assert (FeedLoad.objects.count(), SourceRecord.objects.count()) == (loads, records)
    # A decision: the pair still waits.
    _answered_500(scene.clients["team"], "POST", f"/review/{scene.pairs[1]}/decide/",
                  {"decision": "link", "reason": "the same child"})
    assert ReviewItem.objects.get(pk=scene.pairs[1]).status == "open"
    # The command line: the user is not added.
    from contactpoint.cli.main import main  # noqa: PLC0415

    with pytest.raises(RuntimeError, match="cannot be written"):
        main(["user", "add", "--username", "jo", "--org", "URN:107654",
              "--role", "practitioner", "--by", "ops.alex"])
    assert not User.objects.filter(username="jo").exists()


def test_nothing_is_answered_unaudited(scene, no_trail):
    """A search, a record and a refusal whose entries cannot be written are not answered."""
    teacher = scene.clients["teacher"]
    _answered_500(teacher, "POST", "/children/search/", _search(scene))
    _answered_500(Client(), "GET", "/api/v1/children/" + scene.children["amara"],
                  {"reason": "assessment"}, headers=bearer(scene.tokens["teacher"]))
    _answered_500(scene.clients["auditor"], "GET", "/children/search/")
    _answered_500(Client(), "GET", "/api/v1/children", headers=bearer(scene.tokens["auditor"]))
