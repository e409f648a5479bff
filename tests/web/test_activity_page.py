"""The Activity page (web/activity.py): the audit trail for auditors and management teams.

Each role through the test client (which checks every page); the filters and their errors; a
shielded child who moved kept out of the list of the authority it moved to; the page's
own entry in the trail.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from children_world import OTHER_LA, add_other_authority_team, amara, ready_person
from contactpoint.access import services
from contactpoint.access.models import Organisation
from contactpoint.audit import hooks
from contactpoint.identity.identifiers import format_contactpoint_id
from contactpoint.identity.models import Child, PostcodeDistrict
from contactpoint.identity.records import set_shield
from contactpoint.loading.loader import ingest_file
from contactpoint.oversight.activity import PAGE_SIZE
from databases import both_databases
from factories import write_jsonl

pytestmark = both_databases


def _h1(page) -> str:  # type: ignore[no-untyped-def]
    return " ".join("".join(page.find(".//h1").itertext()).split())


def _text(element) -> str:  # type: ignore[no-untyped-def]
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _rows(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Each entry's row, in words."""
    return [_text(row) for row in page.iterfind(".//table[@id='activity-entries']/tbody/tr")]


def _hrefs(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.get("href") for a in page.iter("a") if a.get("href")]


def _search(client, family_name="Okafor") -> None:  # type: ignore[no-untyped-def]
    client.post("/children/search/", {"family_name": family_name, "date_of_birth_day": "2",
                                      "date_of_birth_month": "4",
                                      "date_of_birth_year": "2015"})


def _open(client, child, reason="assessment", detail="") -> None:  # type: ignore[no-untyped-def]
    client.post(f"/children/{child}/", {"reason": reason, "reason_detail": detail})
    assert client.get(f"/children/{child}/").status_code == 200


@pytest.fixture
def people(world):  # type: ignore[no-untyped-def]
    """The world's people, a national auditor, and Wakefield's team and a GP there."""
    world.users["national.auditor"], world.devices["national.auditor"] = ready_person(
        "national.auditor", "auditor", "NP:1", "national_partner")
    add_other_authority_team(world)
    world.users["wakefield.gp"], world.devices["wakefield.gp"] = ready_person(
        "wakefield.gp", "practitioner", "ODS:W1", "gp_practice", authority=OTHER_LA)
    return world


def test_a_national_auditor_reads_everything_with_search_terms_and_reasons(people):
    _search(people.client("teacher"))
    _open(people.client("teacher"), people.child)
    _open(people.client("wakefield.gp"), people.child, "other", "a call from the school")
    response = people.client("national.auditor").get("/activity/")
    page = response.page
    assert _h1(page) == "Activity"
    assert "Every entry in the audit trail" in _text(page.find(".//main"))
    nav = page.find(".//nav[@aria-label='Menu']")
    assert page.find(".//a[@aria-current='page']").text == "Activity"
    assert "Find a child" not in _text(nav)
    gp_view, teacher_view, search = _rows(page)[:3]
    assert "wakefield.gp" in gp_view
    assert "Org ODS:W1 (ODS:W1)" in gp_view
    assert "Opened a child's record" in gp_view
    assert "Other (say why)" in gp_view
    assert "Reason in words: a call from the school" in gp_view
    assert "Assessment" in teacher_view
    assert "Practitioner" in teacher_view
    assert "Searched for a child" in search
    assert "Okafor" in search
    assert people.child in search
    # The auditor reads the trail, never a child's record: no link on the page opens one,
    # and the record itself is refused.
    assert not [h for h in _hrefs(page) if h.startswith("/children/")]
    assert f"?child={people.child}" in _hrefs(page)
    assert people.client("national.auditor").get(f"/children/{people.child}/").status_code \
        == 403


def test_the_childs_team_reads_its_users_and_what_others_did_to_its_child(people):
    _search(people.client("teacher"))
    _open(people.client("wakefield.gp"), people.child, "other", "a call from the school")
    _search(people.client("wakefield.gp"), "Someone")  # not about a Leeds child
    page = people.client("team").get("/activity/").page
    main = _text(page.find(".//main"))
    assert "Entries by the users of Leeds City Council's organisations" in main
    gp_view, search = _rows(page)[:2]
    assert "wakefield.gp" in gp_view
    assert "Other (say why)" in gp_view
    assert "a call from the school" not in gp_view  # what they typed, elsewhere: sealed
    assert "Withheld: typed by someone outside your authority" in gp_view
    assert "Okafor" in search  # its own user's search terms
    assert "Someone" not in main
    assert len(_rows(page)) == 2
    # A council's own auditor reads what its team reads (and that the team read it).
    for_auditor = _rows(people.client("auditor").get("/activity/").page)
    assert "Read the Activity page" in for_auditor[0]
    assert for_auditor[1:] == [gp_view, search]


