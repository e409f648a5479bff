"""The API fuzzed against its own OpenAPI description (schemathesis): never a 5xx.

Bounded: a fixed number of generated requests per operation, as a management team
member (who may call almost everything) or, for the feed, its source's client, on a
small index, so injection strings, odd
unicode, huge numbers and malformed bodies reach the code behind every operation. Every
answer must be below 500, and every error must be application/problem+json.
"""

from __future__ import annotations

from datetime import date

import orjson
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from accounts import bearer, make_client
from contactpoint.access import services
from contactpoint.access.models import Organisation
from contactpoint.access.tokens import create_token
from contactpoint.feeds.loader import ingest_file
from contactpoint.identity.models import PostcodeDistrict
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl

pytestmark = [both_databases, pytest.mark.slow]
LA = "E08000035"


@pytest.fixture(autouse=True)
def connections_kept_open():
    """schemathesis calls the WSGI app directly, and Django closes the database connection
    when each request ends; inside the test's transaction that loses everything. Django's
    own test client disconnects the same signal."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def team_headers(tmp_path, keystore):
    services.add_organisation(code=LA, name="Leeds", type="local_authority")
    PostcodeDistrict.objects.get_or_create(district="LS1",
                                           authority=Organisation.objects.get(code=LA))
    services.add_user(username="fuzz-team", org_code=LA, role="management_team")
    nhs = nhs_number()
    ingest_file("nhs_demographics", write_jsonl(tmp_path / "n.jsonl", [
        feed_row(source_id="N1", identifiers={"nhs_number": nhs}),
        feed_row(source_id="N2", identifiers={"nhs_number": nhs})]), today=date(2026, 11, 22))
    make_client("census-feed", "school_census")
    return {"team": bearer(create_token(user="fuzz-team")),
            "client": bearer(create_token(client="census-feed"))}


@schemathesis.serializer("application/x-ndjson")
def _json_lines(ctx, value):  # type: ignore[no-untyped-def]
    """The feed body is a string in the schema (JSON Lines): sent as its UTF-8 bytes, or
    whatever was generated as one JSON line."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return orjson.dumps(value) + b"\n"


def _schema():  # type: ignore[no-untyped-def]
    from contactpoint.wsgi import application  # noqa: PLC0415

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


SCHEMA = _schema()
OPERATIONS = {op.label: op for op in (r.ok() for r in SCHEMA.get_all_operations())}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_request_gets_a_server_error(label, team_headers):
    # schemathesis's own pytest plugin does not run on this pytest; its strategies do.
    @given(case=OPERATIONS[label].as_strategy())
    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def any_request(case):  # type: ignore[no-untyped-def]
        # A source system's client for its feed (so bodies reach the loader), else the team.
        who = "client" if "/feeds/" in label else "team"
        if who == "client":
            case.path_parameters = {"source": "school_census"}
        response = case.call(headers=team_headers[who])
        assert response.status_code < 500, (case.method, case.formatted_path,
                                            response.text[:300])
        if response.status_code >= 400:
            headers = {k.lower(): v for k, v in response.headers.items()}
            assert headers["content-type"][0].startswith("application/problem+json"), (
                case.method, case.formatted_path, response.status_code)

    any_request()
