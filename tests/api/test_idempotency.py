"""`Idempotency-Key` on recording an involvement: a retry gets the first answer, and
nothing is recorded twice."""

from __future__ import annotations

import os
import threading
from datetime import date, timedelta
from unittest import mock

import orjson
import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from accounts import AUTHORITY, bearer
from contactpoint.access import services
from contactpoint.access.models import Organisation
from contactpoint.access.tokens import create_token
from contactpoint.api.idempotency import KEPT_FOR
from contactpoint.api.models import IdempotentRequest
from contactpoint.identity import records
from contactpoint.identity.models import Child, Involvement, PostcodeDistrict
from contactpoint.loading.loader import ingest_file
from databases import ALL_DATABASES, both_databases
from factories import feed_row, nhs_number, write_jsonl

pytestmark = both_databases
INVOLVEMENT = {"reason": "health_care", "service_type": "health_visitor",
               "phone": "0113 496 0100", "start_date": "2026-01-05"}


@pytest.fixture
def world(tmp_path, keystore):
    services.add_organisation(code=AUTHORITY, name="Leeds", type="local_authority")
    PostcodeDistrict.objects.create(district="LS1",
                                    authority=Organisation.objects.get(code=AUTHORITY))
    headers = {}
    for username, org in (("hv", "ODS:HV1"), ("hv2", "ODS:HV1"), ("gp", "ODS:GP1")):
        services.add_organisation(code=org, name=f"Org {org}", type="nhs_trust",
                                  authority=AUTHORITY)
        services.add_user(username=username, org_code=org, role="practitioner")
        headers[username] = bearer(create_token(user=username))
    ingest_file("nhs_demographics", write_jsonl(tmp_path / "n.jsonl", [feed_row(
        source_id="N1", identifiers={"nhs_number": nhs_number()})]), today=date(2026, 11, 22))
    child = Child.objects.get().contactpoint_id
    return {"path": f"/api/v1/children/{child}/involvements", "child": child, **headers}


def post(client, world, who, body, key=None):
    headers = dict(world[who])
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(world["path"], data=orjson.dumps(body),
                       content_type="application/json", headers=headers)


def test_a_retry_with_the_same_key_gets_the_first_answer_and_records_once(client, world):
    first = post(client, world, "hv", INVOLVEMENT, key="5f0c8f6e-3b1c-4c1e-9f0a-2d7b1a9c4e11")
    again = post(client, world, "hv", INVOLVEMENT, key="5f0c8f6e-3b1c-4c1e-9f0a-2d7b1a9c4e11")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert Involvement.objects.count() == 1


def test_without_a_key_each_request_records(client, world):
    assert post(client, world, "hv", INVOLVEMENT).status_code == 201
    assert post(client, world, "hv", INVOLVEMENT).status_code == 201
    assert Involvement.objects.count() == 2
    assert not IdempotentRequest.objects.exists()


def test_the_same_key_with_a_different_request_is_refused(client, world):
    assert post(client, world, "hv", INVOLVEMENT, key="k-1").status_code == 201
    other = post(client, world, "hv", {**INVOLVEMENT, "caf": True}, key="k-1")
    assert other.status_code == 422
    assert other["Content-Type"].startswith("application/problem+json")
    problem = orjson.loads(other.content)
    assert problem["errors"] == [{"field": "Idempotency-Key", "in": "header",
                                  "detail": "a new key for a new request"}]
    assert "different request" in problem["detail"]
    assert Involvement.objects.count() == 1


def test_keys_belong_to_their_caller(client, world):
    """Another person (even of the same organisation) with the same key is not replayed
    someone else's answer."""
    mine = post(client, world, "hv", INVOLVEMENT, key="shared-key")
    theirs = post(client, world, "gp", INVOLVEMENT, key="shared-key")
    colleague = post(client, world, "hv2", {**INVOLVEMENT, "caf": True}, key="shared-key")
    assert (mine.status_code, theirs.status_code, colleague.status_code) == (201, 201, 201)
    assert "Idempotent-Replayed" not in theirs
    assert Involvement.objects.count() == 3


