"""The Notifications page, the unread count in the header, the record's Recent access and
the reason page's promise, through the test client (every page checked by pagecheck)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from contactpoint.notifications.models import Notification
from databases import both_databases
from notification_world import KAI_HIDDEN, Scene, make_scene

pytestmark = both_databases


@pytest.fixture
def scene(tmp_path, keystore) -> Scene:
    return make_scene(tmp_path)


def _text(page) -> str:  # type: ignore[no-untyped-def]
    return " ".join("".join(page.itertext()).split())


def _open(client, child: str, reason: str = "education_welfare"):  # type: ignore[no-untyped-def]
    assert client.post(f"/children/{child}/", {"reason": reason}).status_code == 302
    response = client.get(f"/children/{child}/")
    assert response.status_code == 200
    return response.page


def _count(page) -> str | None:  # type: ignore[no-untyped-def]
    found = page.find(".//*[@id='unread-notifications']")
    return None if found is None else _text(found)


def test_the_team_sees_the_count_reads_who_looked_and_marks_it_read(scene):
    _open(scene.world.client("teacher"), scene.jo)
    _open(scene.world.client("gp"), scene.jo, "health_care")
    social = scene.world.client("social")
    page = social.get("/account/").page
    assert _count(page) == "2 unread"
    page = social.get("/notifications/").page
    rows = page.findall(".//table[@id='notifications']/tbody/tr")
    assert len(rows) == 2
    gp, teacher = (_text(r) for r in rows)  # newest first
    assert "teacher" in teacher
    assert "Org URN:107654" in teacher
    assert "Education welfare" in teacher
    assert scene.jo in teacher
    assert "Health care" in gp
    newest = Notification.objects.filter(recipient__code="SC:LEEDS").latest("pk")
    response = social.post("/notifications/", {"notification": str(newest.pk)})
    assert response.status_code == 302
    page = social.get("/notifications/").page
    assert _count(page) == "1 unread"
    assert "Read" in _text(page.find(f".//tr[@id='notification-{newest.pk}']"))
    assert social.post("/notifications/", {"all": "1"}).status_code == 302
    assert _count(social.get("/notifications/").page) is None


def test_a_bad_or_anothers_notification_is_a_400_naming_the_problem(scene):
    _open(scene.world.client("teacher"), scene.jo)
    social = scene.world.client("social")
    response = social.post("/notifications/", {"notification": "abc"})
    assert response.status_code == 400
    assert "Choose a notification" in _text(response.page.find(".//*[@id='notifications-problem']"))
    theirs = Notification.objects.get(recipient__code="YOT:LEEDS")
    response = social.post("/notifications/", {"notification": str(theirs.pk)})
    assert response.status_code == 400
    assert f"not {theirs.pk}" in _text(response.page)
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


@pytest.mark.parametrize("who", ["teacher", "team", "national"])
def test_others_see_no_notifications_of_the_team(scene, who):
    _open(scene.world.client("teacher"), scene.jo)
    page = scene.world.client(who).get("/notifications/").page
    assert page.find(".//*[@id='no-notifications']") is not None
    assert _count(page) is None


def test_an_auditor_has_no_notifications_page_or_link(scene):
    auditor = scene.world.client("auditor")
    assert auditor.get("/notifications/").status_code == 403
    assert auditor.get("/account/").page.find(".//*[@id='nav-notifications']") is None


def test_the_shielded_childs_notification_page_gives_nothing_away(scene):
    _open(scene.world.client("wake.teacher"), scene.kai)
    html = scene.world.client("social").get("/notifications/").content.decode()
    assert "a school" in html
    for secret in KAI_HIDDEN:
        assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", html), \
            secret


def test_the_childs_team_sees_recent_access_on_the_record_and_a_teacher_does_not(scene):
    teacher_page = _open(scene.world.client("teacher"), scene.jo)
    assert teacher_page.find(".//*[@id='recent-access']") is None
    page = _open(scene.world.client("team"), scene.jo, "assessment")
    rows = [_text(r) for r in page.findall(".//table[@id='recent-access-list']/tbody/tr")]
    assert len(rows) == 2
    assert "Opened a child's record" in rows[0]
    assert "Local management team (team)" in rows[0]  # its own view, the newest
    assert "Org URN:107654" in rows[1]
    assert "Practitioner (teacher)" in rows[1]
    assert "Education welfare" in rows[1]


def test_a_shielded_childs_recent_access_is_its_own_teams_only(scene):
    _open(scene.world.client("wake.teacher"), scene.kai)
    leeds = _open(scene.world.client("team"), scene.kai, "assessment")
    assert leeds.find(".//*[@id='recent-access']") is None
    wakefield = _open(scene.world.client("wakefield.team"), scene.kai, "assessment")
    assert "Moorside Academy" in _text(wakefield.find(".//table[@id='recent-access-list']"))


def test_the_reason_page_says_who_sees_the_opening(scene, settings):
    said = _text(scene.world.client("teacher").get(f"/children/{scene.jo}/").page
                 .find(".//*[@id='who-sees-this']"))
    assert "management team sees on the record who opened it" in said
    assert "that team is told" in said
    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT,
                                                silent_organisation_types=("school",))
    said = _text(scene.world.client("teacher").get(f"/children/{scene.jo}/").page
                 .find(".//*[@id='who-sees-this']"))
    assert "that team is told" not in said