def test_another_authoritys_team_reads_only_its_own_users(people):
    _open(people.client("teacher"), people.child)
    _open(people.client("wakefield.gp"), people.child)
    page = people.client("wakefield.team").get(
        f"/activity/?child={people.child}").page
    (row,) = _rows(page)
    assert "wakefield.gp" in row
    assert "teacher" not in _text(page.find(".//main"))


def test_practitioners_are_refused_and_not_offered_the_page(people):
    client = people.client("teacher")
    response = client.get("/activity/")
    assert response.status_code == 403
    assert _h1(response.page) == "You do not have permission to see this page"
    search_page = client.get("/children/search/").page
    assert "Activity" not in _text(search_page.find(".//nav[@aria-label='Menu']"))


def test_filters_by_child_typed_with_spaces_or_dashes_user_event_and_days(people):
    _search(people.client("teacher"))
    _open(people.client("teacher"), people.child)
    _open(people.client("social"), people.child)
    client = people.client("national.auditor")
    spaced = format_contactpoint_id(people.child)
    dashed = spaced.replace(" ", "-")
    for typed in (spaced, dashed, f" {people.child} "):
        page = client.get("/activity/", {"child": typed}).page
        rows = [r for r in _rows(page) if "Read the Activity page" not in r]
        assert len(rows) == 3, typed
        assert page.find(".//input[@name='child']").get("value") == typed  # as typed
    rows = _rows(client.get("/activity/", {"user": "social"}).page)
    assert len(rows) == 1
    assert "social" in rows[0]
    rows = _rows(client.get("/activity/", {"event": "child:search"}).page)
    assert len(rows) == 1
    assert "Searched for a child" in rows[0]
    rows = _rows(client.get("/activity/", {"event": "Child:",
                                            "user": "teacher"}).page)
    assert len(rows) == 2
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)

    def days(start: date, end: date) -> list[str]:
        return _rows(client.get("/activity/", {
            "child": people.child, "from_day": start.day, "from_month": start.month,
            "from_year": start.year, "to_day": end.day, "to_month": end.month,
            "to_year": end.year}).page)

    assert len([r for r in days(today, today) if "child:record:view" in r]) == 2
    assert days(yesterday, yesterday) == []
    page = client.get("/activity/", {"user": "nobody"}).page
    assert "No entries match these filters." in _text(page.find(".//main"))


@pytest.mark.parametrize(("query", "messages"), [
    ({"child": "12345"}, ["Enter a ContactPoint ID of 10 digits, like 123 456 7890"]),
    ({"child": "Amara Okafor"}, ["Enter a ContactPoint ID of 10 digits, like 123 456 7890"]),
    ({"event": "Opened a record"}, ["Enter an event like child:record:view, or the start of "
                                    "one ending in a colon, like child:"]),
    ({"from_day": "31", "from_month": "2", "from_year": "2026"},
     ["The start date must be a real date, like 27 3 2015"]),
    ({"from_day": "2", "to_day": "1", "to_month": "1", "to_year": "2026"},
     ["The start date must include a month and a year"]),
    ({"from_day": "2", "from_month": "1", "from_year": "2026", "to_day": "1",
      "to_month": "1", "to_year": "2026"},
     ["The end date must be the same as or after the start date"]),
    ({"user": "x" * 161}, ["Enter a username of 160 characters or fewer"]),
])
def test_bad_filters_get_an_error_summary_and_no_entries(people, audit_log, query, messages):
    _open(people.client("teacher"), people.child)
    response = people.client("national.auditor").get("/activity/", query)
    assert response.status_code == 200
    page = response.page
    assert page.findtext("./head/title").startswith("Error: Activity")
    summary = _text(page.find(".//div[@class='govuk-error-summary']"))
    for message in messages:
        assert message in summary
    assert page.find(".//table[@id='activity-entries']") is None
    (refused,) = [e for e in audit_log() if e["event"] == "audit:activity:view"]
    assert refused["actor"] == "national.auditor"
    assert refused["details"]["shown"] == 0
    assert refused["details"]["refused"]


def test_a_wrong_check_digit_is_told_as_such(people):
    wrong = people.child[:-1] + str((int(people.child[-1]) + 1) % 10)
    page = people.client("team").get("/activity/", {"child": wrong}).page
    assert "Check the ContactPoint ID: one of its digits is wrong" in _text(
        page.find(".//div[@class='govuk-error-summary']"))


