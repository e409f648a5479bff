"""A management team's contact details: set by the team, shown where it brokers contact."""

from __future__ import annotations

from datetime import date, timedelta

from test_child_pages import open_with_reason

from contactpoint.access.models import Organisation
from contactpoint.identity.records import set_shield
from databases import both_databases

pytestmark = both_databases


def _text(page) -> str:
    return " ".join("".join(page.itertext()).split())


def test_the_team_sets_its_contact_details_and_practitioners_see_them(world, audit_log):
    team = world.client("team")
    page = team.get("/manage/contact/").page
    assert " ".join("".join(page.find(".//h1").itertext()).split()) == (
        "Your team’s contact details")

    page = team.post("/manage/contact/", {"phone": "call me maybe",
                                          "email": "nope"}).page
    summary = _text(page.find(".//div[@class='govuk-error-summary']"))
    assert "Enter a phone number, like 0113 496 0000" in summary  # records.PHONE_PROBLEM
    assert "Enter an email address in the correct format" in summary
    assert Organisation.objects.get(code="E08000035").contact_phone == ""
    page = team.post("/manage/contact/", {"phone": "", "email": ""}).page
    assert "Enter a phone number or an email address" in _text(page)

    response = team.post("/manage/contact/", {"phone": "0113 378 9000",
                                              "email": "mash@leeds.example"})
    assert response.status_code == 302
    (entry,) = [e for e in audit_log() if e["event"] == "organisation:contact:update"]
    assert (entry["actor"], entry["subject"]) == (world.users["team"].username, "E08000035")
    leeds = Organisation.objects.get(code="E08000035")
    assert (leeds.contact_phone, leeds.contact_email) == ("0113 378 9000", "mash@leeds.example")

    set_shield(world.users["team"], world.child, shielded=True, reason="fleeing",
               review_on=date.today() + timedelta(days=90))
    shown = _text(open_with_reason(world.client("teacher"), world.child))
    assert "Leeds City Council" in shown
    assert "0113 378 9000" in shown
    assert "mash@leeds.example" in shown


def test_only_a_team_sets_contact_details(world):
    for who in ("teacher", "auditor"):
        assert world.client(who).get("/manage/contact/").status_code == 403
        assert world.client(who).post("/manage/contact/", {"phone": "0113 378 9000"}
                                      ).status_code == 403
    assert Organisation.objects.get(code="E08000035").contact_phone == ""
