"""The template filters that put values in words the GOV.UK way (web/templatetags/govuk.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contactpoint.loading.sources import SOURCE_DISPLAY_NAMES, display_name
from contactpoint.web.templatetags import govuk


@pytest.mark.parametrize(("moment", "shown"), [
    (datetime(2026, 3, 9, 11, 48), "11:48am"), (datetime(2026, 3, 9, 15, 5), "3:05pm"),
    (datetime(2026, 3, 9, 9, 0), "9am"), (datetime(2026, 3, 9, 12, 0), "midday"),
    (datetime(2026, 3, 9, 0, 0), "midnight"), (datetime(2026, 3, 9, 0, 30), "12:30am"),
    (datetime(2026, 3, 9, 12, 1), "12:01pm"), (datetime(2026, 3, 9, 23, 59), "11:59pm"),
])
def test_times_are_written_as_gov_uk_writes_them(moment, shown):
    assert govuk.govuk_time(moment) == shown


def test_a_moment_is_shown_in_local_time_with_its_date():
    # 11:48 UTC in July is 12:48 in London (British Summer Time).
    assert govuk.govuk_datetime(datetime(2026, 7, 9, 11, 48, tzinfo=UTC)) == (
        "9 July 2026, 12:48pm")
    assert govuk.govuk_datetime(datetime(2026, 1, 9, 11, 48, tzinfo=UTC)) == (
        "9 January 2026, 11:48am")
    assert govuk.govuk_datetime(None) == ""
    assert "." not in govuk.govuk_datetime(datetime(2026, 1, 9, 11, 48, tzinfo=UTC))


def test_sources_have_display_names_in_one_place():
    assert govuk.source_label("nhs_demographics") == "NHS demographics (PDS)"
    assert govuk.source_label("school_census") == "School census"
    assert govuk.source_label("practitioner") == "A practitioner, on ContactPoint"
    assert display_name("leeds_csc") == "Leeds CSC"
    assert display_name("wakefield-early-help") == "Wakefield early help"
    assert display_name(None) == ""
    for name, shown in SOURCE_DISPLAY_NAMES.items():
        assert govuk.source_label(name) == shown
        assert "_" not in shown


def test_code_words_keep_their_acronyms():
    assert govuk.words("nhs_number") == "NHS number"
    assert govuk.words("parental_responsibility") == "Parental responsibility"
    assert govuk.govuk_date(date(2014, 3, 9)) == "9 March 2014"
