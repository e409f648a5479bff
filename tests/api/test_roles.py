"""Every role against every API operation: allowed, 401, 403, or 404 for what it may not see.

The expected answer for each (role, operation) is written out here, by hand, from the
rules (access/permissions.py, access/visibility.py, matching/review.py): a change to who
may do what must change this table too.
"""

from __future__ import annotations

from datetime import date, timedelta

import orjson
import pytest

from accounts import bearer, make_client
from contactpoint.access import services
from contactpoint.access.models import Organisation
from contactpoint.access.tokens import create_token
from contactpoint.identity.models import Child, PostcodeDistrict
from contactpoint.loading.loader import ingest_file
from contactpoint.matching.models import ReviewItem
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl

pytestmark = both_databases
LA, OTHER_LA = "E08000035", "E08000036"
ROLES = ("practitioner", "management_team", "other_team", "national_admin", "auditor",
         "client", "nobody")


@pytest.fixture
def world(tmp_path, keystore):
    services.add_organisation(code=LA, name="Leeds", type="local_authority")
    services.add_organisation(code=OTHER_LA, name="Wakefield", type="local_authority")
    services.add_organisation(code="SC:1", name="Leeds social care", type="social_care",
                              authority=LA)
    services.add_organisation(code="NP:1", name="National team", type="national_partner")
    PostcodeDistrict.objects.create(district="LS1",
                                    authority=Organisation.objects.get(code=LA))
    users = {"practitioner": ("SC:1", "practitioner"), "management_team": (LA, "management_team"),
             "other_team": (OTHER_LA, "management_team"),
             "national_admin": ("NP:1", "national_admin"), "auditor": (LA, "auditor")}
    tokens = {}
    for name, (org, role) in users.items():
        services.add_user(username=name, org_code=org, role=role)
        tokens[name] = bearer(create_token(user=name))
    make_client("census-feed", "school_census")
    tokens["client"] = bearer(create_token(client="census-feed"))
    tokens["nobody"] = {}
    nhs = nhs_number()
    ingest_file("nhs_demographics", write_jsonl(tmp_path / "n.jsonl", [
        feed_row(source_id="N1", identifiers={"nhs_number": nhs}),
        feed_row(source_id="N2", identifiers={"nhs_number": nhs})]), today=date(2026, 11, 22))
    item = ReviewItem.objects.get()
    return {"tokens": tokens, "child": item.candidate.contactpoint_id, "item": item.pk}


def operations(world):
    child, item = world["child"], world["item"]
    review_on = (date.today() + timedelta(days=30)).isoformat()
    return {
        "search": ("get", "/children?family_name=Testerton&date_of_birth=2014-03-09", None),
        "open": ("get", f"/children/{child}?reason=assessment", None),
        "involve": ("post", f"/children/{child}/involvements",
                    {"reason": "assessment", "service_type": "social_care",
                     "phone": "0113 496 0100"}),
        "shield": ("put", f"/children/{child}/shield",
                   {"reason": "protection", "review_on": review_on}),
        "queue": ("get", "/review", None),
        "pair": ("get", f"/review/{item}", None),
        "history": ("get", f"/children/{child}/match-history", None),
        "defer": ("post", f"/review/{item}/defer", {"reason": "checking"}),
        "feed": ("post", "/feeds/school_census", None),
        "notifications": ("get", "/notifications", None),
    }


#: What each role gets from each operation. 404: the child or item is outside what the
#: role may see (another authority's team), answered as if it did not exist.
EXPECTED = {
    "practitioner":    {"search": 200, "open": 200, "involve": 201, "shield": 403,
                        "queue": 403, "pair": 403, "history": 403, "defer": 403, "feed": 403,
                        "notifications": 200},
    "management_team": {"search": 200, "open": 200, "involve": 201, "shield": 200,
                        "queue": 200, "pair": 200, "history": 200, "defer": 200, "feed": 403,
                        "notifications": 200},
    "other_team":      {"search": 200, "open": 200, "involve": 201, "shield": 403,
                        "queue": 200, "pair": 404, "history": 404, "defer": 404, "feed": 403,
                        "notifications": 200},
    "national_admin":  {"search": 200, "open": 200, "involve": 201, "shield": 200,
                        "queue": 200, "pair": 200, "history": 200, "defer": 200, "feed": 403,
                        "notifications": 200},
    "auditor":         {"search": 403, "open": 403, "involve": 403, "shield": 403,
                        "queue": 403, "pair": 403, "history": 403, "defer": 403, "feed": 403,
                        "notifications": 403},
    "client":          {"search": 403, "open": 403, "involve": 403, "shield": 403,
                        "queue": 403, "pair": 403, "history": 403, "defer": 403, "feed": 200,
                        "notifications": 403},
    "nobody":          dict.fromkeys(("search", "open", "involve", "shield", "queue", "pair",
                                      "history", "defer", "feed", "notifications"),
                                     401),
}


#: The permission each operation in the table needs (as the API declares it).
NEEDS = {"search": "children:search", "open": "children:record:view",
         "involve": "children:involvement:create", "shield": "children:shield:manage",
         "queue": "matching:review:read", "pair": "matching:review:read",
         "history": "matching:review:read", "defer": "matching:review:decide",
         "feed": "feeds:load", "notifications": "notifications:read"}


def test_the_table_covers_every_permission_the_api_uses():
    """A new operation needing a permission no row exercises fails here: add a row."""
    from test_routes import operations as served  # noqa: PLC0415

    from contactpoint.api.v1 import api  # noqa: PLC0415

    declared = {op.auth_callbacks[0].permission.value for _, _, op in served(api)}
    assert declared == set(NEEDS.values())
    assert all(set(row) == set(NEEDS) for row in EXPECTED.values())


@pytest.mark.parametrize("role", ROLES)
def test_each_role_against_each_operation(client, world, role):
    headers = world["tokens"][role]
    answers = {}
    for name, (method, path, body) in operations(world).items():
        kwargs = {"headers": headers}
        if name == "feed":
            kwargs.update(data=orjson.dumps(feed_row()) + b"\n",
                          content_type="application/x-ndjson")
        elif body is not None:
            kwargs.update(data=orjson.dumps(body), content_type="application/json")
        response = getattr(client, method)(f"/api/v1{path}", **kwargs)
        answers[name] = response.status_code
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/problem+json", (name, role)
        if name == "shield" and response.status_code == 200:  # leave the child as it was
            Child.objects.filter(contactpoint_id=world["child"]).update(shielded=False)
    assert answers == EXPECTED[role]
