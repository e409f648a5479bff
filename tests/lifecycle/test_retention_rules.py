"""The retention rules as dates: 18th birthdays, a year after a death, six years on."""

from __future__ import annotations

from datetime import date

from contactpoint.lifecycle import rules


def test_archived_on_the_18th_birthday_and_a_leap_day_birthday_on_1_march():
    assert rules.archive_due({"date_of_birth": "2009-01-10"}) == (date(2027, 1, 10), "age")
    assert rules.archive_due({"date_of_birth": "2012-02-29"}) == (date(2030, 3, 1), "age")


def test_a_recorded_death_archives_a_year_later_unless_18_comes_first():
    assert rules.archive_due({"date_of_birth": "2015-04-02",
                              "date_of_death": "2026-06-01"}) == (date(2027, 6, 1), "death")
    assert rules.archive_due({"date_of_birth": "2009-01-10",
                              "date_of_death": "2026-06-01"}) == (date(2027, 1, 10), "age")


def test_an_unreadable_date_is_never_guessed():
    assert rules.archive_due({"date_of_birth": "not a date"}) is None
    assert rules.archive_due({}) is None


def test_purged_six_years_after_archiving_not_a_day_sooner():
    assert rules.purge_due(date(2027, 1, 10)) == date(2033, 1, 10)
    assert rules.purge_cutoff(date(2033, 1, 10)) == date(2027, 1, 10)
    assert rules.purge_cutoff(date(2033, 1, 9)) == date(2027, 1, 9)
    # Archived on 29 February: due on 1 March six years on, and not on 28 February.
    assert rules.purge_due(date(2028, 2, 29)) == date(2034, 3, 1)
    assert rules.purge_cutoff(date(2034, 2, 28)) < date(2028, 2, 29)
    assert rules.purge_cutoff(date(2034, 3, 1)) >= date(2028, 2, 29)


def test_the_management_team_reaches_an_archived_record_for_a_year():
    assert rules.management_reach_ends(date(2027, 1, 10)) == date(2028, 1, 10)
