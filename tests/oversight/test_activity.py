"""Reading the trail as a person (oversight/activity.py): whose entries, what, which page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from accounts import AUTHORITY, make_user
from contactpoint.access import services
from contactpoint.access.models import Organisation
from contactpoint.access.visibility import Monitoring, monitors
from contactpoint.audit import hooks
from contactpoint.errors import Forbidden
from contactpoint.identity.identifiers import new_contactpoint_id
from contactpoint.identity.models import Child
from contactpoint.identity.records import facts_of
from contactpoint.oversight import activity
from contactpoint.oversight.activity import PAGE_SIZE, Cursor, Filters, read_activity
from databases import both_databases
from trail import entries

pytestmark = both_databases
WAKEFIELD, KENT = "E08000036", "E10000016"


def _user(username: str, role: str, org: str, kind: str = "local_authority",
          authority: str | None = None):  # type: ignore[no-untyped-def]
    services.add_organisation(code=org, name=f"Org {org}", type=kind, authority=authority)
    user, _ = services.add_user(username=username, org_code=org, role=role)
    return user


@pytest.fixture
def people():  # type: ignore[no-untyped-def]
    leeds_team = make_user("management_team", username="leeds.team")
    teacher = make_user("practitioner", username="leeds.teacher")  # a Leeds school
    services.add_organisation(code=WAKEFIELD, name="Wakefield Council", type="local_authority")
    return {
        "leeds.team": leeds_team, "leeds.teacher": teacher,
        "leeds.auditor": make_user("auditor", username="leeds.auditor"),
        "national": make_user("national_admin", username="national"),
        "national.auditor": _user("national.auditor", "auditor", "NP:1", "national_partner"),
        "wakefield.team": _user("wakefield.team", "management_team", WAKEFIELD),
        "wakefield.gp": _user("wakefield.gp", "practitioner", "ODS:W1", "gp_practice",
                              WAKEFIELD),
    }


def _child(*, shielded: bool = False, lives: str | None = AUTHORITY,
           broker: str | None = None) -> Child:
    def org(code):  # type: ignore[no-untyped-def]
        return Organisation.objects.get(code=code) if code else None
    return Child.objects.create(contactpoint_id=new_contactpoint_id(), shielded=shielded,
                                local_authority=org(lives), shield_broker=org(broker))


def _ids(page) -> list[int]:  # type: ignore[no-untyped-def]
    return [e["id"] for e in page.entries]


def test_the_query_asks_the_database_what_the_visibility_rule_decides(people):
    services.add_organisation(code=KENT, name="Kent", type="local_authority")
    children = [_child(), _child(lives=WAKEFIELD), _child(lives=None),
                _child(shielded=True, broker=AUTHORITY),
                _child(shielded=True, lives=KENT, broker=AUTHORITY),  # shielded, moved
                _child(shielded=True, lives=AUTHORITY, broker=KENT),
                _child(shielded=True, lives=KENT, broker="NP:1"),
                _child(shielded=True, lives=KENT, broker=None)]
    scopes = [Monitoring(True), Monitoring(False, None)] + [
        Monitoring(False, Organisation.objects.get(code=code).pk)
        for code in (AUTHORITY, WAKEFIELD, KENT)]
    found = {}
    for scope in scopes:
        queried = set(activity.monitored_children(scope).values_list("contactpoint_id",
                                                                     flat=True))
        ruled = {c.contactpoint_id for c in children if monitors(scope, facts_of(c))}
        assert queried == ruled, scope
        found[scope] = [i for i, c in enumerate(children) if c.contactpoint_id in queried]
    everyone, nobody, leeds, wakefield, kent = scopes
    assert (found[everyone], found[nobody]) == (list(range(len(children))), [])
    assert (found[leeds], found[wakefield], found[kent]) == ([0, 3, 4], [1], [5])


def test_a_council_reads_its_own_users_entries_and_those_about_its_children(people):
    leeds_child, wakefield_child = _child(), _child(lives=WAKEFIELD)
    mine = hooks.record("account:signout", actor=people["leeds.teacher"])
    about_mine = hooks.record("child:record:view", actor=people["wakefield.gp"],
                              reason="assessment", subject=leeds_child.contactpoint_id)
    theirs = hooks.record("child:record:view", actor=people["wakefield.gp"],
                          reason="assessment", subject=wakefield_child.contactpoint_id)
    nobodys = hooks.record("child:shield:hold", actor=None,
                           subject=wakefield_child.contactpoint_id)
    ids = {name: e["id"] for name, e in (("mine", mine), ("about_mine", about_mine),
                                         ("theirs", theirs), ("nobodys", nobodys))}
    seen = {who: set(_ids(read_activity(people[who], Filters()))) & set(ids.values())
            for who in ("leeds.team", "leeds.auditor", "wakefield.team", "national",
                        "national.auditor")}
    assert seen["leeds.team"] == seen["leeds.auditor"] == {ids["mine"], ids["about_mine"]}
    assert seen["wakefield.team"] == {ids["about_mine"], ids["theirs"], ids["nobodys"]}
    assert seen["national"] == seen["national.auditor"] == set(ids.values())


def test_practitioners_may_not_read_the_trail(people):
    with pytest.raises(Forbidden):
        read_activity(people["leeds.teacher"], Filters())


def test_what_someone_elsewhere_typed_stays_sealed_but_their_reason_is_shown(people):
    leeds_child = _child()
    hooks.record("child:search", actor=people["wakefield.gp"],
                 personal={"criteria": {"family_name": "Okafor"}},
                 details={"results": [leeds_child.contactpoint_id]})
    hooks.record("child:record:view", actor=people["wakefield.gp"], reason="other",
                 personal={"reason_detail": "call from Ms Okafor"},
                 subject=leeds_child.contactpoint_id, details={"break_glass": False})
    hooks.record("child:search", actor=people["leeds.teacher"],
                 personal={"criteria": {"family_name": "Bello"}},
                 details={"results": [leeds_child.contactpoint_id]})
    filters = Filters(child=leeds_child.contactpoint_id)
    own_search, view, their_search = read_activity(people["leeds.team"], filters).entries
    assert own_search["details"]["criteria"] == {"family_name": "Bello"}
    assert own_search["withheld"] is None
    assert view["reason"] == "other"
    assert view["details"] == {"break_glass": False}
    assert "Okafor" not in str(view)
    assert "Okafor" not in str(their_search)
    assert view["withheld"]
    assert their_search["withheld"]
    hooks.record("child:record:view", actor=people["wakefield.gp"], reason="assessment",
                 subject=leeds_child.contactpoint_id)
    only_a_reason = read_activity(people["leeds.team"], filters).entries[0]
    assert only_a_reason["reason"] == "assessment"
    assert only_a_reason["withheld"] is None  # nothing was typed, so nothing is withheld
    national = {e["id"]: e for e in read_activity(people["national.auditor"], filters).entries}
    assert national[view["id"]]["details"]["reason_detail"] == "call from Ms Okafor"
    assert national[their_search["id"]]["details"]["criteria"] == {"family_name": "Okafor"}


def test_filters_by_user_child_event_and_local_days(people, monkeypatch):
    child = _child()

    def at(moment: datetime, event: str, who: str, **kwargs):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(timezone, "now", lambda: moment)
        try:
            return hooks.record(event, actor=people[who], **kwargs)["id"]
        finally:
            monkeypatch.undo()

    # 23:30 UTC on 1 July is 00:30 on 2 July in the UK (summer time).
    late = at(datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "child:record:view", "leeds.teacher",
              subject=child.contactpoint_id, reason="assessment")
    early = at(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), "child:search", "leeds.teacher")
    other = at(datetime(2026, 7, 3, 9, 0, tzinfo=UTC), "account:signout", "leeds.team")
    reader = people["national.auditor"]

    def ids(**filters):  # type: ignore[no-untyped-def]
        return _ids(read_activity(reader, Filters(**filters)))

    assert ids(until=date(2026, 7, 1)) == [early]
    assert ids(since=date(2026, 7, 2), until=date(2026, 7, 2)) == [late]
    assert ids(since=date(2026, 7, 2))[-2:] == [other, late]
    assert ids(user="leeds.teacher") == [late, early]
    assert ids(child=child.contactpoint_id) == [late]
    assert ids(event="child:search") == [early]
    assert ids(event="child:", until=date(2026, 7, 5)) == [late, early]
    assert ids(event="account:signout") == [other]
    assert ids(user="nobody") == []


def test_pages_newest_first_that_a_new_entry_does_not_shift(people):
    made = [hooks.record("account:signout", actor=people["leeds.teacher"])["id"]
            for _ in range(PAGE_SIZE * 2 + 7)]
    reader, only = people["leeds.team"], Filters(user="leeds.teacher")
    first = read_activity(reader, only)
    assert _ids(first) == made[::-1][:PAGE_SIZE]
    assert first.newer is None
    meanwhile = hooks.record("account:signout", actor=people["leeds.teacher"])["id"]
    second = read_activity(reader, only, Cursor(older_than=first.older))
    assert _ids(second) == made[::-1][PAGE_SIZE:PAGE_SIZE * 2]
    third = read_activity(reader, only, Cursor(older_than=second.older))
    assert _ids(third) == made[::-1][PAGE_SIZE * 2:]
    assert third.older is None
    back = read_activity(reader, only, Cursor(newer_than=third.newer))
    assert _ids(back) == _ids(second)
    assert back.older == second.older
    again = read_activity(reader, only, Cursor(newer_than=back.newer))
    assert _ids(again) == _ids(first)
    newest = read_activity(reader, only, Cursor(newer_than=again.newer))
    assert _ids(newest) == [meanwhile]
    assert newest.newer is None
    assert _ids(read_activity(reader, only, Cursor(older_than=999_999))) == _ids(
        read_activity(reader, only))  # a cursor naming no entry: the newest page


def test_reading_is_audited_with_the_filters_in_the_same_transaction(people):
    child = _child()
    hooks.record("child:record:view", actor=people["leeds.teacher"],
                 subject=child.contactpoint_id, reason="assessment")
    page = read_activity(people["leeds.team"], Filters(child=child.contactpoint_id,
                                                       since=date(2026, 1, 1)))
    (entry,) = entries("audit:activity:view")
    assert entry["actor"] == "leeds.team"
    assert entry["children"] == [child.contactpoint_id]
    assert entry["details"] == {
        "filters": {"child": child.contactpoint_id, "since": "2026-01-01"}, "page": {},
        "shown": 1, "newest": page.entries[0]["id"], "oldest": page.entries[0]["id"],
        "scope": AUTHORITY}
    assert not entry["reason"]


def test_refused_filters_are_audited_with_what_was_typed_sealed(people):
    activity.refuse(people["national"], ["child"], {"child": "Amara Okafor"})
    (entry,) = entries("audit:activity:view")
    assert entry["details"]["refused"] == ["child"]
    assert entry["details"]["typed"] == {"child": "Amara Okafor"}  # opened by the reader
    from contactpoint.audit.models import Entry  # noqa: PLC0415
    assert "Amara" not in Entry.objects.get(pk=entry["id"]).details
