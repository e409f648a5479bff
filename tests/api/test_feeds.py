"""`POST /api/v1/feeds/{source}`: the same load, summary and rejections as `contactpoint ingest`."""

from __future__ import annotations

import contextlib
import gc
from pathlib import Path

import orjson
import pytest
from django.db import transaction

from accounts import bearer, make_client
from contactpoint.access.tokens import create_token
from contactpoint.db import bulk
from contactpoint.db.gcpolicy import LOADING_THRESHOLDS
from contactpoint.feeds.models import FeedLoad
from contactpoint.identity.models import Child, SourceRecord
from contactpoint.loading.loader import FeedLoader, ingest_file, rejects_path
from contactpoint.synth import generate
from databases import both_databases
from factories import feed_row

pytestmark = both_databases
NDJSON = "application/x-ndjson"
#: Lines no loader may take whole or in part: a bad date, not JSON, a sensitive service
#: without consent (loaded without it), no source_id.
BAD_LINES = [
    orjson.dumps(feed_row(source_id="BAD-1", date_of_birth="2015-02-30")),
    b"{not json",
    orjson.dumps(feed_row(source_id="BAD-3", services=[
        {"type": "sexual_health", "organisation": "Clinic"}])),
    orjson.dumps({"given_names": "No", "family_name": "Id", "date_of_birth": "2015-01-01"}),
]


@pytest.fixture(scope="module")
def feeds(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synth")
    generate(60, 11, folder)
    census = folder / "school_census.jsonl"
    census.write_bytes(census.read_bytes() + b"\n".join(BAD_LINES) + b"\n")
    return folder


class _Undo(Exception):
    """Raised to roll a block back on both databases."""


def ingest_then_undo(source: str, path: Path, keystore) -> tuple[dict, list[dict]]:
    """What `ingest` says of a file, with everything it wrote rolled back."""
    with contextlib.suppress(_Undo), transaction.atomic(), transaction.atomic(using="keystore"):
        summary = ingest_file(source, path)
        raise _Undo
    keystore.forget_cache()
    rejects = [orjson.loads(line) for line in rejects_path(path).read_bytes().splitlines()]
    return summary.as_dict(), rejects


def post_feed(client, source: str, body: bytes, token: str):
    return client.post(f"/api/v1/feeds/{source}", body, content_type=NDJSON,
                       headers=bearer(token))


def test_the_answer_is_what_ingest_gives(client, feeds, keystore):
    # Another source first: the census loads into an index that already holds children.
    ingest_file("nhs_demographics", feeds / "nhs_demographics.jsonl")
    census = feeds / "school_census.jsonl"
    expected, expected_rejects = ingest_then_undo("school_census", census, keystore)
    assert not SourceRecord.objects.filter(source__name="school_census").exists()
    assert expected["linked"] > 30  # the census joins the children the NHS feed made
    assert expected["rejected"] >= 3
    make_client("census-feed", "school_census")

    response = post_feed(client, "school_census", census.read_bytes(),
                         create_token(client="census-feed"))

    assert response.status_code == 200, response.content
    answer = orjson.loads(response.content)
    rejections = answer.pop("rejections")
    assert answer == expected
    assert rejections == expected_rejects
    first_bad = len(census.read_bytes().splitlines()) - len(BAD_LINES) + 1
    assert [(r["line"] - first_bad, r["field"]) for r in rejections[-4:]] == [
        (0, "date_of_birth"), (1, None), (2, "services.0.consent"), (3, "source_id")]
    assert SourceRecord.objects.filter(source__name="school_census").count() == (
        expected["read"] - expected["rejected"])
    load = FeedLoad.objects.get(source__name="school_census")
    assert (load.file_name, load.counts) == ("api:census-feed", expected)
    assert load.finished_at is not None


def test_the_same_body_twice_changes_nothing(client, census_token):
    body = b"\n".join(orjson.dumps(feed_row()) for _ in range(3)) + b"\n"
    first = orjson.loads(post_feed(client, "school_census", body, census_token).content)
    assert (first["read"], first["created"], first["rejections"]) == (3, 3, [])
    children = Child.objects.count()
    second = orjson.loads(post_feed(client, "school_census", body, census_token).content)
    assert (second["read"], second["unchanged"], second["created"]) == (3, 3, 0)
    assert Child.objects.count() == children


def test_the_feeds_api_loads_as_ingest_does(client, census_token, monkeypatch):
    """The same run as `ingest` (loading.loader.load_and_finish): garbage collected rarely
    while placing, the planner's statistics refreshed after, with the records written."""
    placing_thresholds, refreshed = [], []
    load_checked = FeedLoader.load_checked

    def watched(self, rows, on_reject, progress=None):
        placing_thresholds.append(gc.get_threshold())
        return load_checked(self, rows, on_reject, progress)

    def refresh(tables, rows_written):
        refreshed.append(rows_written)
        return False

    monkeypatch.setattr(FeedLoader, "load_checked", watched)
    monkeypatch.setattr(bulk, "refresh_statistics", refresh)
    body = b"\n".join(orjson.dumps(feed_row()) for _ in range(4)) + b"\n"
    answer = orjson.loads(post_feed(client, "school_census", body, census_token).content)
    assert answer["created"] == 4
    assert placing_thresholds == [LOADING_THRESHOLDS]
    assert refreshed == [4]
    assert gc.get_threshold() != LOADING_THRESHOLDS


def test_a_client_loads_its_own_source_only(client, census_token):
    make_client("nhs-feed", "nhs_demographics")
    body = orjson.dumps(feed_row()) + b"\n"
    for source in ("nhs_demographics", "child_benefit"):
        response = post_feed(client, source, body, census_token)
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert "school_census" in orjson.loads(response.content)["detail"]
    assert not SourceRecord.objects.exists()
    assert not FeedLoad.objects.exists()
    assert post_feed(client, "school_census", body, census_token).status_code == 200


def test_a_byte_order_mark_and_blank_lines_are_read_as_in_a_file(client, census_token):
    body = b"\xef\xbb\xbf" + orjson.dumps(feed_row()) + b"\n\n" + b"[1]\n"
    answer = orjson.loads(post_feed(client, "school_census", body, census_token).content)
    assert (answer["read"], answer["created"], answer["rejected"]) == (2, 1, 1)
    assert answer["rejections"] == [{"line": 3, "source_id": None, "field": None,
                                     "reason": "line is not a JSON object"}]


def test_feeds_wait_for_an_unfinished_initial_load(client, census_token):
    from contactpoint.loading.initial import MARKER  # noqa: PLC0415

    source = FeedLoad.objects.create(source=_census_source(), file_name="nhs.jsonl",
                                     counts=MARKER).source
    answer = post_feed(client, "school_census", orjson.dumps(feed_row()) + b"\n",
                       census_token)
    assert answer.status_code == 409
    assert "initial load" in orjson.loads(answer.content)["detail"]
    assert SourceRecord.objects.count() == 0
    assert source.name == "school_census"


def _census_source():
    from contactpoint.access.models import SourceSystem  # noqa: PLC0415

    return SourceSystem.objects.get_or_create(name="school_census")[0]
