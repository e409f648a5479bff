"""The audit hook: one structured line per event, in a fixed shape."""

from __future__ import annotations

import json
import logging

import pytest

from contactpoint.audit.hooks import record


class _Org:
    code = "E08000035"


class _User:
    username = "jo.bloggs"
    organisation = _Org()


def test_an_event_is_one_json_line_on_the_audit_logger(caplog):
    caplog.set_level(logging.INFO, logger="contactpoint.audit")
    entry = record("account:user:suspend", actor=_User(), reason="misuse",
                   subject=type("S", (), {"username": "sam.smith"})(), details={"n": 1})
    [line] = [r for r in caplog.records if r.name == "contactpoint.audit"]
    assert json.loads(line.getMessage()) == entry
    assert entry["event"] == "account:user:suspend"
    assert entry["actor"] == "jo.bloggs"
    assert entry["organisation"] == "E08000035"
    assert entry["subject"] == "sam.smith"
    assert entry["reason"] == "misuse"
    assert entry["details"] == {"n": 1}


def test_an_unknown_actor_is_recorded_as_none(caplog):
    caplog.set_level(logging.INFO, logger="contactpoint.audit")
    entry = record("account:signin:failure", actor=None, details={"step": "password"})
    assert entry["actor"] is None
    assert entry["organisation"] is None


@pytest.mark.parametrize("name", ["suspend", "Account:User", "account:", "account user:x"])
def test_event_names_are_scope_resource_action(name):
    with pytest.raises(ValueError, match="scope:resource:action"):
        record(name, actor=None)