def test_a_failed_request_keeps_nothing_so_it_may_be_sent_again(client, world):
    no_contact = {"reason": "health_care", "service_type": "health_visitor"}
    refused = post(client, world, "hv", no_contact, key="k-2")
    assert refused.status_code == 400
    assert not IdempotentRequest.objects.exists()
    assert post(client, world, "hv", INVOLVEMENT, key="k-2").status_code == 201


def test_a_crash_after_recording_leaves_neither_the_involvement_nor_the_key(client, world):
    with mock.patch.object(IdempotentRequest, "save", side_effect=RuntimeError("crash")):
        crashed = post(client, world, "hv", INVOLVEMENT, key="k-3")
    assert crashed.status_code == 500
    assert not Involvement.objects.exists()
    assert not IdempotentRequest.objects.exists()
    retried = post(client, world, "hv", INVOLVEMENT, key="k-3")
    assert retried.status_code == 201
    assert Involvement.objects.count() == 1


def test_a_key_is_forgotten_after_a_day(client, world):
    assert post(client, world, "hv", INVOLVEMENT, key="k-4").status_code == 201
    IdempotentRequest.objects.update(created_at=timezone.now() - KEPT_FOR - timedelta(1))
    later = post(client, world, "hv", {**INVOLVEMENT, "caf": True}, key="k-4")
    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later
    assert Involvement.objects.count() == 2
    assert IdempotentRequest.objects.count() == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve", '"unbalanced'])
def test_a_malformed_key_is_refused_naming_the_header(client, world, key):
    response = post(client, world, "hv", INVOLVEMENT, key=key)
    assert response.status_code == 400
    problem = orjson.loads(response.content)
    assert [e["field"] for e in problem["errors"]] == ["Idempotency-Key"]
    assert not Involvement.objects.exists()


def test_a_quoted_key_is_the_same_key(client, world):
    """The IETF draft sends the key as a structured-field string, in double quotes."""
    assert post(client, world, "hv", INVOLVEMENT, key='"k-5"').status_code == 201
    assert post(client, world, "hv", INVOLVEMENT, key="k-5")["Idempotent-Replayed"] == "true"
    assert Involvement.objects.count() == 1


def test_the_key_is_in_the_description(client):
    spec = orjson.loads(client.get("/api/v1/openapi.json").content)
    operation = spec["paths"]["/api/v1/children/{contactpoint_id}/involvements"]["post"]
    (header,) = [p for p in operation["parameters"] if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key"
    assert header["required"] is False
    assert "pattern" in header["schema"]
    assert "422" in operation["responses"]


def test_the_service_records_as_before_without_the_api(world):
    """The key is the API's: records.record_involvement is unchanged and keeps no key."""
    from contactpoint.access.models import User  # noqa: PLC0415

    records.record_involvement(User.objects.get(username="hv"), world["child"],
                               records.InvolvementInput(service_type="gp", phone="0113 496 0100"),
                               reason="health_care")
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)
@pytest.mark.skipif(os.environ.get("CONTACTPOINT_TEST_ENGINE") != "postgres",
                    reason="SQLite runs one write transaction at a time (BEGIN IMMEDIATE), "
                    "and its in-memory test database cannot hold two at once")
def test_two_at_once_with_the_same_key_record_once(world):
    """The second waits on the first's key (the unique constraint), then replays it."""
    barrier = threading.Barrier(2)
    answers = []

    def send() -> None:
        try:
            barrier.wait()
            answers.append(post(Client(), world, "hv", INVOLVEMENT, key="k-twin"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].content == answers[1].content
    assert sorted(a.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert Involvement.objects.count() == 1


def test_the_replay_header_is_in_the_description(client):
    spec = orjson.loads(client.get("/api/v1/openapi.json").content)
    created = spec["paths"]["/api/v1/children/{contactpoint_id}/involvements"]["post"][
        "responses"]["201"]
    assert "Idempotent-Replayed" in created["headers"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("InvolvementOut")
