"""The audit hook: one entry in the database, in the caller's transaction, personal parts sealed."""

from __future__ import annotations

import pytest
from django.db import transaction

import trail
from contactpoint.audit import hooks
from contactpoint.audit import trail as trail_
from contactpoint.audit.hooks import record
from contactpoint.audit.models import Entry, EntryChild, Pending
from databases import both_databases


class _Org:
    code = "E08000035"


class _User:
    username = "jo.bloggs"
    role = "management_team"
    organisation = _Org()


pytestmark = both_databases

CHILD = "1000000016"


def test_an_event_is_one_entry_with_who_what_when_and_why():
    start = trail.mark()
    record("account:user:suspend", actor=_User(), reason="misuse",
           subject=type("S", (), {"username": "sam.smith"})(), details={"n": 1})
    [entry] = trail.entries(after=start)
    assert entry["event"] == "account:user:suspend"
    assert entry["actor"] == "jo.bloggs"
    assert entry["organisation"] == "E08000035"
    assert entry["role"] == "management_team"
    assert entry["subject"] == "sam.smith"
    assert entry["reason"] == "misuse"
    assert entry["details"] == {"n": 1}
    assert Pending.objects.filter(entry_id=entry["id"]).exists()


def test_an_unknown_actor_is_recorded_as_none():
    start = trail.mark()
    record("account:signin:failure", actor=None, details={"step": "password"})
    [entry] = trail.entries(after=start)
    assert entry["actor"] is None
    assert entry["organisation"] is None


def test_the_reason_and_what_was_asked_are_sealed_and_the_ids_stay_readable():
    record("child:search", actor=_User(), reason="safeguarding: a neighbour's call",
           personal={"criteria": {"family_name": "Zebedee-Quince"}},
           details={"results": [CHILD]})
    entry = Entry.objects.order_by("-pk").first()
    assert entry.children == CHILD
    assert [e.pk for e in trail_.select(child=CHILD)] == [entry.pk]  # found while waiting
    trail_.sequence()  # the sequencer indexes it by child as it places it
    assert [e.pk for e in trail_.select(child=CHILD)] == [entry.pk]
    indexed = EntryChild.objects.filter(entry_id=entry.pk)
    assert list(indexed.values_list("contactpoint_id", flat=True)) == [CHILD]
    stored = bytes(entry.sealed) + entry.details.encode()
    assert b"Zebedee" not in stored
    assert b"neighbour" not in stored
    [read] = trail.entries(after=entry.pk - 1)
    assert read["details"]["criteria"] == {"family_name": "Zebedee-Quince"}
    assert read["reason"] == "safeguarding: a neighbour's call"


def test_an_entry_is_part_of_the_callers_transaction():
    start = trail.mark()
    def action_that_fails_after_its_entry():
        with transaction.atomic():
            record("account:user:suspend", actor=_User(), reason="misuse")
            raise RuntimeError("the action failed after its entry was written")

    with pytest.raises(RuntimeError):
        action_that_fails_after_its_entry()
    assert trail.entries(after=start) == []


def test_an_entry_that_cannot_be_written_fails_the_action(monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(hooks, "_store", refuse)
    with pytest.raises(RuntimeError, match="disk is full"):
        record("account:user:suspend", actor=_User())


@pytest.mark.parametrize("name", ["suspend", "Account:User", "account:", "account user:x"])
def test_event_names_are_scope_resource_action(name):
    with pytest.raises(ValueError, match="scope:resource:action"):
        record(name, actor=None)
