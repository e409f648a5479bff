"""The review queue over HTTP: the same rules and history as the command line."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from accounts import AUTHORITY, bearer, make_user
from contactpoint.access.models import Organisation
from contactpoint.access.tokens import create_token
from contactpoint.identity.models import Child, PostcodeDistrict, SourceRecord
from contactpoint.loading.loader import ingest_file
from contactpoint.matching.models import ReviewItem
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl

pytestmark = both_databases


def token(role):
    return bearer(create_token(user=make_user(role).username))


@pytest.fixture
def item(tmp_path, keystore):
    make_user("management_team")  # makes the authority
    PostcodeDistrict.objects.create(district="LS1",
                                    authority=Organisation.objects.get(code=AUTHORITY))
    nhs = nhs_number()
    ingest_file("nhs_demographics", write_jsonl(tmp_path / "n.jsonl", [
        feed_row(source_id="N1", identifiers={"nhs_number": nhs}),
        feed_row(source_id="N2", identifiers={"nhs_number": nhs})]), today=date(2026, 11, 22))
    return ReviewItem.objects.get()


def call(client, method, path, headers, body=None):
    kwargs = {"headers": headers}
    if body is not None:
        kwargs.update(data=orjson.dumps(body), content_type="application/json")
    response = getattr(client, method)(f"/api/v1{path}", **kwargs)
    return response.status_code, orjson.loads(response.content)


def test_a_management_team_decides_and_undoes_over_http(client, item):
    team = token("management_team")
    status, queue = call(client, "get", "/review", team)
    assert status == 200
    assert [i["id"] for i in queue["items"]] == [item.pk]
    status, pair = call(client, "get", f"/review/{item.pk}", team)
    assert status == 200
    assert pair["record"]["source_id"] == "N2"
    assert {c["comparison"] for c in pair["comparisons"]} >= {"nhs_number", "date_of_birth"}

    status, decided = call(client, "post", f"/review/{item.pk}/link", team,
                           {"reason": "duplicate registration"})
    assert status == 200, decided
    assert (decided["kind"], decided["child"], decided["records_moved"]) == (
        "link", item.candidate.contactpoint_id, 1)
    assert decided["reason"] == "duplicate registration"
    assert SourceRecord.objects.get(pk=item.source_record_id).child_id == item.candidate_id
    status, again = call(client, "post", f"/review/{item.pk}/link", team, {"reason": "again"})
    assert status == 409
    assert "already decided" in again["detail"]

    status, history = call(client, "get",
                           f"/children/{item.candidate.contactpoint_id}/match-history", team)
    assert [h["decision"] for h in history] == [decided["decision"]]
    assert history[0]["reason"] == "duplicate registration"  # opened for those allowed
    status, undone = call(client, "post", f"/review/decisions/{decided['decision']}/undo",
                          team, {"reason": "linked the wrong pair"})
    assert status == 200
    assert undone["undoes"] == decided["decision"]
    assert SourceRecord.objects.get(pk=item.source_record_id).child_id != item.candidate_id


def test_split_and_merge_over_http(client, item):
    team = token("management_team")
    own = item.source_record.child.contactpoint_id
    status, merged = call(client, "post", "/review/merge", team, {
        "keep": item.candidate.contactpoint_id, "gone": own, "reason": "one child"})
    assert status == 200, merged
    assert merged["retired"] == own
    status, split = call(client, "post", "/review/split", team, {
        "source": "nhs_demographics", "source_id": "N2", "reason": "two children after all"})
    assert status == 200, split
    assert Child.objects.get(contactpoint_id=split["created"]).source_records.count() == 1


def test_who_may_do_what(client, item):
    status, problem = call(client, "get", "/review", token("practitioner"))
    assert status == 403
    assert "matching:review:read" in problem["detail"]
    status, _ = call(client, "post", f"/review/{item.pk}/link", token("auditor"),
                     {"reason": "x"})
    assert status == 403
    status, queue = call(client, "get", "/review", token("national_admin"))
    assert (status, len(queue["items"])) == (200, 1)
    status, _ = call(client, "get", "/review", {})
    assert status == 401


def test_bad_requests_name_the_field(client, item):
    team = token("management_team")
    status, problem = call(client, "post", f"/review/{item.pk}/link", team, {"reason": ""})
    assert status == 400
    assert "reason" in orjson.dumps(problem["errors"]).decode()
    status, problem = call(client, "post", f"/review/{item.pk}/link", team, {"reason": "   "})
    assert status == 400
    assert problem["errors"] == [{"field": "reason", "in": "body", "detail":
                                  "say why, in words, without control or invisible "
                                  "formatting characters"}]
    status, problem = call(client, "get", "/review?status=maybe", team)
    assert status == 400
    status, _ = call(client, "get", "/review/999999", team)
    assert status == 404
    status, _ = call(client, "post", "/review/merge", team,
                     {"keep": "12", "gone": "x' OR 1=1", "reason": "r"})
    assert status == 400
    assert ReviewItem.objects.get().status == "open"
