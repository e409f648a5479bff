"""Blocking keys at the edges of the calendar: a search for the first or last date there
is must not fail (it answered 500 before: a day either side overflowed)."""

from __future__ import annotations

import pytest

from contactpoint.matching.blocking import _dob_variants


@pytest.mark.parametrize(("dob", "variants"), [
    ("0001-01-01", {"0001-01-01", "0001-01-02"}),
    ("9999-12-31", {"9999-12-31", "9999-12-30"}),
    ("2014-03-09", {"2014-03-09", "2014-09-03", "2014-03-08", "2014-03-10"}),
])
def test_a_day_either_side_stays_within_the_calendar(dob, variants):
    assert _dob_variants(dob) == variants
