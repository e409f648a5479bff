"""Who reaches an archived or purged child, on every path: the one access policy decides.

Archived: found by nobody's search; opened by the child's own management team (and the
national team) for a year after archiving, then by the national team alone, stating a
child-protection enquiry, a serious case review or a child-death review; never changed.
Purged: 410 on the API, "this record was removed" on the page, nothing personal.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import trail
from accounts import bearer
from children_world import add_other_authority_team, make_world, queue_a_pair
from contactpoint.access.tokens import create_token
from contactpoint.errors import Forbidden, Gone, NotFound
from contactpoint.identity import records
from contactpoint.identity.models import Child, ChildStatus
from contactpoint.matching.review import queue
from databases import both_databases

pytestmark = both_databases

PRACTITIONERS = ["teacher", "gp", "social"]
STATUTORY = ["child_protection", "serious_case_review", "child_death_review"]


@pytest.fixture
def world(tmp_path, keystore):  # type: ignore[no-untyped-def]
    return make_world(tmp_path)


def archive(world, days_ago: int) -> None:  # type: ignore[no-untyped-def]
    Child.objects.filter(contactpoint_id=world.child).update(
        status=ChildStatus.ARCHIVED, archived_on=date.today() - timedelta(days=days_ago))


def purge(world) -> None:  # type: ignore[no-untyped-def]
    Child.objects.filter(contactpoint_id=world.child).update(
        status=ChildStatus.PURGED, record=None, local_authority=None,
        archived_on=date(2020, 1, 1), purged_on=date.today())


def opens(world, who: str, reason: str = "child_protection") -> dict:  # type: ignore[no-untyped-def]
    return records.open_record(world.users[who], world.child, reason=reason)


def test_a_recently_archived_record_opens_for_its_team_and_the_national_team_only(world):
    add_other_authority_team(world)
    archive(world, days_ago=30)
    start = trail.mark()
    assert opens(world, "team", "assessment")["name"]["family_name"] == "Okafor"
    assert opens(world, "national", "assessment")["name"]["family_name"] == "Okafor"
    (team_view, national_view) = trail.entries("child:record:view", after=start)
    assert team_view["details"]["archived"] is True
    assert national_view["details"]["archived"] is True
    for who in [*PRACTITIONERS, "wakefield.team"]:
        with pytest.raises(NotFound):
            opens(world, who)
    with pytest.raises(Forbidden):  # an auditor opens no record at all
        opens(world, "auditor")


def test_after_a_year_only_the_national_team_for_a_statutory_purpose(world):
    archive(world, days_ago=400)
    for who in [*PRACTITIONERS, "team"]:
        for reason in STATUTORY:
            with pytest.raises(NotFound):
                opens(world, who, reason)
    for reason in ("assessment", "referral", "health_care", "other"):
        with pytest.raises(NotFound):
            records.open_record(world.users["national"], world.child, reason=reason,
                                detail="asked")
    start = trail.mark()
    for reason in STATUTORY:
        assert opens(world, "national", reason)["contactpoint_id"] == world.child
    viewed = trail.entries("child:record:view", after=start)
    assert [e["reason"] for e in viewed] == STATUTORY
    assert all(e["details"]["archived"] for e in viewed)


def test_an_archived_record_is_found_by_nobodys_search(world):
    terms = {"family_name": "Okafor", "given_name": "Amara",
             "date_of_birth": "2015-04-02"}
    client = world.client("team")
    assert world.child in client.get("/api/v1/children", terms, headers=bearer(
        create_token(user="team"))).content.decode()
    archive(world, days_ago=1)
    for who in [*PRACTITIONERS, "team", "national"]:
        answer = client.get("/api/v1/children", terms,
                            headers=bearer(create_token(user=who)))
        assert answer.status_code == 200, answer.content
        assert answer.json()["matches"] == []


def test_an_archived_record_is_never_changed_nor_shielded(world):
    archive(world, days_ago=1)
    with pytest.raises(NotFound):
        records.child_to_shield(world.users["team"], world.child)
    with pytest.raises(NotFound):
        records.set_shield(world.users["national"], world.child, shielded=True,
                           reason="moving", review_on=date.today() + timedelta(days=30))
    with pytest.raises(NotFound):
        records.involvement_form_target(world.users["social"], world.child)
    assert not Child.objects.get(contactpoint_id=world.child).shielded


def test_an_archived_pair_leaves_the_review_queue(world, tmp_path):
    item = queue_a_pair(tmp_path)
    assert [i.pk for i in queue(world.users["team"])] == [item.pk]
    Child.objects.filter(pk=item.candidate_id).update(status=ChildStatus.ARCHIVED,
                                                      archived_on=date.today())
    assert queue(world.users["team"]) == []
    assert queue(world.users["national"]) == []


@pytest.mark.parametrize("who", [*PRACTITIONERS, "team", "national"])
def test_a_purged_record_is_gone_for_every_role(world, who):
    purge(world)
    with pytest.raises(Gone):
        opens(world, who)


def test_a_purged_record_answers_410_on_the_api_and_says_removed_on_the_page(world):
    purge(world)
    answer = world.client("team").get(f"/api/v1/children/{world.child}",
                                      {"reason": "child_protection"},
                                      headers=bearer(create_token(user="national")))
    assert answer.status_code == 410
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["detail"] == "This record was removed from ContactPoint."

    client = world.client("social")
    reason = client.post(f"/children/{world.child}/", {"reason": "child_protection"})
    page = client.get(reason["Location"])
    assert page.status_code == 410
    text = page.content.decode()
    assert "This record was removed" in text
    assert "Okafor" not in text
    assert "Amara" not in text
    # The refusal is in the trail, naming the child's ID and the ground.
    (refused,) = trail.entries("request:refused", subject=world.child)[-1:]
    assert refused["details"]["status"] == 410
    assert refused["details"]["ground"] == "gone"


def test_the_record_page_of_an_archived_child_opens_for_its_team_and_not_a_practitioner(
        world):
    team = world.client("team")
    asked = team.post(f"/children/{world.child}/", {"reason": "assessment"})
    assert f"/children/{world.child}/shield/" in team.get(asked["Location"]).content.decode()
    archive(world, days_ago=30)
    page = team.get(asked["Location"])
    assert page.status_code == 200
    assert "Okafor" in page.content.decode()
    # Offered nothing that would change it.
    assert f"/children/{world.child}/shield/" not in page.content.decode()

    teacher = world.client("teacher")
    asked = teacher.post(f"/children/{world.child}/", {"reason": "education_welfare"})
    page = teacher.get(asked["Location"])
    assert page.status_code == 404
    assert "Okafor" not in page.content.decode()
