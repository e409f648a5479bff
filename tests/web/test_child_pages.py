"""The practitioner's pages: find a child, give a reason, the record, break glass,
add an involvement, shield. Each page checked by the test client; each journey as a person
takes it, through the test client."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from children_world import add_other_authority_team
from contactpoint.identity.models import Child, Involvement
from contactpoint.search import criteria as search_criteria
from contactpoint.web.child_forms import GENDER_LABELS
from databases import both_databases

pytestmark = both_databases


def _h1(page) -> str:
    return " ".join("".join(page.find(".//h1").itertext()).split())


def _text(page) -> str:
    return " ".join("".join(page.itertext()).split())


def _summary(page) -> str:
    summary = page.find(".//div[@class='govuk-error-summary']")
    assert summary is not None, "no error summary"
    return _text(summary)


def search(client, **terms):  # type: ignore[no-untyped-def]
    born = terms.pop("born", None)
    if born:
        terms.update(date_of_birth_day=str(born.day), date_of_birth_month=str(born.month),
                     date_of_birth_year=str(born.year))
    return client.post("/children/search/", terms)


def open_with_reason(client, child, reason="education_welfare", detail=""):  # type: ignore[no-untyped-def]
    response = client.post(f"/children/{child}/", {"reason": reason, "reason_detail": detail})
    assert response.status_code == 302, response.content.decode()[:300]
    return client.get(response["Location"]).page


BORN = date(2015, 4, 2)


def test_the_search_form_offers_every_gender_the_search_accepts():
    assert set(GENDER_LABELS) == set(search_criteria.GENDERS)


def test_a_misspelt_name_finds_the_child_and_the_terms_stay_out_of_the_url(world):
    client = world.client("teacher")
    page = client.get("/children/search/").page
    assert _h1(page) == "Find a child"
    assert "family name and date of birth" in _text(page.find(".//*[@id='accepted-combinations']"))
    assert page.find(".//form").get("method") == "post"

    response = search(client, family_name="Okafur", born=BORN)
    page = response.page
    (link,) = page.findall(".//table//a")
    assert link.get("href") == f"/children/{world.child}/"
    assert "Amara Okafor" in _text(link)
    assert "2 April 2015" in _text(page.find(".//table"))
    assert "Okaf" not in link.get("href")


def test_back_to_search_shows_the_last_search_again_without_terms_in_urls(world, audit_log):
    client = world.client("teacher")
    # Nothing searched yet: the back link's page is an empty form.
    page = client.get("/children/search/?again=1").page
    assert page.find(".//table") is None
    search(client, family_name="Okafur", given_name="Amara", born=BORN, postcode="")
    record = open_with_reason(client, world.child)
    back = record.find(".//a[@class='govuk-back-link']").get("href")
    assert back == "/children/search/?again=1"
    assert "Okafur" not in client.get(f"/children/{world.child}/").content.decode(), (
        "the terms typed stay off the record page")
    searches_before = sum(e["event"] == "child:search" for e in audit_log())
    page = client.get(back).page
    (link,) = page.findall(".//table//a")
    assert link.get("href") == f"/children/{world.child}/"
    values = {i.get("name"): i.get("value") for i in page.iter("input")}
    assert (values["family_name"], values["given_name"]) == ("Okafur", "Amara")
    assert (values["date_of_birth_day"], values["date_of_birth_month"],
            values["date_of_birth_year"]) == ("2", "4", "2015")
    # Shown again means searched again: audited like any search.
    assert sum(e["event"] == "child:search" for e in audit_log()) == searches_before + 1
    again = audit_log()[-1]
    assert again["details"]["criteria"]["family_name"] == "Okafur"  # what was asked, sealed
    assert again["details"]["results"] == [world.child]
    # A search that was refused is not what "back" returns to.
    search(client, family_name="Okafor")
    page = client.get(back).page
    assert {i.get("name"): i.get("value") for i in page.iter("input")}["family_name"] == (
        "Okafur")
    # Another person's session has no last search.
    assert world.client("social").get(back).page.find(".//table") is None


def test_too_few_terms_are_refused_naming_the_accepted_combinations(world):
    client = world.client("teacher")
    page = search(client, family_name="Okafor").page
    assert page.findtext("./head/title").startswith("Error: Find a child")
    summary = _summary(page)
    assert "Not enough to search on" in summary
    for combination in search_criteria.ACCEPTED:
        assert combination in summary
    page = search(client, family_name="Okafor", date_of_birth_day="31",
                  date_of_birth_month="2", date_of_birth_year="2015").page
    assert "The date of birth must be a real date" in _summary(page)
    assert page.find(".//div[@class='govuk-error-summary']//a").get("href") == (
        "#id_date_of_birth_day")


# Each date is made when the test runs, not when it is collected: a run that crosses
# midnight would otherwise search for "tomorrow" once it had become today.
@pytest.mark.parametrize(("when", "message"), [
    (lambda today: today + timedelta(days=1), "Date of birth must be today or in the past"),
    (lambda today: date(1900, 1, 1), "Enter a date of birth less than 25 years ago"),
    (lambda today: date(today.year - 25, 1, 1), "Enter a date of birth less than 25 years ago"),
], ids=["tomorrow", "1900", "25-years-ago"])
def test_a_date_of_birth_no_child_in_the_index_can_have_is_refused(world, when, message):
    born = when(timezone.localdate())
    page = search(world.client("teacher"), family_name="Okafor", born=born).page
    assert message in _summary(page)
    assert page.find(".//div[@class='govuk-error-summary']//a").get("href") == (
        "#id_date_of_birth_day")
    assert page.find(".//table") is None


def test_an_over_long_name_or_date_part_is_told_in_the_fields_words(world):
    page = search(world.client("teacher"), family_name="O" * 300, born=BORN).page
    assert "Family name must be 100 characters or fewer" in _summary(page)
    page = search(world.client("teacher"), family_name="Okafor",
                  date_of_birth_day="002", date_of_birth_month="4",
                  date_of_birth_year="2015").page
    assert "The date of birth must be a real date" in _summary(page)
    assert "Ensure this value" not in _text(page)


def test_no_matches_and_too_many_matches_say_so(world, monkeypatch, tmp_path):
    client = world.client("teacher")
    page = search(client, family_name="Zzyzx", born=BORN).page
    assert "No children match" in _text(page)
    monkeypatch.setattr(search_criteria, "DEFAULT_LIMIT", 0)  # every match is too many
    page = search(client, family_name="Okafor", born=BORN).page
    assert "too many matches" in _text(page)
    assert page.find(".//table") is None


def test_a_shielded_child_is_tagged_in_results_and_not_found_by_postcode(world):
    world.client("team").post(f"/children/{world.child}/shield/", {
        "reason": "fleeing domestic abuse", **_review_date()})
    client = world.client("teacher")
    page = search(client, family_name="Okafor", born=BORN).page
    assert "Shielded" in _text(page.find(".//table"))
    page = search(client, given_name="Amara", family_name="Okafor",
                  born=BORN, gender="female", postcode="LS1 4AP").page
    assert "No children match" in _text(page)


def test_a_record_opens_only_with_a_reason(world):
    client = world.client("teacher")
    url = f"/children/{world.child}/"
    page = client.get(url).page
    assert _h1(page) == "Why are you opening this record?"
    assert "Okafor" not in _text(page)

    page = client.post(url, {}).page
    assert "Select why you are opening this record" in _summary(page)
    page = client.post(url, {"reason": "other", "reason_detail": ""}).page
    assert "Say why you are opening this record" in _summary(page)
    assert _h1(client.get(url).page) == "Why are you opening this record?"

    page = open_with_reason(client, world.child)
    assert _h1(page) == "Child’s record"
    assert page.findtext("./head/title").startswith("Child’s record")
    assert "Okafor" not in page.findtext("./head/title")
    text = _text(page)
    for shown in ("Amara Okafor", "2 April 2015", "12 High Street", "LS1 4AP", "Ngozi Okafor",
                  "0113 496 0100", "Park Primary School", "0113 496 0001", "School census"):
        assert shown in text, shown
    assert "A sensitive service" in text
    assert "Leeds CAMHS" not in text
    assert "0113 496 0002" not in text
    # The reason given covers this child only.
    assert _h1(client.get("/children/0000000000/").page) == (
        "Why are you opening this record?")


def test_an_unknown_child_is_not_found_once_a_reason_is_given(world):
    client = world.client("teacher")
    response = client.post("/children/0000000000/", {"reason": "assessment"})
    assert client.get(response["Location"]).status_code == 404


def test_identifiers_show_only_to_the_body_that_issued_them(world):
    teacher = _text(open_with_reason(world.client("teacher"), world.child))
    gp = _text(open_with_reason(world.client("gp"), world.child, "health_care"))
    assert "NHS number" in gp
    assert "NHS number" not in teacher


def _review_date() -> dict[str, str]:
    when = date.today() + timedelta(days=90)
    return {"review_on_day": str(when.day), "review_on_month": str(when.month),
            "review_on_year": str(when.year)}


def test_shielding_then_the_practitioners_view_changes(world):
    teacher = world.client("teacher")
    before = open_with_reason(teacher, world.child)
    assert "12 High Street" in _text(before)
    assert "Shield this record" not in _text(before)
    assert teacher.get(f"/children/{world.child}/shield/").status_code == 403

    team = world.client("team")
    page = open_with_reason(team, world.child, "other", "brokering contact")
    assert "Shield this record" in _text(page)
    page = team.get(f"/children/{world.child}/shield/").page
    assert _h1(page) == "Shield this record"
    page = team.post(f"/children/{world.child}/shield/", {"reason": ""}).page
    summary = _summary(page)
    assert "Enter why the record is being shielded" in summary
    assert "Enter the review date" in summary
    yesterday = date.today() - timedelta(days=1)
    page = team.post(f"/children/{world.child}/shield/", {
        "reason": "fleeing", "review_on_day": str(yesterday.day),
        "review_on_month": str(yesterday.month), "review_on_year": str(yesterday.year)}).page
    assert "Enter a review date in the future" in _summary(page)
    response = team.post(f"/children/{world.child}/shield/",
                         {"reason": "fleeing domestic abuse", **_review_date()})
    assert response["Location"] == f"/children/{world.child}/"
    page = team.get(response["Location"]).page
    assert "The record is shielded" in _text(page)
    assert "12 High Street" in _text(page)  # the team still sees everything
    assert "Leeds CAMHS" in _text(page)
    assert "Lift the shield" in _text(page)

    after = teacher.get(f"/children/{world.child}/").page  # same reason, now
    text = _text(after)
    assert "This record is shielded" in text
    assert "Leeds City Council" in text
    assert "Ngozi Okafor" in text
    for hidden in ("12 High Street", "LS1 4AP", "0113 496 0100", "Park Primary School",
                   "fleeing"):
        assert hidden not in text, hidden
    assert "See the shielded record" not in text  # a teacher may not break the glass

    page = team.get(f"/children/{world.child}/shield/").page
    assert _h1(page) == "Lift the shield"
    team.post(f"/children/{world.child}/shield/", {"reason": "safe now"})
    assert "12 High Street" in _text(teacher.get(f"/children/{world.child}/").page)


def test_the_shield_form_is_not_found_for_another_authoritys_team(world):
    """Another council's team may not shield Leeds's child: the form (not just its answer)
    is "page not found", as for a child that does not exist."""
    wakefield = add_other_authority_team(world)
    assert open_with_reason(wakefield, world.child, "other", "brokering") is not None
    unknown = wakefield.get("/children/0000000000/shield/")
    assert unknown.status_code == 404
    response = wakefield.get(f"/children/{world.child}/shield/")
    assert response.status_code == 404
    assert _h1(response.page) == _h1(unknown.page)
    response = wakefield.post(f"/children/{world.child}/shield/",
                              {"reason": "fleeing domestic abuse", **_review_date()})
    assert response.status_code == 404
    assert Child.objects.get(contactpoint_id=world.child).shielded is False
    # Those who may shield it still get the form.
    for who in ("team", "national"):
        page = world.client(who).get(f"/children/{world.child}/shield/").page
        assert _h1(page) == "Shield this record"


def test_break_glass_is_for_child_protection_practitioners_and_that_viewing_only(world):
    world.client("team").post(f"/children/{world.child}/shield/",
                              {"reason": "adoption", **_review_date()})
    teacher = world.client("teacher")
    assert teacher.get(f"/children/{world.child}/break-glass/").status_code == 403
    assert teacher.post(f"/children/{world.child}/break-glass/", {
        "reason": "child_protection", "reason_detail": "x"}).status_code == 403

    social = world.client("social")
    limited = open_with_reason(social, world.child, "child_protection")
    assert "12 High Street" not in _text(limited)
    link = limited.find(f".//a[@href='/children/{world.child}/break-glass/']")
    assert link is not None
    assert "See the shielded record" in _text(link)

    page = social.get(f"/children/{world.child}/break-glass/").page
    assert _h1(page) == "See a shielded record"
    warning = _text(page.find(".//div[@class='govuk-warning-text']"))
    assert "raises a misuse alert within a minute" in warning
    assert "management team that shields the child" in warning
    page = social.post(f"/children/{world.child}/break-glass/",
                       {"reason": "child_protection"}).page
    assert "Say why you need to see the shielded record" in _summary(page)

    page = social.post(f"/children/{world.child}/break-glass/", {
        "reason": "child_protection", "reason_detail": "section 47 enquiry tonight"}).page
    assert _h1(page) == "Child’s record"
    text = _text(page)
    assert "12 High Street" in text
    assert "You have seen a shielded record. This is kept in the audit trail" in text
    again = social.get(f"/children/{world.child}/").page
    assert "12 High Street" not in _text(again)


def _involvement(**overrides) -> dict[str, str]:
    return {"service_type": "social_care", "practitioner": "Sam Carter",
            "phone": "0113 496 0200", "email": "", "start_date_day": "1",
            "start_date_month": "9", "start_date_year": "2026", **overrides}


def test_an_involvement_added_shows_on_the_record(world):
    social = world.client("social")
    open_with_reason(social, world.child, "assessment")
    url = f"/children/{world.child}/involvement/"
    page = social.get(url).page
    assert _h1(page) == "Add your involvement"

    page = social.post(url, _involvement(phone="", start_date_month="13")).page
    summary = _summary(page)
    assert "The start date must be a real date" in summary
    page = social.post(url, _involvement(phone="")).page
    assert "Enter a phone number or an email address, so others can reach you" in _summary(page)
    assert page.find(".//div[@class='govuk-error-summary']//a").get("href") == "#id_phone"
    # A phone number that cannot be dialled is refused with the form's other problems.
    page = social.post(url, _involvement(phone="call me maybe",
                                         start_date_month="13")).page
    summary = _summary(page)
    assert "Enter a phone number, like 0113 496 0000" in summary
    assert "The start date must be a real date" in summary
    assert not Involvement.objects.exists()
    # Lengths are told in the field's words, not Django's.
    page = social.post(url, _involvement(practitioner="S" * 300)).page
    assert "Practitioner's name must be 100 characters or fewer" in _summary(page)
    assert "Ensure this value" not in _text(page)

    response = social.post(url, _involvement(lead_professional="on", caf="on"))
    assert response["Location"] == f"/children/{world.child}/"
    page = social.get(response["Location"]).page
    text = _text(page)
    assert "Your involvement is recorded" in text
    assert "Lead professional: Sam Carter, Org SC:LEEDS (Children's social care)" in text
    assert "0113 496 0200" in text
    assert "CAF assessment" in text
    assert "1 September 2026" in text

    teacher = world.client("teacher")
    assert "Sam Carter" in _text(open_with_reason(teacher, world.child))
    page = teacher.post(url, _involvement(
        service_type="school", practitioner="Ms Reed", lead_professional="on")).page
    assert re.search(r"Org SC:LEEDS is the lead professional", _summary(page))


def test_a_sensitive_involvement_needs_its_consent_basis(world):
    gp = world.client("gp")
    open_with_reason(gp, world.child, "health_care")
    url = f"/children/{world.child}/involvement/"
    page = gp.post(url, _involvement(service_type="sexual_health")).page
    assert ("Select whether the young person consented or there is reasonable cause to "
            "suspect significant harm") in _summary(page)
    response = gp.post(url, _involvement(service_type="sexual_health", consent="young_person"))
    assert response.status_code == 302
    teacher_view = open_with_reason(world.client("teacher"), world.child)
    assert "Sam Carter" not in _text(teacher_view)
    titles = [_text(h) for h in teacher_view.iter("h3")]
    assert titles.count("A sensitive service") == 2  # CAMHS and the GP's, neither named


def test_updating_your_involvement_replaces_it(world):
    social = world.client("social")
    url = f"/children/{world.child}/involvement/"
    open_with_reason(social, world.child, "assessment")
    social.post(url, _involvement(lead_professional="on", caf="on", email="sam@example.org",
                                  end_date_day="31", end_date_month="7",
                                  end_date_year="2027"))
    page = social.get(f"/children/{world.child}/").page
    update = [a.get("href") for a in page.iter("a") if (a.get("href") or "").startswith(
        url + "?replaces=")]
    assert len(update) == 1
    form = social.get(update[0]).page
    assert _h1(form) == "Update your involvement"
    # The form starts from the current version, not blank.
    values = {i.get("name"): i.get("value") for i in form.iter("input")
              if i.get("type") not in ("checkbox", "radio")}
    assert values["practitioner"] == "Sam Carter"
    assert values["phone"] == "0113 496 0200"
    assert values["email"] == "sam@example.org"
    assert (values["start_date_day"], values["start_date_month"],
            values["start_date_year"]) == ("1", "9", "2026")
    assert (values["end_date_day"], values["end_date_month"],
            values["end_date_year"]) == ("31", "7", "2027")
    checked = {i.get("name") for i in form.iter("input") if i.get("checked") is not None}
    assert checked == {"lead_professional", "caf"}
    selected = form.find(".//select[@name='service_type']/option[@selected]")
    assert selected.get("value") == "social_care"
    replaces = update[0].rpartition("=")[2]
    social.post(url, _involvement(phone="0113 496 0999", replaces=replaces))
    text = _text(social.get(f"/children/{world.child}/").page)
    assert "0113 496 0999" in text
    assert "0113 496 0200" not in text
    assert "No lead professional is recorded" in text


def test_an_involvement_needs_a_reason_given_for_the_child(world):
    """Neither the form nor its answer without a stated reason: the person is sent to
    give one, and nothing is recorded."""
    social = world.client("social")
    url = f"/children/{world.child}/involvement/"
    for response in (social.get(url), social.post(url, _involvement(lead_professional="on"))):
        assert response.status_code == 302
        assert response["Location"] == f"/children/{world.child}/"
    assert not Involvement.objects.exists()
    open_with_reason(social, world.child, "other", "a home visit")
    assert social.post(url, _involvement()).status_code == 302
    assert Involvement.objects.count() == 1


@pytest.mark.parametrize("who", ["teacher", "team", "national"])
def test_signing_in_lands_on_find_a_child(world, who):
    from django.test import Client  # noqa: PLC0415

    from signing_in import sign_in  # noqa: PLC0415

    response = sign_in(Client(), world.users[who], world.devices[who])
    assert response["Location"] == "/children/search/"


def test_an_auditor_who_may_not_search_lands_on_their_account(world):
    from django.test import Client  # noqa: PLC0415

    from signing_in import sign_in  # noqa: PLC0415

    response = sign_in(Client(), world.users["auditor"], world.devices["auditor"])
    assert response["Location"] == "/account/"
    nav = world.client("auditor").get("/account/").page.find(
        ".//nav[@aria-label='Menu']")
    assert "Find a child" not in _text(nav)
    assert "Find a child" in _text(world.client("teacher").get("/account/").page.find(
        ".//nav[@aria-label='Menu']"))


def test_the_involvement_form_is_refused_as_its_answer_would_be(world):
    """The form for an unknown child or involvement is not found, and for another
    organisation's involvement refused, before anything is typed into it."""
    social, teacher = world.client("social"), world.client("teacher")
    url = f"/children/{world.child}/involvement/"
    open_with_reason(social, world.child, "assessment")
    open_with_reason(teacher, world.child)
    assert social.post(url, _involvement()).status_code == 302
    theirs = Involvement.objects.get().pk
    social.post("/children/0000000000/", {"reason": "assessment"})
    assert social.get("/children/0000000000/involvement/").status_code == 404
    assert social.get(f"{url}?replaces=999999").status_code == 404
    assert teacher.get(f"{url}?replaces={theirs}").status_code == 403
    assert teacher.post(url, _involvement(replaces=theirs)).status_code == 403
    assert _h1(social.get(f"{url}?replaces={theirs}").page) == (
        "Update your involvement")
    assert _h1(teacher.get(url).page) == "Add your involvement"
    page = social.post(url, _involvement(replaces="x")).page
    assert "The involvement to update is not known" in _summary(page)
    assert "Enter a whole number" not in _text(page)


def test_the_record_leads_its_own_team_to_subject_access_and_nobody_else(world):
    teacher = _text(open_with_reason(world.client("teacher"), world.child))
    assert "Subject access request" not in teacher
    team = open_with_reason(world.client("team"), world.child, "other", "a parent asked")
    assert "Subject access request" in _text(team)
    links = {a.get("href") for a in team.iter("a") if "Subject access" in "".join(a.itertext())}
    assert links == {f"/children/{world.child}/subject-access/"}
