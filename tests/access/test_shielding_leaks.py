"""Shielding tried as an attacker would: every route, every role, every search.

A shielded child who moved across authorities and changed name (with several services,
a lead professional from a feed and a record waiting in match review), and a child with
a sensitive service that leads. Each person who should see only the shielded view, or
no provider of the sensitive service, calls every page and every API operation,
walked from the URL configuration (a route added later is walked too), with every
search combination on current and former names and old and new postcodes, and the
error paths. No response body or header may carry a hidden value; answers to
questions whose difference is itself hidden (is there a lead? does this record exist
in another authority?) must be the same.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import orjson
import pytest
from django.test import Client
from django.urls import get_resolver

from accounts import bearer
from children_world import ready_person
from contactpoint.access import services
from contactpoint.access.models import Organisation
from contactpoint.access.tokens import create_token
from contactpoint.api.v1 import api
from contactpoint.identity import team_contact
from contactpoint.identity.models import Child, PostcodeDistrict
from contactpoint.identity.records import set_shield
from contactpoint.loading.loader import ingest_file
from contactpoint.matching.models import ReviewItem
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl
from routes import operations, url_patterns
from signing_in import verified_client

pytestmark = both_databases
TODAY = date(2026, 11, 22)
LEEDS, KENT, BIRMINGHAM, WAKEFIELD = "E08000035", "E10000016", "E08000025", "E08000036"

#: Everything about the shielded child that its shielded view does not show, and the
#: sensitive provider of the other child. None of it may reach the people below.
HIDDEN = [
    "Bello",                        # its former family name (and the name it was found by)
    "Daniel",                       # a carer the shielded view does not show
    "Mill Lane", "LS1 4AP", "LS1",  # where it lived
    "Orchard Way", "Maidstone", "ME14 1XX", "ME14",  # where it lives now
    "Kent",                         # the authority worked out from its hidden postcode
    "01622 000 111",                # Kent's team's phone: it would name Kent too
    "Park Primary", "URN:300111",   # its school
    "Hillside Surgery", "ODS:B1",   # its GP
    "Kent Children", "SC:KENT",     # the social care team that leads
    "0113 496 0100", "0113 496 0001", "01622 496 0002",  # phones of carers and services
    "Birmingham CAMHS", "ODS:RXT", "Dr Pat Jones", "0121 496 0999",  # a sensitive lead
]

#: Who should see only the shielded view of the child (and never the sensitive
#: provider): (role, organisation code, organisation type, its authority).
ATTACKERS = {
    "teacher": ("practitioner", "URN:B100", "school", BIRMINGHAM),
    "gp": ("practitioner", "ODS:M85001", "gp_practice", BIRMINGHAM),
    "social": ("practitioner", "SC:BHAM", "social_care", BIRMINGHAM),  # may break glass
    "wakefield": ("management_team", WAKEFIELD, "local_authority", None),
    "auditor": ("auditor", BIRMINGHAM, "local_authority", None),
}


def _organisation(code: str, name: str, kind: str) -> None:
    services.add_organisation(code=code, name=name, type=kind)


def _amara(**overrides):  # type: ignore[no-untyped-def]
    return feed_row(**{"given_names": "Amara", "date_of_birth": "2015-04-02",
                       "gender": "female", **overrides})


@pytest.fixture
def scene(tmp_path, keystore):  # type: ignore[no-untyped-def]
    authorities = ((LEEDS, "Leeds City Council"), (KENT, "Kent County Council"),
                   (BIRMINGHAM, "Birmingham City Council"), (WAKEFIELD, "Wakefield Council"))
    for code, name in authorities:
        _organisation(code, name, "local_authority")
    for district, code in (("LS1", LEEDS), ("ME14", KENT), ("B1", BIRMINGHAM)):
        PostcodeDistrict.objects.create(district=district,
                                        authority=Organisation.objects.get(code=code))
    people, devices = {}, {}
    for username, (role, code, kind, authority) in ATTACKERS.items():
        people[username], devices[username] = ready_person(username, role, code, kind,
                                                           authority=authority or LEEDS)
    leeds_team, _ = ready_person("leeds.team", "management_team", LEEDS, "local_authority")
    kent_team, kent_device = ready_person("kent.team", "management_team", KENT,
                                          "local_authority")
    for code, name in authorities:  # named again: adding their people named them afresh
        _organisation(code, name, "local_authority")
    assert Organisation.objects.get(code=KENT).name == "Kent County Council"
    team_contact.set_team_contact(leeds_team, phone="0113 378 9000", email="mash@leeds.example")
    team_contact.set_team_contact(kent_team, phone="01622 000 111", email="team@kent.example")

    nhs = nhs_number()
    carers = [{"given_names": "Ngozi", "family_name": "Bello", "relationship": "mother",
               "phone": "0113 496 0100"},
              {"given_names": "Daniel", "family_name": "Bello", "relationship": "father"}]
    load = iter(itertools.count())

    def ingest(source, rows):  # type: ignore[no-untyped-def]
        path = write_jsonl(tmp_path / f"{source}-{next(load)}.jsonl", rows)
        return ingest_file(source, path, today=TODAY)

    # In Leeds, as Amara Bello: her school and GP.
    ingest("school_census", [_amara(
        source_id="S1", family_name="Bello", recorded_at="2026-01-10T09:00:00Z",
        identifiers={"nhs_number": nhs},
        address={"lines": ["3 Mill Lane"], "town": "Leeds", "postcode": "LS1 4AP"},
        carers=carers,
        services=[{"type": "school", "organisation": "Park Primary School",
                   "organisation_code": "URN:300111", "phone": "0113 496 0001",
                   "start_date": "2019-09-01"},
                  {"type": "gp", "organisation": "Hillside Surgery",
                   "organisation_code": "ODS:B1", "start_date": "2015-05-01"}])])
    child = Child.objects.get()
    set_shield(leeds_team, child.contactpoint_id, shielded=True,
               reason="fleeing domestic abuse", review_on=TODAY + timedelta(days=3650))
    # Then moved to Kent and renamed Okafor; Kent's social care leads.
    ingest("social_care", [_amara(
        source_id="SC1", family_name="Okafor", former_family_names=["Bello"],
        recorded_at="2026-06-01T09:00:00Z", identifiers={"nhs_number": nhs},
        address={"lines": ["7 Orchard Way"], "town": "Maidstone", "postcode": "ME14 1XX"},
        carers=[{"given_names": "Ngozi", "family_name": "Okafor", "relationship": "mother"}],
        services=[{"type": "social_care", "organisation": "Kent Children's Services",
                   "organisation_code": "SC:KENT", "phone": "01622 496 0002",
                   "lead_professional": True, "start_date": "2026-06-01"}])])
    # And a record that may be hers waits in match review.
    ingest("social_care", [_amara(source_id="SC2", given_names="Amarah",
                                  family_name="Okafor", identifiers={"nhs_number": nhs})])
    child.refresh_from_db()
    assert Child.objects.filter(pk=child.pk, shielded=True).exists()
    assert child.local_authority.code == KENT  # the hidden fact the broker must not give away
    item = ReviewItem.objects.get(candidate=child)

    # A child in Birmingham whose lead is a sensitive service.
    ingest("nhs_demographics", [feed_row(
        source_id="T1", given_names="Tolu", family_name="Adebayo", date_of_birth="2013-07-19",
        address={"lines": ["1 New Street"], "town": "Birmingham", "postcode": "B1 1AA"},
        services=[{"type": "camhs", "organisation": "Birmingham CAMHS",
                   "organisation_code": "ODS:RXT", "practitioner": "Dr Pat Jones",
                   "phone": "0121 496 0999", "consent": "young_person",
                   "lead_professional": True}])])
    # A shielded child nobody leads, to ask the same questions of.
    ingest("nhs_demographics", [feed_row(source_id="K1", given_names="Kemi",
                                         family_name="Ade", date_of_birth="2012-02-02",
                                         address={"lines": ["2 Park Row"], "town": "Leeds",
                                                  "postcode": "LS1 5AB"})])
    control = Child.objects.get(shielded=False, local_authority__code=LEEDS)
    set_shield(leeds_team, control.contactpoint_id, shielded=True, reason="adoption",
               review_on=TODAY + timedelta(days=3650))
    tolu = Child.objects.get(local_authority__code=BIRMINGHAM).contactpoint_id
    # Kent's team is no attacker (Amara lives in Kent: it sees her record when it asks for
    # it by ID), but the Activity page must not tell it so unasked (test below).
    people["kent.team"], devices["kent.team"] = kent_team, kent_device
    return {"amara": child.contactpoint_id, "tolu": tolu, "control": control.contactpoint_id,
            "item": item.pk, "people": people, "devices": devices}


def assert_nothing_hidden(response, what: str, sent=()) -> None:  # type: ignore[no-untyped-def]
    """No hidden value in the body or a header, bar what the caller typed itself (a form
    shows the search it was sent: a searched former name is the searcher's own)."""
    assert response.status_code < 500, (what, response.status_code)
    seen = response.content.decode(errors="replace") + " ".join(
        f"{k}: {v}" for k, v in response.items())
    for secret in HIDDEN:
        if not any(secret in str(value) for value in sent):
            # Whole words only: a nonce or a token may hold "LS1" by chance.
            found = re.search(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", seen)
            assert found is None, (what, secret, seen[max(0, found.start() - 80):found.end()
                                                      + 80])


# -- the web pages -------------------------------------------------------------------------

def _web_routes() -> list[str]:
    return [route for route, _ in url_patterns(get_resolver().url_patterns)
            if not route.startswith(("api/", "static/"))]


def _fill(route: str, values: dict[str, str]) -> str | None:
    url = route
    for name, value in values.items():
        url = re.sub(rf"<(str|int|slug):{name}>", value, url)
    return None if "<" in url else "/" + url


#: What a person might send to any form: enough of everything that each form's own
#: fields are filled (a reason, a lead claim, a search, a split of the child's record).
FORM = {"reason": "assessment", "reason_detail": "checking", "service_type": "social_care",
        "practitioner": "Sam", "phone": "0121 496 0000", "lead_professional": "on",
        "caf": "on", "given_name": "Amara", "family_name": "Okafor",
        "date_of_birth_day": "2", "date_of_birth_month": "4", "date_of_birth_year": "2015",
        "postcode": "B1 1AA", "gender": "female", "source": "social_care",
        "source_id": "SC1", "start": "1", "decision": "link", "keep": "", "gone": ""}


@pytest.mark.parametrize("who", list(ATTACKERS))
def test_no_page_gives_away_a_shielded_child_or_a_sensitive_provider(scene, who):
    client = verified_client(scene["people"][who], scene["devices"][who])
    for child in ("amara", "tolu", "control"):
        client.post(f"/children/{scene[child]}/", {"reason": "assessment"})
    routes = _web_routes()
    assert "children/<str:contactpoint_id>/involvement/" in routes  # the walk found pages
    samples = [{"contactpoint_id": scene[c], "item_id": str(scene["item"]), "decision": "1",
                "username": who, "action": "suspend", "secret": "x"}
               for c in ("amara", "tolu", "control")]
    samples.append({**samples[0], "contactpoint_id": "0000000000", "item_id": "999999"})
    walked = 0
    for route, values in itertools.product(routes, samples):
        url = _fill(route, values)
        if url is None or url.startswith("/sign-out"):
            continue
        assert_nothing_hidden(client.get(url), f"{who} GET {url}")
        if "break-glass" in url and who == "social":
            continue  # breaking the glass reveals the record by design (tested below)
        assert_nothing_hidden(client.post(url, FORM), f"{who} POST {url}")
        walked += 1
    assert walked > 60


def test_breaking_the_glass_reveals_only_to_whom_may_and_only_that_once(scene):
    social = verified_client(scene["people"]["social"], scene["devices"]["social"])
    url = f"/children/{scene['amara']}/break-glass/"
    shown = social.post(url, {"reason": "child_protection", "reason_detail": "at risk now"})
    assert "ME14 1XX" in shown.content.decode()
    assert_nothing_hidden(social.get(f"/children/{scene['amara']}/"), "after the glass")
    teacher = verified_client(scene["people"]["teacher"], scene["devices"]["teacher"])
    assert_nothing_hidden(teacher.post(url, {"reason": "child_protection",
                                             "reason_detail": "at risk now"}), "teacher")


def test_the_activity_page_does_not_tell_where_a_shielded_child_lives(scene):
    """The trail lists who looked at a child to the child's own team; behind a shield that
    is the team that shielded it, never the one its hidden address falls in."""
    people, devices = scene["people"], scene["devices"]
    teacher = verified_client(people["teacher"], devices["teacher"])
    for child in ("amara", "control", "tolu"):
        teacher.post(f"/children/{scene[child]}/", {"reason": "assessment"})
        assert teacher.get(f"/children/{scene[child]}/").status_code == 200
    queries = [{}, {"event": "child:"}, *({"child": scene[c]} for c in
                                          ("amara", "control", "tolu"))]
    for who in ("wakefield", "auditor"):
        client = verified_client(people[who], devices[who])
        for query in queries:
            response = client.get("/activity/", query)
            assert response.status_code == 200, (who, query)
            assert_nothing_hidden(response, f"{who} activity {query}")
    kent = verified_client(people["kent.team"], devices["kent.team"])
    assert scene["amara"] not in kent.get("/activity/").content.decode()
    _same(kent.get("/activity/", {"child": scene["amara"]}),
          kent.get("/activity/", {"child": scene["control"]}),
          (scene["amara"], scene["control"]))


# -- the API -------------------------------------------------------------------------------

def _api_calls(scene, child: str):  # type: ignore[no-untyped-def]
    """(method, url) for every API operation, its parameters filled for `child`."""
    values = {"contactpoint_id": scene[child], "item_id": str(scene["item"]),
              "decision": "1", "source": "social_care"}
    query = ("?reason=assessment&reason_detail=checking&family_name=Okafor&given_name=Amara"
             "&date_of_birth=2015-04-02&gender=female&status=open")
    for methods, path, _operation in operations(api):
        url = "/api/v1/" + path.lstrip("/")
        for name, value in values.items():
            url = re.sub(rf"\{{(int:|str:)?{name}\}}", value, url)
        assert "{" not in url, f"no sample value for a parameter of {path}"
        for method in methods:
            yield method, url + query


BODY = {"reason": "assessment", "reason_detail": "checking", "service_type": "social_care",
        "phone": "0121 496 0000", "lead_professional": True, "caf": True,
        "review_on": (TODAY + timedelta(days=400)).isoformat(), "source": "social_care",
        "source_id": "SC1", "keep": "0000000000", "gone": "0000000000"}


@pytest.mark.parametrize("who", list(ATTACKERS))
def test_no_api_operation_gives_away_a_shielded_child_or_a_sensitive_provider(scene, who):
    client = Client()
    headers = bearer(create_token(user=who))
    calls = answered = 0
    for child in ("amara", "tolu", "control"):
        for method, url in _api_calls(scene, child):
            response = client.generic(method, url, data=orjson.dumps(BODY),
                                      content_type="application/json", headers=headers)
            assert_nothing_hidden(response, f"{who} {method} {url}")
            calls += 1
            answered += response.status_code < 300
    assert calls >= 30
    assert answered >= 6 if who != "auditor" else answered == 0  # the walk reached them


# -- searches: every combination -----------------------------------------------------------

NAMES = [("Amara", "Okafor"), ("Amara", "Bello"), (None, "Okafor"), (None, "Bello"),
         ("Amara", None)]
DATES = ["2015-04-02", "2010-01-01", "2015-02-04"]
POSTCODES = [None, "LS1 4AP", "ME14 1XX"]
GENDERS = [None, "female"]


def _searches():  # type: ignore[no-untyped-def]
    for (given, family), dob, postcode, gender in itertools.product(NAMES, DATES, POSTCODES,
                                                                    GENDERS):
        yield {k: v for k, v in {"given_name": given, "family_name": family,
                                 "date_of_birth": dob, "postcode": postcode,
                                 "gender": gender}.items() if v is not None}


@pytest.mark.parametrize("who", ["teacher", "social", "wakefield"])
def test_no_search_finds_a_shielded_child_through_a_hidden_field(scene, who):
    api_client = Client()
    headers = bearer(create_token(user=who))
    web = verified_client(scene["people"][who], scene["devices"][who])
    for criteria in _searches():
        hidden_field = "postcode" in criteria or criteria.get("family_name") == "Bello"
        response = api_client.get("/api/v1/children", criteria, headers=headers)
        assert_nothing_hidden(response, f"API search {criteria}", criteria.values())
        if hidden_field:
            assert scene["amara"] not in response.content.decode(), criteria
        day, month, year = (criteria["date_of_birth"].split("-")[i] for i in (2, 1, 0))
        form = {**criteria, "date_of_birth_day": day, "date_of_birth_month": month,
                "date_of_birth_year": year}
        page = web.post("/children/search/", form)
        assert_nothing_hidden(page, f"page search {criteria}", criteria.values())
        if hidden_field:
            assert scene["amara"] not in page.content.decode(), criteria
    # The name the shielded view shows still finds her, as it does any shielded child.
    found = api_client.get("/api/v1/children", {"family_name": "Okafor",
                                                "date_of_birth": "2015-04-02"},
                           headers=headers)
    assert scene["amara"] in found.content.decode()


# -- answers that must not differ ----------------------------------------------------------

def _same(first, second, ids: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    """The same status and the same words, but for the id each was asked about."""
    def words(response, asked):  # type: ignore[no-untyped-def]
        text = response.content.decode()
        main = re.search(r"<main.*</main>", text, re.DOTALL)  # a page: what it says
        text = re.sub(r'value="[A-Za-z0-9+/=_-]{20,}"', "", main.group() if main else text)
        return re.sub(rf"(?<![0-9A-Za-z]){re.escape(asked)}(?![0-9A-Za-z])", "ID", text)

    assert first.status_code == second.status_code
    assert words(first, ids[0]) == words(second, ids[1])


def test_a_lead_claim_behind_a_shield_says_nothing_of_whether_anyone_leads(scene):
    client = Client()
    for who in ("teacher", "social"):
        headers = bearer(create_token(user=who))
        claim = orjson.dumps({"reason": "assessment", "service_type": "social_care",
                              "phone": "0121 496 0000", "lead_professional": True})
        led, unled = (client.post(f"/api/v1/children/{scene[c]}/involvements", claim,
                                  content_type="application/json", headers=headers)
                      for c in ("amara", "control"))
        assert led.status_code == 400
        _same(led, unled, (scene["amara"], scene["control"]))


def test_another_authoritys_records_answer_as_records_that_do_not_exist(scene):
    client = Client()
    headers = bearer(create_token(user="wakefield"))

    def split(source_id):  # type: ignore[no-untyped-def]
        return client.post("/api/v1/review/split", orjson.dumps(
            {"source": "social_care", "source_id": source_id, "reason": "wrong child"}),
            content_type="application/json", headers=headers)

    _same(split("SC1"), split("SC404"), ("SC1", "SC404"))
    for path, real_id, made_up_id in (
            ("/api/v1/review/{}", str(scene["item"]), "999999"),
            ("/api/v1/children/{}/match-history", scene["amara"], "0000000000")):
        real, made_up = (client.get(path.format(v), headers=headers)
                         for v in (real_id, made_up_id))
        assert real.status_code == 404
        _same(real, made_up, (real_id, made_up_id))
    web = verified_client(scene["people"]["wakefield"], scene["devices"]["wakefield"])
    for page in ("/children/{}/shield/", "/children/{}/match-history/"):
        _same(web.get(page.format(scene["amara"])), web.get(page.format("0000000000")),
              (scene["amara"], "0000000000"))
    _same(web.get(f"/review/{scene['item']}/"), web.get("/review/999999/"),
          (str(scene["item"]), "999999"))


def test_the_shielded_view_names_the_team_that_shielded_it_with_its_contact(scene):
    client = Client()
    headers = bearer(create_token(user="teacher"))
    record = client.get(f"/api/v1/children/{scene['amara']}?reason=assessment",
                        headers=headers).json()
    assert record["contact"] == "Leeds City Council"
    assert record["contact_details"] == {"name": "Leeds City Council",
                                         "phone": "0113 378 9000",
                                         "email": "mash@leeds.example"}
    sensitive = client.get(f"/api/v1/children/{scene['tolu']}?reason=assessment",
                           headers=headers).json()
    (service,) = sensitive["services"]
    assert (service["sensitive"], service["lead_professional"]) == (True, True)
    assert service["broker"] == "Birmingham City Council"
