"""Every error the API answers is application/problem+json (RFC 9457), whoever made it."""

from __future__ import annotations

import dataclasses
import logging

import orjson
import pytest

from accounts import bearer
from contactpoint.api import feeds
from databases import both_databases

pytestmark = both_databases
FEED = "/api/v1/feeds/school_census"
NDJSON = "application/x-ndjson"


def problem_of(response, status: int) -> dict:
    """The problem document of `response`, checked for RFC 9457's members."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = orjson.loads(response.content)
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert response["Cache-Control"] == "no-store"
    return body


def test_no_token_is_401_with_a_bearer_challenge(client):
    body = problem_of(client.post(FEED, b"{}\n", content_type=NDJSON), 401)
    assert body["title"] == "Unauthorized"
    response = client.post(FEED, b"{}\n", content_type=NDJSON)
    assert response["WWW-Authenticate"] == 'Bearer realm="ContactPoint API"'


@pytest.mark.parametrize("header", ["Bearer cp_000000000000_nope", "Bearer ", "Basic dTpw",
                                    "cp_000000000000_nope"])
def test_a_refused_token_is_401(client, census_token, header):
    response = client.post(FEED, b"{}\n", content_type=NDJSON, headers={"Authorization": header})
    problem_of(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer ")


def test_a_refused_token_is_told_invalid_token(client, census_token):
    response = client.post(FEED, b"{}\n", content_type=NDJSON,
                           headers=bearer(census_token[:-2] + "xx"))
    problem_of(response, 401)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_an_expired_token_is_401_saying_it_expired(client, user_token, monkeypatch):
    from datetime import timedelta  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    token = user_token("practitioner")
    search = "/api/v1/children?family_name=Smith&date_of_birth=2015-03-02"
    assert client.get(search, headers=bearer(token)).status_code == 200
    later = timezone.now() + timedelta(days=90, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(search, headers=bearer(token))
    body = problem_of(response, 401)
    assert body["detail"].startswith("This API token expired on ")
    assert "create a new one under API tokens in Your account" in body["detail"]
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_role_without_the_permission_is_403(client, user_token):
    for role in ("practitioner", "management_team", "national_admin", "auditor"):
        body = problem_of(client.post(FEED, b"{}\n", content_type=NDJSON,
                                      headers=bearer(user_token(role))), 403)
        assert "feeds:load" in body["detail"]


def test_bad_input_is_400_listing_each_field(client, census_token):
    body = problem_of(client.post("/api/v1/feeds/Not%20A%20Source", b"{}\n",
                                  content_type=NDJSON, headers=bearer(census_token)), 400)
    assert body["title"] == "Bad Request"
    assert body["errors"] == [{"field": "source", "in": "path", "detail": body["errors"][0]
                               ["detail"]}]
    assert "pattern" in body["errors"][0]["detail"]


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/", "/api/v2/children",
                                  "/api/", "/api/v1/feeds"])
def test_unknown_api_paths_are_404(client, path):
    body = problem_of(client.get(path), 404)
    assert body["title"] == "Not Found"
    assert problem_of(client.post(path, b"", content_type=NDJSON), 404)


def test_a_method_the_address_does_not_take_is_405(client, census_token):
    response = client.get(FEED, headers=bearer(census_token))
    body = problem_of(response, 405)
    assert response["Allow"] == "POST"
    assert "POST" in body["detail"]


def test_an_oversized_body_is_413_and_loads_nothing(client, census_token, settings):
    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT, api_max_feed_bytes=100)
    body = problem_of(client.post(FEED, b"{}\n" * 40, content_type=NDJSON,
                                  headers=bearer(census_token)), 413)
    assert "100" in body["detail"]
    from contactpoint.feeds.models import FeedLoad  # noqa: PLC0415
    assert not FeedLoad.objects.exists()


def test_a_body_longer_than_it_says_is_still_capped(census_token, settings):
    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT, api_max_feed_bytes=100)
    from django.test import RequestFactory  # noqa: PLC0415

    from contactpoint.errors import PayloadTooLarge  # noqa: PLC0415

    request = RequestFactory().post(FEED, b"x" * 500, content_type=NDJSON)
    request.META["CONTENT_LENGTH"] = ""  # a body that does not say its length (chunked)
    with pytest.raises(PayloadTooLarge):
        feeds.read_capped_body(request, 100)
    assert feeds.read_capped_body(RequestFactory().post(FEED, b"x" * 100,
                                                        content_type=NDJSON), 100) == b"x" * 100


def test_a_chunked_body_is_411_not_taken_for_empty(client, census_token):
    """Django reads Content-Length bytes only: under gunicorn a chunked body reads as empty."""
    body = problem_of(client.post(FEED, b"{}\n", content_type=NDJSON, CONTENT_LENGTH="",
                                  headers={**bearer(census_token),
                                           "Transfer-Encoding": "chunked"}), 411)
    assert "Content-Length" in body["detail"]


def test_a_body_of_another_type_is_415(client, census_token):
    problem_of(client.post(FEED, b"a,b\n1,2\n", content_type="text/csv",
                           headers=bearer(census_token)), 415)


def test_an_empty_body_is_400(client, census_token):
    problem_of(client.post(FEED, b"\n", content_type=NDJSON, headers=bearer(census_token)), 400)


def test_an_unexpected_failure_is_500_with_nothing_of_its_insides(
        client, census_token, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals: /var/lib/contactpoint")

    monkeypatch.setattr(feeds.upload, "load_feed_body", broken)
    with caplog.at_level(logging.ERROR, logger="contactpoint.api"):
        response = client.post(FEED + "?family_name=Testerton", b"{}\n", content_type=NDJSON,
                               headers=bearer(census_token))
    body = problem_of(response, 500)
    assert b"secret" not in response.content
    assert b"RuntimeError" not in response.content
    assert body["title"] == "Internal Server Error"
    [logged] = [r for r in caplog.records if r.name == "contactpoint.api"]
    assert "POST /api/v1/feeds/school_census" in logged.getMessage()
    assert "Testerton" not in logged.getMessage()  # a query string may hold a child's name
    assert logged.exc_info is not None


def test_pages_outside_the_api_keep_their_html_error_pages(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_failure_outside_any_operation_is_500_problem_json_too(monkeypatch):
    """Django's own 500 page, for a failure ninja's handlers never see, is rewritten."""
    from django.test import Client  # noqa: PLC0415

    from contactpoint.api.v1 import api  # noqa: PLC0415

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api, "get_openapi_schema", broken)
    response = Client(raise_request_exception=False).get("/api/v1/openapi.json")
    problem_of(response, 500)
    assert b"secret" not in response.content
    assert int(response["Content-Length"]) == len(response.content)


def test_a_body_over_djangos_own_limit_is_413():
    """Operations that read JSON bodies rely on Django's DATA_UPLOAD_MAX_MEMORY_SIZE."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent  # noqa: PLC0415
    from django.test import RequestFactory  # noqa: PLC0415

    from contactpoint.api.v1 import api  # noqa: PLC0415

    request = RequestFactory().post("/api/v1/x")
    problem_of_raw = api.on_exception(request, RequestDataTooBig("too big"))
    assert problem_of_raw.status_code == 413
    assert problem_of_raw["Content-Type"] == "application/problem+json"
    assert api.on_exception(request, TooManyFieldsSent("many")).status_code == 400
