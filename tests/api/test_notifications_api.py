"""`GET /api/v1/notifications` (CONTRACTS.md): the caller's organisation's notifications,
items `{"contactpoint_id", "at", "organisation", "role", "reason"}`, and opening a record
through the API tells the child's services as the page does."""

from __future__ import annotations

import orjson
import pytest

from accounts import bearer
from contactpoint.access.tokens import create_token
from databases import both_databases
from notification_world import KAI_HIDDEN, Scene, make_scene

pytestmark = both_databases


@pytest.fixture
def scene(tmp_path, keystore) -> Scene:
    return make_scene(tmp_path)


def _token(username: str) -> dict[str, str]:
    return bearer(create_token(user=username))


def _get(client, path: str, who: str):  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1{path}", headers=_token(who))
    return response.status_code, orjson.loads(response.content)


def test_opening_through_the_api_tells_the_team_which_reads_it_through_the_api(client, scene):
    status, _ = _get(client, f"/children/{scene.jo}?reason=assessment", "teacher")
    assert status == 200
    status, told = _get(client, "/notifications", "social")
    assert status == 200
    assert len(told) == 1
    assert set(told[0]) == {"contactpoint_id", "at", "organisation", "role", "reason"}
    assert (told[0]["contactpoint_id"], told[0]["organisation"], told[0]["role"],
            told[0]["reason"]) == (scene.jo, "Org URN:107654", "practitioner", "assessment")


@pytest.mark.parametrize("who", ["teacher", "gp", "team", "national", "wakefield.team"])
def test_everyone_else_gets_an_empty_list(client, scene, who):
    _get(client, f"/children/{scene.jo}?reason=assessment", "teacher")
    assert _get(client, "/notifications", who) == (200, [])


def test_an_auditor_is_refused_and_no_token_is_unauthorised(client, scene):
    status, problem = _get(client, "/notifications", "auditor")
    assert status == 403
    assert "notifications:read" in problem["detail"]
    assert client.get("/api/v1/notifications").status_code == 401


def test_a_shielded_childs_notification_gives_only_the_kind_of_organisation(client, scene):
    _get(client, f"/children/{scene.kai}?reason=education_welfare", "wake.teacher")
    status, told = _get(client, "/notifications", "social")
    assert status == 200
    assert told[0]["organisation"] == "a school"
    for secret in KAI_HIDDEN:
        assert secret not in orjson.dumps(told).decode(), secret
