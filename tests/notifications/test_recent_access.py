"""Recent access on the record (contactpoint/notifications/recent.py), role by role.

The child's own management team (where the child lives, or the team brokering its shield)
and the national team read the 25 newest entries about the child; a practitioner, an
auditor and another authority's team are refused, and a shielded child's list goes to
nobody it is shielded from.
"""

from __future__ import annotations

import pytest

from contactpoint.access.authorise import Refused
from contactpoint.audit import hooks
from contactpoint.identity.models import Child
from contactpoint.notifications import recent, service
from contactpoint.search import criteria
from contactpoint.search.service import search_for
from databases import both_databases
from trail import entries, mark

pytestmark = both_databases


def _child(cp_id: str) -> Child:
    return Child.objects.get(contactpoint_id=cp_id)


def test_the_childs_team_reads_who_looked_newest_first_with_reasons(scene):
    users = scene.world.users
    search_for(users["teacher"], criteria.parse(family_name="Marsh",
                                                date_of_birth="2011-05-05"))
    service.open_record(users["teacher"], scene.jo, reason="other", detail="Jo's own words")
    service.open_record(users["yot"], scene.jo, reason="youth_justice")
    shown = recent.recent_access(users["team"], _child(scene.jo))
    assert [(a.event, a.organisation, a.role, a.who, a.reason) for a in shown] == [
        ("child:record:view", "Org YOT:LEEDS", "practitioner", "yot", "youth_justice"),
        ("child:record:view", "Org URN:107654", "practitioner", "teacher", "other"),
        ("child:search", "Org URN:107654", "practitioner", "teacher", None)]
    assert "Jo's own words" not in repr(shown)
    assert "Marsh" not in repr(shown)
    assert shown[0].when >= shown[1].when >= shown[2].when


def test_only_the_25_newest_are_shown_and_reading_them_is_audited(scene):
    users = scene.world.users
    for n in range(30):
        hooks.record("child:record:view", actor=users["gp"], reason="health_care",
                     subject=scene.jo, details={"n": n})
    before = mark()
    shown = recent.recent_access(users["national"], _child(scene.jo))
    assert len(shown) == recent.RECENT == 25
    (entry,) = entries("child:access:view", after=before)
    assert (entry["actor"], entry["subject"], entry["details"]["shown"]) == (
        "national", scene.jo, 25)


@pytest.mark.parametrize("who", ["teacher", "social", "gp", "auditor", "wakefield.team"])
def test_practitioners_auditors_and_other_authorities_are_refused(scene, who):
    user = scene.world.users[who]
    assert not recent.may_read(user, _child(scene.jo))
    with pytest.raises(Refused):
        recent.recent_access(user, _child(scene.jo))


def test_a_shielded_childs_list_goes_only_to_the_team_that_sees_it_whole(scene):
    users = scene.world.users
    service.open_record(users["wake.teacher"], scene.kai, reason="education_welfare")
    kai = _child(scene.kai)
    # Leeds's team once had Kai: the shield keeps where Kai is now from it.
    assert not recent.may_read(users["team"], kai)
    with pytest.raises(Refused):
        recent.recent_access(users["team"], kai)
    for who in ("wakefield.team", "national"):  # they see the whole record anyway
        shown = recent.recent_access(users[who], kai)
        assert "Moorside Academy" in [a.organisation for a in shown]
