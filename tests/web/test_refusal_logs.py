"""A refused request is logged as one line (status, method, path, reason), never a traceback."""

from __future__ import annotations

import logging

from django.test import Client
from django.utils.log import configure_logging

from contactpoint.web.logging_filters import OneLineRefusals
from databases import both_databases
from signing_in import ready_user, verified_client


def _refusals(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "status_code", 0) >= 400]


@both_databases
def test_a_page_refused_for_want_of_a_permission_is_one_line(caplog):
    caplog.set_level(logging.WARNING)
    user, device = ready_user("practitioner")
    response = verified_client(user, device).get("/manage/users/")
    assert response.status_code == 403

    (record,) = _refusals(caplog)
    assert record.name == "django.request"
    assert record.getMessage().startswith("403 GET /manage/users/ refused: needs ")
    assert record.exc_info is None
    assert "Traceback" not in caplog.text
    assert len(caplog.text.strip().splitlines()) == len(caplog.records)


@both_databases
def test_a_form_refused_by_the_csrf_check_is_one_line(caplog, settings):
    # Logging configured a second time, as another django.setup() in the process does.
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    logging.getLogger().addHandler(caplog.handler)  # which configuring took off the root
    caplog.set_level(logging.WARNING)
    response = Client(enforce_csrf_checks=True).post(
        "/sign-in/", {"username": "someone", "password": "anything-at-all"})
    assert response.status_code == 403

    (record,) = _refusals(caplog)
    assert record.getMessage() == (
        "403 POST /sign-in/ refused: Forbidden (CSRF cookie not set.)")
    assert "Traceback" not in caplog.text


def test_a_path_cannot_start_a_forged_line(caplog):
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1,
                               "Not Found: %s", ("/x\nERROR forged",), None)
    record.status_code = 404
    record.request = type("Request", (), {"path": "/x\nERROR forged", "method": "GET"})()
    assert OneLineRefusals().filter(record)
    assert record.getMessage() == "404 GET /x\\nERROR forged refused: Not Found"


def test_a_record_filtered_twice_is_rewritten_once():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1,
                               "Forbidden: %s", ("/x",), None)
    record.status_code = 403
    record.request = type("Request", (), {"path": "/x", "method": "GET"})()
    for _ in range(2):  # as when logging has been configured twice
        assert OneLineRefusals().filter(record)
    assert record.getMessage() == "403 GET /x refused: Forbidden"


def test_a_server_error_keeps_its_traceback():
    try:
        raise ValueError("boom")
    except ValueError as exc:
        exc_info = (type(exc), exc, exc.__traceback__)
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1,
                               "Internal Server Error: %s", ("/x",), exc_info)
    record.status_code = 500
    assert OneLineRefusals().filter(record)
    assert record.exc_info is exc_info
    assert record.getMessage() == "Internal Server Error: /x"