def test_the_page_keeps_its_own_entry_with_the_filters(people, audit_log):
    _open(people.client("teacher"), people.child)
    spaced = format_contactpoint_id(people.child)
    people.client("team").get("/activity/", {"child": spaced, "event": "child:",
                                             "from_day": "1", "from_month": "1",
                                             "from_year": "2026"})
    (entry,) = [e for e in audit_log() if e["event"] == "audit:activity:view"]
    assert entry["actor"] == "team"
    assert entry["role"] == "management_team"
    assert entry["children"] == [people.child]
    assert entry["details"]["filters"] == {"child": people.child, "event": "child:",
                                           "since": "2026-01-01"}
    assert entry["details"]["shown"] == 1
    # It is on the page the next time, like any other entry.
    rows = _rows(people.client("team").get("/activity/").page)
    assert "Read the Activity page" in rows[0]


def test_older_and_newer_pages(people):
    teacher = people.users["teacher"]
    for _ in range(PAGE_SIZE + 5):
        hooks.record("account:signout", actor=teacher)
    client = people.client("team")
    first = client.get("/activity/", {"user": "teacher"}).page
    assert len(_rows(first)) == PAGE_SIZE
    nav = first.find(".//nav[@aria-label='Pages of entries']")
    assert _text(nav) == "Older entries"
    older = nav.find(".//a[@rel='next']").get("href")
    assert "user=teacher" in older
    second = client.get("/activity/" + older).page
    assert len(_rows(second)) == 5
    newer = second.find(".//a[@rel='prev']").get("href")
    assert second.find(".//a[@rel='next']") is None
    assert _rows(client.get("/activity/" + newer).page) == _rows(first)


# -- shielding: the page must not tell a team that a shielded child lives in its area -------

@pytest.fixture
def moved(people, tmp_path):  # type: ignore[no-untyped-def]
    """Amara, shielded by Leeds, then moved (by the school's feed) to Wakefield; and a
    child shielded in Leeds who never moved, to compare answers with."""
    leeds_team = people.users["team"]
    services.add_organisation(code=OTHER_LA, name="Wakefield Council", type="local_authority")
    PostcodeDistrict.objects.get_or_create(
        district="WF1", authority=Organisation.objects.get(code=OTHER_LA))
    review_on = timezone.localdate() + timedelta(days=365)
    set_shield(leeds_team, people.child, shielded=True, reason="fleeing domestic abuse",
               review_on=review_on)
    ingest_file("school_census", write_jsonl(tmp_path / "moved.jsonl", [amara(
        recorded_at="2026-11-20T09:30:00Z",
        address={"lines": ["4 Orchard Way"], "town": "Wakefield", "postcode": "WF1 2AB"})]),
        today=date(2026, 11, 22))
    child = Child.objects.get(contactpoint_id=people.child)
    assert child.local_authority.code == OTHER_LA
    assert child.shielded
    ingest_file("school_census", write_jsonl(tmp_path / "other.jsonl", [amara(
        source_id="S2", given_names="Kemi", family_name="Ade", date_of_birth="2012-02-02",
        identifiers={})]), today=date(2026, 11, 22))
    control = Child.objects.exclude(pk=child.pk).get().contactpoint_id
    set_shield(leeds_team, control, shielded=True, reason="adoption", review_on=review_on)
    return control


def test_a_shielded_child_who_moved_is_not_listed_to_the_team_where_they_live(people, moved):
    for child in (people.child, moved):
        _open(people.client("teacher"), child)
        hooks.record("child:shield:hold", actor=None, subject=child)
    _open(people.client("wakefield.gp"), people.child)
    wakefield = people.client("wakefield.team")
    everything = wakefield.get("/activity/").page
    (own,) = [r for r in _rows(everything) if people.child in r]
    assert "wakefield.gp" in own  # its own user's view, and nothing else about her
    assert "Leeds" not in _text(everything.find(".//table"))

    def words(child: str) -> str:
        page = wakefield.get("/activity/", {"child": child,
                                            "user": "teacher"}).page
        return re.sub(child, "ID", _text(page.find(".//main")))

    # About her, and about a shielded child elsewhere, the same answer: nothing.
    assert words(people.child) == words(moved)
    assert "No entries match these filters." in words(people.child)
    # The team that shielded her (and brokers contact) reads every entry about her.
    leeds = _rows(people.client("team").get(
        "/activity/", {"child": people.child}).page)
    assert any("wakefield.gp" in r for r in leeds)
    assert any("teacher" in r for r in leeds)
    assert any("Held a record shielded" in r for r in leeds)
    assert any("Shielded a record" in r and "fleeing domestic abuse" in r for r in leeds)


def test_once_the_shield_is_lifted_the_team_where_the_child_lives_reads_it(people, moved):
    set_shield(people.users["team"], people.child, shielded=False, reason="risk has passed")
    _open(people.client("teacher"), people.child)
    rows = _rows(people.client("wakefield.team").get(
        "/activity/", {"child": people.child}).page)
    assert any("teacher" in r for r in rows)
