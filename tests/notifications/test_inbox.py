"""Reading a team's notifications (contactpoint/notifications/inbox.py), role by role.

The responsible team's own people read them; nobody else does (not the viewer, not
another service, not the authority's management team, not the national team; an auditor
is refused). Behind a shield, a team the child is shielded from is told only what kind of
organisation looked: never its name, its code, the person, or the child's new authority.
"""

from __future__ import annotations

from datetime import date

import pytest

from contactpoint.access.authorise import Refused
from contactpoint.errors import BadRequest
from contactpoint.identity.records import set_shield
from contactpoint.notifications import inbox, service
from contactpoint.notifications.models import Notification
from databases import both_databases
from notification_world import KAI_HIDDEN
from trail import entries, mark

pytestmark = both_databases


def test_the_responsible_team_reads_who_looked_from_where_when_and_why(scene):
    users = scene.world.users
    service.open_record(users["teacher"], scene.jo, reason="education_welfare")
    (told,) = inbox.read(users["social"])
    assert (told.contactpoint_id, told.organisation, told.role, told.who, told.reason) == (
        scene.jo, "Org URN:107654", "practitioner", "teacher", "education_welfare")
    assert not told.read
    assert not told.withheld
    assert told.as_api() == {"contactpoint_id": scene.jo, "at": told.as_api()["at"],
                             "organisation": "Org URN:107654", "role": "practitioner",
                             "reason": "education_welfare"}
    assert told.as_api()["at"].endswith("+00:00")
    (yot,) = inbox.read(users["yot"])
    assert yot.service_type == "youth_offending"


@pytest.mark.parametrize("who", ["teacher", "gp", "oldsc", "team", "national",
                                 "wakefield.team", "wake.teacher"])
def test_nobody_outside_the_responsible_team_reads_its_notifications(scene, who):
    service.open_record(scene.world.users["teacher"], scene.jo, reason="education_welfare")
    assert inbox.read(scene.world.users[who]) == []
    assert inbox.unread_count(scene.world.users[who]) == 0


def test_an_auditor_is_refused(scene):
    with pytest.raises(Refused):
        inbox.read(scene.world.users["auditor"])
    assert inbox.unread_count(scene.world.users["auditor"]) == 0


def test_a_suspended_social_worker_reads_nothing(scene):
    service.open_record(scene.world.users["teacher"], scene.jo, reason="assessment")
    social = scene.world.users["social"]
    social.is_active = False
    social.save()
    with pytest.raises(Refused):
        inbox.read(social)
    assert inbox.unread_count(social) == 0


def test_reading_is_audited_naming_the_children_shown(scene):
    service.open_record(scene.world.users["teacher"], scene.jo, reason="assessment")
    before = mark()
    inbox.read(scene.world.users["social"])
    (entry,) = entries("notification:list:view", after=before)
    assert entry["actor"] == "social"
    assert entry["children"] == [scene.jo]
    assert entry["details"]["shown"] == 1


def test_marking_read_counts_down_and_refuses_another_teams_notification(scene):
    users = scene.world.users
    service.open_record(users["teacher"], scene.jo, reason="assessment")
    service.open_record(users["gp"], scene.jo, reason="health_care")
    social = users["social"]
    assert inbox.unread_count(social) == 2
    newest = inbox.read(social)[0]
    assert inbox.mark_read(social, [newest.id]) == 1
    assert inbox.unread_count(social) == 1
    others = Notification.objects.get(recipient__code="YOT:LEEDS", viewer__username="gp")
    with pytest.raises(BadRequest, match="No such notification"):
        inbox.mark_read(social, [others.id])
    with pytest.raises(BadRequest):
        inbox.mark_read(users["yot"], [newest.id, others.id])
    assert Notification.objects.filter(read_at__isnull=False).count() == 1  # nothing half-done
    assert inbox.mark_read(social, None) == 1
    assert inbox.unread_count(social) == 0
    assert inbox.unread_count(users["yot"]) == 2
    marked = entries("notification:mark:read")
    assert [e["actor"] for e in marked] == ["social", "social"]


def test_a_shielded_childs_notification_does_not_say_where_it_now_lives(scene):
    users = scene.world.users
    service.open_record(users["wake.teacher"], scene.kai, reason="education_welfare")
    (told,) = inbox.read(users["social"])  # Leeds's social care: Kai is shielded from it
    assert told.withheld
    assert (told.organisation, told.who, told.role, told.reason) == (
        "a school", None, "practitioner", "education_welfare")
    said = repr(told) + repr(told.as_api())
    for secret in KAI_HIDDEN:
        assert secret not in said, secret


def test_a_shield_set_after_the_notification_applies_when_it_is_read(scene):
    users = scene.world.users
    service.open_record(users["teacher"], scene.jo, reason="assessment")
    set_shield(users["team"], scene.jo, shielded=True, reason="adoption",
               review_on=date(2036, 1, 1))
    (told,) = inbox.read(users["social"])
    assert (told.withheld, told.organisation, told.who) == (inbox.SHIELDED, "a school", None)


def test_a_sensitive_service_that_looked_is_not_named_to_the_other_services(scene):
    users = scene.world.users
    service.open_record(users["minds"], scene.jo, reason="health_care")
    for who in ("social", "yot"):
        (told,) = inbox.read(users[who])
        assert (told.withheld, told.organisation, told.who, told.role) == (
            inbox.SENSITIVE, inbox.SENSITIVE_VIEWER, None, "practitioner")
        said = repr(told) + repr(told.as_api())
        for secret in ("ODS:RX9", "Org ODS:RX9", "minds", "Leeds Minds"):
            assert secret not in said, secret
