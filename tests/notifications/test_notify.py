"""Who is told when a record is opened (contactpoint/notifications/service.py, rules.py).

Opening a record as a person does (the service behind the page and the API): each open
social-care and youth-offending service outside the viewer's organisation is told, in the
view's own transaction; an ended service, the viewer's own organisation and silent kinds
of organisation are not.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured

from contactpoint.access.models import Organisation
from contactpoint.audit.models import Entry
from contactpoint.errors import BadRequest, NotFound
from contactpoint.notifications import rules, service
from contactpoint.notifications.models import Notification
from databases import both_databases
from trail import mark

pytestmark = both_databases


def _told(child: str | None = None) -> dict[str, list[str]]:
    """Which organisation was told of whom: code → the usernames that looked."""
    found: dict[str, list[str]] = {}
    rows = Notification.objects.select_related("recipient", "viewer", "child")
    if child:
        rows = rows.filter(child__contactpoint_id=child)
    for n in rows.order_by("pk"):
        found.setdefault(n.recipient.code, []).append(n.viewer.username)
    return found


def test_a_teacher_opening_the_record_tells_each_open_service_and_no_ended_one(scene):
    users = scene.world.users
    service.open_record(users["teacher"], scene.jo, reason="education_welfare")
    assert _told(scene.jo) == {"SC:LEEDS": ["teacher"], "YOT:LEEDS": ["teacher"]}
    (view,) = Entry.objects.filter(event="child:record:view", subject=scene.jo)
    for notification in Notification.objects.all():
        assert notification.entry_id == view.pk  # read through from the view's entry
        assert notification.service_type in {"social_care", "youth_offending"}


def test_a_service_opening_its_own_childs_record_tells_only_the_others(scene):
    service.open_record(scene.world.users["social"], scene.jo, reason="assessment")
    assert _told(scene.jo) == {"YOT:LEEDS": ["social"]}


def test_a_child_without_social_care_or_youth_offending_tells_nobody(scene):
    service.open_record(scene.world.users["gp"], scene.world.child, reason="health_care")
    assert Notification.objects.count() == 0


def test_opening_again_within_the_piece_of_work_tells_a_team_once(scene):
    teacher = scene.world.users["teacher"]
    for _ in range(3):  # each showing of the page is audited, a refresh too
        service.open_record(teacher, scene.jo, reason="education_welfare")
    assert _told(scene.jo) == {"SC:LEEDS": ["teacher"], "YOT:LEEDS": ["teacher"]}
    service.open_record(scene.world.users["gp"], scene.jo, reason="health_care")
    assert _told(scene.jo)["SC:LEEDS"] == ["teacher", "gp"]


def test_a_later_piece_of_work_tells_the_team_again(scene):
    teacher = scene.world.users["teacher"]
    service.open_record(teacher, scene.jo, reason="education_welfare")
    Notification.objects.update(created_at=Notification.objects.first().created_at
                                - rules.REPEAT_AFTER)
    service.open_record(teacher, scene.jo, reason="education_welfare")
    assert _told(scene.jo) == {"SC:LEEDS": ["teacher"] * 2, "YOT:LEEDS": ["teacher"] * 2}


def test_silent_organisation_types_tell_nobody(scene, settings):
    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT,
                                                silent_organisation_types=("school",))
    service.open_record(scene.world.users["teacher"], scene.jo, reason="education_welfare")
    assert Notification.objects.count() == 0
    service.open_record(scene.world.users["gp"], scene.jo, reason="health_care")
    assert _told(scene.jo) == {"SC:LEEDS": ["gp"], "YOT:LEEDS": ["gp"]}


def test_an_unknown_silent_type_is_refused_naming_it(settings):
    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT,
                                                silent_organisation_types=("schools",))
    with pytest.raises(ImproperlyConfigured, match="schools"):
        rules.silent_types()


def test_a_refused_or_failed_opening_tells_nobody(scene):
    teacher = scene.world.users["teacher"]
    with pytest.raises(BadRequest):
        service.open_record(teacher, scene.jo, reason=None)
    with pytest.raises(NotFound):
        service.open_record(teacher, "1234567890", reason="assessment")
    assert Notification.objects.count() == 0


def test_the_view_and_the_notification_are_written_together_or_not_at_all(scene, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Notification.objects, "bulk_create", broken)
    before = mark()
    with pytest.raises(RuntimeError):
        service.open_record(scene.world.users["teacher"], scene.jo, reason="assessment")
    assert not Entry.objects.filter(pk__gt=before, event="child:record:view").exists()
    assert Notification.objects.count() == 0


def test_a_notification_holds_nothing_personal(scene):
    service.open_record(scene.world.users["teacher"], scene.jo, reason="other",
                        detail="Jo Marsh said she moved to Park Lane")
    for row in Notification.objects.values():
        for value in row.values():
            for secret in ("Jo", "Marsh", "Park Lane", "other", "2011"):
                assert secret not in str(value), (secret, row)


def test_an_unknown_organisation_code_tells_nobody_and_needs_no_organisation(scene):
    Organisation.objects.filter(code="YOT:LEEDS").update(code="YOT:GONE")
    service.open_record(scene.world.users["teacher"], scene.jo, reason="assessment")
    assert _told(scene.jo) == {"SC:LEEDS": ["teacher"]}


# -- the rule itself, with no database ------------------------------------------------------

def test_services_told_are_the_open_social_care_and_youth_offending_ones():
    record = {"services": [
        {"type": "social_care", "organisation_code": "A"},
        {"type": "youth_offending", "organisation_code": "B", "end_date": "2026-11-22"},
        {"type": "social_care", "organisation_code": "C", "end_date": "2026-11-21"},
        {"type": "school", "organisation_code": "D"},
        {"type": "camhs", "organisation_code": "E"},
        {"type": "social_care", "organisation_code": None},
        {"type": "social_care", "organisation_code": "A", "end_date": "2030-01-01"}]}
    assert rules.services_told(record, date(2026, 11, 22)) == {
        "A": "social_care", "B": "youth_offending"}
    assert rules.services_told({}, date(2026, 11, 22)) == {}
