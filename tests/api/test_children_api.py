"""The practitioner's API (CONTRACTS.md): search, open with a reason, involvements, shield."""

from __future__ import annotations

from datetime import date, timedelta

import orjson
import pytest

from accounts import bearer
from contactpoint.access import services
from contactpoint.access.tokens import create_token
from contactpoint.audit.models import Entry
from contactpoint.identity.models import Child, PostcodeDistrict
from contactpoint.loading.loader import ingest_file
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl

pytestmark = both_databases
LA = "E08000035"


def person(username, role, org_code, org_type, authority=LA):
    services.add_organisation(code=LA, name="Leeds City Council", type="local_authority")
    if org_code != LA:
        services.add_organisation(code=org_code, name=f"Org {org_code}", type=org_type,
                                  authority=authority)
    services.add_user(username=username, org_code=org_code, role=role)
    return bearer(create_token(user=username))


@pytest.fixture
def world(tmp_path, keystore):
    people = {
        "teacher": person("teacher", "practitioner", "URN:107654", "school"),
        "gp": person("gp", "practitioner", "ODS:B86001", "gp_practice"),
        "social": person("social", "practitioner", "SC:LEEDS", "social_care"),
        "team": person("team", "management_team", LA, "local_authority"),
        "auditor": person("auditor", "auditor", LA, "local_authority"),
    }
    from contactpoint.access.models import Organisation  # noqa: PLC0415

    PostcodeDistrict.objects.create(district="LS1",
                                    authority=Organisation.objects.get(code=LA))
    ingest_file("school_census", write_jsonl(tmp_path / "s.jsonl", [feed_row(
        source_id="S1", given_names="Amara", family_name="Okafor",
        date_of_birth="2015-04-02", identifiers={"nhs_number": nhs_number()},
        services=[{"type": "school", "organisation": "Park Primary School",
                   "organisation_code": "URN:107654", "phone": "0113 496 0001",
                   "start_date": "2019-09-01"},
                  {"type": "camhs", "organisation": "Leeds CAMHS",
                   "organisation_code": "ODS:RX1", "phone": "0113 496 0002",
                   "consent": "young_person"}])]), today=date(2026, 11, 22))
    people["child"] = Child.objects.get().contactpoint_id
    return people


def get(client, path, headers):
    response = client.get(f"/api/v1{path}", headers=headers)
    return response.status_code, orjson.loads(response.content)


def send(client, method, path, headers, body):
    response = getattr(client, method)(f"/api/v1{path}", data=orjson.dumps(body),
                                       content_type="application/json", headers=headers)
    return response.status_code, orjson.loads(response.content)


def test_search_finds_a_misspelt_name_and_audits_what_was_asked(client, world, audit_log):
    status, body = get(client, "/children?family_name=Okafur&date_of_birth=2015-04-02",
                       world["teacher"])
    assert status == 200
    assert body["too_many_matches"] is False
    assert [m["contactpoint_id"] for m in body["matches"]] == [world["child"]]
    assert set(body["matches"][0]) == {"contactpoint_id", "name", "date_of_birth", "gender",
                                       "shielded"}
    (entry,) = audit_log()
    assert (entry["event"], entry["actor"]) == ("child:search", "teacher")
    assert entry["details"]["results"] == entry["children"] == [world["child"]]
    # What was asked is personal data: kept, sealed (readable to those who read the trail)...
    assert entry["details"]["criteria"]["family_name"] == "Okafur"
    assert entry["details"]["criteria"]["date_of_birth"] == "2015-04-02"
    # ...and never in the clear.
    stored = Entry.objects.get(pk=entry["id"])
    assert "Okafur" not in stored.details
    assert "2015-04-02" not in stored.details
    assert b"Okafur" not in bytes(stored.sealed)


def test_search_refusals(client, world):
    status, body = get(client, "/children?family_name=Okafor", world["teacher"])
    assert status == 400
    assert "family name and date of birth" in body["detail"]
    assert get(client, "/children?family_name=Okafor&date_of_birth=2015-04-02", {})[0] == 401
    assert get(client, "/children?family_name=Okafor&date_of_birth=2015-04-02",
               world["auditor"])[0] == 403
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for born, message in ((tomorrow, "Date of birth must be today or in the past"),
                          ("1900-01-01", "Enter a date of birth less than 25 years ago")):
        status, body = get(client, f"/children?family_name=Okafor&date_of_birth={born}",
                           world["teacher"])
        assert status == 400
        [problem] = body["errors"]
        assert problem["field"] == "date_of_birth"
        assert problem["detail"].startswith(message)


