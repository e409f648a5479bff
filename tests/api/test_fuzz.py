"""The API fuzzed against its own OpenAPI description (schemathesis), with all its checks.

Every operation, with requests the description calls valid (positive) and ones it calls
invalid (negative), sent with a real token of a holder who may call it (a practitioner
for the children's operations, the local management team for shielding and the review
queue, the source's client for its feed), half of them at a real child. Each answer
goes through every check schemathesis has: no server error; a status, content type,
headers and body the description lists for that operation; invalid input refused; valid
input accepted; a missing token 401; an undeclared method 405 with `Allow`. (The two
stateful checks, use_after_free and ensure_resource_availability, judge chains of calls
and have nothing to say about single requests.)

Valid input is accepted, except where the description cannot say the rule: which
combinations of criteria a search needs, a reason of `other` needing its detail, a review
date after today, a phone or an email, an end date after the start. There a 400 is
allowed, and only naming those fields (CROSS_FIELD_RULES).

Bounded and deterministic: a fixed number of examples per operation and mode, derandomized,
with no example database and no shrinking (a failure is reported as found), on a small
index.
"""

from __future__ import annotations

from datetime import date

import jsonschema_rs
import orjson
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from accounts import AUTHORITY, bearer, make_client
from contactpoint.access import services
from contactpoint.access.models import Organisation, OrganisationType
from contactpoint.access.tokens import create_token
from contactpoint.identity.models import Child, ChildStatus, PostcodeDistrict
from contactpoint.loading.loader import ingest_file
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl

pytestmark = [both_databases, pytest.mark.slow]
EXAMPLES = 25

#: Who calls each permission's operations.
HOLDER = {
    "children:search": "practitioner",
    "children:record:view": "practitioner",
    "children:involvement:create": "practitioner",
    "children:shield:manage": "team",
    "matching:review:read": "team",
    "matching:review:decide": "team",
    "feeds:load": "client",
    "alerts:manage": "team",
    "notifications:read": "practitioner",
}

#: Rules OpenAPI cannot state, by operation: a 400 to valid-looking input must name only
#: these fields.
CROSS_FIELD_RULES = {
    # Which criteria together are enough; a name that folds to nothing searchable.
    "GET /api/v1/children": {"criteria", "date_of_birth"},
    "GET /api/v1/children/{contactpoint_id}": {"reason_detail"},  # `other` needs it
    # A phone or email; end after start; a sensitive service's consent; `other` needs its
    # detail; behind a shield, the lead is agreed with the management team.
    "POST /api/v1/children/{contactpoint_id}/involvements": {
        "phone", "end_date", "consent", "reason_detail", "lead_professional"},
    "PUT /api/v1/children/{contactpoint_id}/shield": {"review_on"},  # after today
    "POST /api/v1/feeds/{source}": {"body"},  # a body of only blank lines
    "POST /api/v1/review/merge": {"gone"},  # not the same child as `keep`
}
#: And a 422 only for an Idempotency-Key sent before with another request: the answer
#: depends on what was sent earlier, which no schema can say.
STATEFUL_422 = {"POST /api/v1/children/{contactpoint_id}/involvements": {"Idempotency-Key"}}

_OPERATION_CONFIG = "\n".join(f"""
[[operations]]
include-name = "{label}"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "400", "401", "403", "404", "409"{', "422"' if label in STATEFUL_422 else ""}]
""" for label in CROSS_FIELD_RULES.keys() | STATEFUL_422.keys())
# A feed is text, and any text is a feed the loader reads (a line it cannot use is listed
# in `rejections`, answered 200): a body the description calls invalid (a number, an
# object) is, once sent, text like any other, so there is no invalid body to refuse.
_OPERATION_CONFIG += """
[[operations]]
include-name = "POST /api/v1/feeds/{source}"
checks.negative_data_rejection.enabled = false
"""
# Each call carries a real token (call_and_validate's headers). A case made "invalid" by
# leaving the Authorization header out is sent with it after all, so what was left of
# its invalidity (a query value that, once in the query string, is text like any other)
# was judged alone: answered 200 and counted as invalid data accepted, now and then.
_OPERATION_CONFIG = """
[generation]
with-security-parameters = false
""" + _OPERATION_CONFIG
CONFIG = SchemathesisConfig.from_str(_OPERATION_CONFIG)


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
def world(tmp_path, keystore):
    """A child in Leeds, and tokens for a Leeds school's practitioner, Leeds's management
    team and the school census's client."""
    services.add_organisation(code=AUTHORITY, name="Leeds", type=OrganisationType.LOCAL_AUTHORITY)
    services.add_organisation(code="URN:107654", name="Park Primary School",
                              type=OrganisationType.SCHOOL, authority=AUTHORITY)
    PostcodeDistrict.objects.get_or_create(district="LS1",
                                           authority=Organisation.objects.get(code=AUTHORITY))
    services.add_user(username="fuzz-team", org_code=AUTHORITY, role="management_team")
    services.add_user(username="fuzz-practitioner", org_code="URN:107654", role="practitioner")
    nhs = nhs_number()
    ingest_file("nhs_demographics", write_jsonl(tmp_path / "n.jsonl", [
        feed_row(source_id="N1", identifiers={"nhs_number": nhs}),
        feed_row(source_id="N2", identifiers={"nhs_number": nhs})]), today=date(2026, 11, 22))
    make_client("census-feed", "school_census")
    return {
        "child": Child.objects.filter(status=ChildStatus.ACTIVE).order_by("pk")[0].contactpoint_id,
        "headers": {"team": bearer(create_token(user="fuzz-team")),
                    "practitioner": bearer(create_token(user="fuzz-practitioner")),
                    "client": bearer(create_token(client="census-feed"))},
    }