def test_a_record_opens_only_with_a_reason(client, world):
    path = f"/children/{world['child']}"
    status, body = get(client, path, world["teacher"])
    assert status == 400
    assert body["errors"][0]["field"] == "reason"
    assert get(client, f"{path}?reason=other", world["teacher"])[0] == 400
    assert get(client, f"{path}?reason=nosy", world["teacher"])[0] == 400
    assert get(client, "/children/0000000000?reason=assessment", world["teacher"])[0] == 404
    status, record = get(client, f"{path}?reason=education_welfare", world["teacher"])
    assert status == 200
    assert record["shielded"] is False
    assert record["address"]["postcode"] == "LS1 4AP"
    assert [s["type"] for s in record["services"]] == ["school", "sensitive"]
    assert "CAMHS" not in orjson.dumps(record).decode()
    status, gp = get(client, f"{path}?reason=health_care", world["gp"])
    assert list(gp["identifiers"]) == ["nhs_number"]
    assert "identifiers" in record
    assert record["identifiers"] == {}


def test_shielding_changes_what_a_practitioner_sees(client, world, audit_log):
    path = f"/children/{world['child']}"
    review_on = (date.today() + timedelta(days=90)).isoformat()
    status, _ = send(client, "put", f"{path}/shield", world["teacher"],
                     {"reason": "x", "review_on": review_on})
    assert status == 403
    status, body = send(client, "put", f"{path}/shield", world["team"],
                        {"reason": "fleeing domestic abuse", "review_on": review_on})
    assert (status, body["shielded"]) == (200, True)
    status, record = get(client, f"{path}?reason=assessment", world["teacher"])
    assert "address" not in record
    assert record["notice"].startswith("This record is shielded")
    assert "fleeing" not in orjson.dumps(record).decode()
    assert get(client, f"{path}?reason=assessment&break_glass=true", world["teacher"])[0] == 403
    status, glass = get(client, f"{path}?reason=child_protection&break_glass=true",
                        world["social"])
    assert (status, glass["break_glass"], glass["address"]["postcode"]) == (200, True,
                                                                            "LS1 4AP")
    status, again = get(client, f"{path}?reason=child_protection", world["social"])
    assert "address" not in again  # that one viewing only
    status, team_view = get(client, f"{path}?reason=other&reason_detail=brokering",
                            world["team"])
    assert team_view["services"][1]["organisation"] == "Leeds CAMHS"
    # A search on a hidden field (the postcode) does not find a shielded child.
    status, found = get(client, "/children?given_name=Amara&date_of_birth=2015-04-02"
                        "&gender=female&postcode=LS1%204AP", world["teacher"])
    assert found["matches"] == []
    status, lifted = send(client, "delete", f"{path}/shield", world["team"],
                          {"reason": "family safe again"})
    assert (status, lifted["shielded"]) == (200, False)
    (shielded,) = [e for e in audit_log() if e["event"] == "child:shield:set"]
    assert shielded["reason"] == "fleeing domestic abuse"  # sealed, for those who read it
    # A shield's reason is personal: never in the clear.
    stored = Entry.objects.get(pk=shielded["id"])
    assert "fleeing" not in stored.details
    assert b"fleeing" not in bytes(stored.sealed)
    (glass,) = [e for e in audit_log() if e["event"] == "child:shield:break_glass"]
    assert (glass["actor"], glass["subject"]) == ("social", world["child"])