@schemathesis.serializer("application/x-ndjson")
def _json_lines(ctx, value):  # type: ignore[no-untyped-def]
    """The feed body is a string in the schema (JSON Lines): sent as its UTF-8 bytes, or
    whatever was generated as one JSON line."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return orjson.dumps(value) + b"\n"


def _schema():  # type: ignore[no-untyped-def]
    # Django's own WSGI application, not contactpoint.wsgi's: importing that starts the
    # audit sequencer's thread (audit/background.py), which would then run beside every
    # later test in this process, on a connection of its own to the test database.
    from django.core.wsgi import get_wsgi_application  # noqa: PLC0415

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(),
                                          config=CONFIG)


SCHEMA = _schema()
OPERATIONS = {op.label: op for op in (r.ok() for r in SCHEMA.get_all_operations())}
load_all_checks()


def _field_schema(case, location: str | None, field: str) -> dict | None:  # type: ignore[no-untyped-def]
    raw = case.operation.definition.raw
    if location == "body":
        for content in raw.get("requestBody", {}).get("content", {}).values():
            ref = content.get("schema", {}).get("$ref", "")
            body = SCHEMA.raw_schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
            return body.get("properties", {}).get(field)
        return None
    for parameter in raw.get("parameters", []):
        if parameter["in"] == location and parameter["name"].lower() == field.lower():
            return parameter.get("schema")
    return None


def _valid_by_description(case, location: str | None, field: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the value sent for `field` is valid by the description, judged by a JSON
    Schema validator: schemathesis generates `\\p{M}` from an approximate class that
    holds unassigned code points, which the server rightly refuses."""
    schema = _field_schema(case, location, field)
    sent = {"body": case.body if isinstance(case.body, dict) else {}, "query": case.query,
            "header": case.headers, "path": case.path_parameters}.get(location or "") or {}
    if schema is None or field not in sent:
        return True  # not a field of the description (`criteria`): a rule of its own
    return jsonschema_rs.validator_for(schema).is_valid(sent[field])


def _cross_field_problems_only(label: str, response, case) -> None:  # type: ignore[no-untyped-def]
    """A 400 (or 422) to input the description calls valid names only a rule it cannot
    state."""
    allowed = {400: CROSS_FIELD_RULES, 422: STATEFUL_422}.get(response.status_code)
    if allowed is None or not case.meta.generation.mode.is_positive:
        return
    problem = response.json()
    named = {e["field"] for e in problem.get("errors", [])
             if _valid_by_description(case, e.get("in"), e["field"])} or (
        set() if problem.get("errors") else {"body"})
    assert named <= allowed.get(label, set()), (
        f"{label}: valid by the description, refused for {sorted(named)}: {problem}; "
        f"sent {case.path_parameters} {case.query} {case.body!r}")


def test_every_operation_is_fuzzed():
    """The walk below covers the API: every operation has a holder who may call it."""
    assert len(OPERATIONS) >= 15
    for label, operation in OPERATIONS.items():
        assert operation.definition.raw["x-permission"] in HOLDER, label
    assert set(CROSS_FIELD_RULES) <= set(OPERATIONS)


def test_every_check_is_on():
    """call_and_validate runs the checks the configuration leaves on: all of them, so a
    check schemathesis adds joins the run by itself; off only the one CONFIG names."""
    names = CHECKS.get_all_names()
    assert "response_schema_conformance" in names
    assert "negative_data_rejection" in names
    for label, operation in OPERATIONS.items():
        config = SCHEMA.config.checks_config_for(operation=operation, phase=None)
        off = {name for name in names if not config.get_by_name(name=name).enabled}
        assert off == ({"negative_data_rejection"} if "/feeds/" in label else set()), label


def _takes_input(label: str) -> bool:
    raw = OPERATIONS[label].definition.raw
    return bool(raw.get("parameters")) or "requestBody" in raw


#: Every operation with valid input, and with invalid input where it takes any: one with
#: no parameters and no body (GET /alerts, GET /notifications) has nothing to make
#: invalid, and hypothesis says so rather than send anything.
CASES = [pytest.param(label, mode, id=f"{label}-{name}") for label in sorted(OPERATIONS)
         for mode, name in ((GenerationMode.POSITIVE, "valid"),
                            (GenerationMode.NEGATIVE, "invalid"))
         if mode is GenerationMode.POSITIVE or _takes_input(label)]


def test_only_operations_without_input_go_unfuzzed_with_invalid_input():
    without = {label for label in OPERATIONS if not _takes_input(label)}
    assert without == {"GET /api/v1/alerts", "GET /api/v1/notifications"}


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_every_answer_is_what_the_description_says(label, mode, world):
    operation = OPERATIONS[label]
    holder = HOLDER[operation.definition.raw["x-permission"]]
    fixed = {}
    if holder == "client":
        fixed = {"source": "school_census"}  # its own feed, so bodies reach the loader
    strategies = [operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)]
    if "{contactpoint_id}" in label:
        strategies.append(operation.as_strategy(
            generation_mode=mode, path_parameters={"contactpoint_id": world["child"]}))

    @given(case=st.one_of(strategies))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded
              suppress_health_check=list(HealthCheck))
    def any_request(case):  # type: ignore[no-untyped-def]
        # Every check schemathesis has that CONFIG leaves on (all, but one for the feed).
        response = case.call_and_validate(headers=world["headers"][holder])
        _cross_field_problems_only(label, response, case)

    any_request()