def test_involvements_and_one_lead_professional(client, world):
    path = f"/children/{world['child']}/involvements"
    status, made = send(client, "post", path, world["social"], {
        "reason": "assessment", "service_type": "social_care", "practitioner": "Jo Bloggs",
        "phone": "0113 496 0100",
        "start_date": "2026-11-01", "lead_professional": True, "caf": True})
    assert status == 201, made
    status, clash = send(client, "post", path, world["gp"], {
        "reason": "health_care", "service_type": "gp", "phone": "0113 496 0200",
        "lead_professional": True})
    assert status == 409
    assert "lead professional" in clash["detail"]
    status, record = get(client, f"/children/{world['child']}?reason=assessment",
                         world["teacher"])
    mine = [s for s in record["services"] if s["type"] == "social_care"]
    assert mine[0]["practitioner"] == "Jo Bloggs"
    # The organisation by its name, as feeds' services are, and by its code.
    assert (mine[0]["organisation"], mine[0]["organisation_code"]) == ("Org SC:LEEDS",
                                                                      "SC:LEEDS")
    assert (mine[0]["lead_professional"], mine[0]["caf"]) == (True, True)
    status, stepped = send(client, "post", path, world["social"], {
        "reason": "assessment", "service_type": "social_care", "phone": "0113 496 0100",
        "lead_professional": False,
        "replaces": made["involvement"]})
    assert (status, stepped["lead_professional"]) == (201, False)
    status, _ = send(client, "post", path, world["gp"], {
        "reason": "health_care", "service_type": "gp", "phone": "0113 496 0200",
        "lead_professional": True})
    assert status == 201
    status, bad = send(client, "post", path, world["gp"], {
        "reason": "assessment", "service_type": "camhs", "phone": "call me maybe"})
    assert status == 400
    assert {e["field"]: e["detail"] for e in bad["errors"]} == {
        "consent": "Select whether the young person consented or there is reasonable cause "
                   "to suspect significant harm",
        "phone": "Enter a phone number, like 0113 496 0000, 07700 900 982 or +44 113 496 0000"}



def test_a_refused_lead_claim_names_no_sensitive_provider(client, world):
    """The 409 names who holds the lead only where the record itself would show them."""
    path = f"/children/{world['child']}/involvements"
    camhs = person("camhs", "practitioner", "ODS:RX1", "nhs_trust")
    lead = {"reason": "health_care", "service_type": "camhs", "phone": "0113 496 0002",
            "consent": "young_person",
            "lead_professional": True}
    assert send(client, "post", path, camhs, lead)[0] == 201
    status, clash = send(client, "post", path, world["gp"], {
        "reason": "health_care", "service_type": "gp", "phone": "0113 496 0200",
        "lead_professional": True})
    assert status == 409
    assert "Org ODS:RX1" not in clash["detail"]
    assert "Leeds City Council's management team" in clash["detail"]
    assert "Another service is the lead professional" in clash["detail"]
    status, own = send(client, "post", path, camhs, lead)  # its own staff are told
    assert status == 409
    assert own["detail"].startswith("Org ODS:RX1 is the lead professional")


def test_a_refused_lead_claim_names_nobody_behind_a_shield(client, world):
    path = f"/children/{world['child']}"
    assert send(client, "post", f"{path}/involvements", world["social"], {
        "reason": "assessment", "service_type": "social_care", "phone": "0113 496 0100",
        "lead_professional": True})[0] == 201
    claim = {"reason": "health_care", "service_type": "gp", "phone": "0113 496 0200",
             "lead_professional": True}
    status, clash = send(client, "post", f"{path}/involvements", world["gp"], claim)
    assert (status, clash["detail"]) == (409, "Org SC:LEEDS is the lead professional; "
                                              "they step down first.")
    review_on = (date.today() + timedelta(days=90)).isoformat()
    assert send(client, "put", f"{path}/shield", world["team"],
                {"reason": "fleeing domestic abuse", "review_on": review_on})[0] == 200
    status, clash = send(client, "post", f"{path}/involvements", world["gp"], claim)
    assert status == 400
    assert "SC:LEEDS" not in str(clash)
    (problem,) = clash["errors"]
    assert problem["field"] == "lead_professional"
    assert "contact Leeds City Council" in problem["detail"]
    # The same answer when nobody leads: the shielded view does not say whether anyone does.
    assert send(client, "post", f"{path}/involvements", world["social"], {
        "reason": "assessment", "service_type": "social_care", "phone": "0113 496 0100",
        "lead_professional": False})[0] == 201
    assert send(client, "post", f"{path}/involvements", world["gp"], claim) == (400, clash)
