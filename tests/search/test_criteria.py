"""Minimum search criteria: enough to find one child, never enough to browse."""

from datetime import date

import pytest

from contactpoint.errors import BadRequest
from contactpoint.search.criteria import ACCEPTED, parse


@pytest.mark.parametrize("given", [
    {"family_name": "Okafor", "date_of_birth": "2015-04-02"},
    {"given_name": "Amara", "family_name": "Okafor", "date_of_birth": "2015-04-02"},
    {"given_name": "Amara", "date_of_birth": "2015-04-02", "gender": "female",
     "postcode": "ls14ap"},
])
def test_accepted_combinations(given):
    criteria = parse(**given)
    assert criteria.date_of_birth == "2015-04-02"
    assert criteria.limit == 20


@pytest.mark.parametrize("given", [
    {}, {"family_name": "Okafor"}, {"date_of_birth": "2015-04-02"},
    {"given_name": "Amara", "date_of_birth": "2015-04-02"},
    {"given_name": "Amara", "date_of_birth": "2015-04-02", "postcode": "LS1 4AP"},
    {"postcode": "LS1 4AP", "date_of_birth": "2015-04-02", "gender": "female"},
])
def test_too_little_names_the_accepted_combinations(given):
    with pytest.raises(BadRequest) as raised:
        parse(**given)
    for combination in ACCEPTED:
        assert combination in raised.value.detail


@pytest.mark.parametrize(("field", "given"), [
    ("date_of_birth", {"family_name": "Okafor", "date_of_birth": "02/04/2015"}),
    ("date_of_birth", {"family_name": "Okafor", "date_of_birth": "2099-01-01"}),
    ("family_name", {"family_name": "Robert'); DROP TABLE children;--",
                     "date_of_birth": "2015-04-02"}),
    ("family_name", {"family_name": "O\u202eNeill", "date_of_birth": "2015-04-02"}),
    ("postcode", {"family_name": "Okafor", "date_of_birth": "2015-04-02",
                  "postcode": "<script>"}),
    ("gender", {"family_name": "Okafor", "date_of_birth": "2015-04-02", "gender": "x"}),
    ("limit", {"family_name": "Okafor", "date_of_birth": "2015-04-02", "limit": 51}),
])
def test_bad_values_are_named(field, given):
    with pytest.raises(BadRequest) as raised:
        parse(**given, today=date(2026, 11, 22))
    assert [p.field for p in raised.value.problems] == [field]


def test_names_with_apostrophes_accents_and_spaces_are_accepted():
    criteria = parse(given_name="Zoë", family_name="O’Neill-Lloyd ap Rhys",
                     date_of_birth="2015-04-02")
    assert criteria.family_name == "O'Neill-Lloyd ap Rhys"
    assert not criteria.uses_hidden_fields
    assert parse(family_name="Okafor", date_of_birth="2015-04-02",
                 postcode="LS1 4AP").uses_hidden_fields


@pytest.mark.parametrize(("born", "message"), [
    ("2026-11-23", "Date of birth must be today or in the past"),
    ("1900-01-01", "Enter a date of birth less than 25 years ago"),
    ("2001-11-22", "Enter a date of birth less than 25 years ago"),  # 25 today
])
def test_a_date_of_birth_no_child_in_the_index_can_have_is_refused(born, message):
    with pytest.raises(BadRequest) as raised:
        parse(family_name="Okafor", date_of_birth=born, today=date(2026, 11, 22))
    [problem] = raised.value.problems
    assert (problem.field, problem.detail.startswith(message)) == ("date_of_birth", True)


def test_the_last_day_before_25_and_today_are_accepted():
    for born in ("2001-11-23", "2026-11-22"):
        assert parse(family_name="Okafor", date_of_birth=born,
                     today=date(2026, 11, 22)).date_of_birth == born


def test_without_today_the_date_now_applies():
    """Every caller (the API passes no `today`) refuses a future date of birth."""
    tomorrow = date.fromordinal(date.today().toordinal() + 1).isoformat()
    with pytest.raises(BadRequest, match="not valid"):
        parse(family_name="Okafor", date_of_birth=tomorrow)


def test_messages_name_the_field_in_words():
    with pytest.raises(BadRequest) as raised:
        parse(family_name="O" * 101, given_name="4m4r4", date_of_birth="2015-04-02",
              today=date(2026, 11, 22))
    details = {p.field: p.detail for p in raised.value.problems}
    assert details == {
        "family_name": "Enter a family name of 100 characters or fewer",
        "given_name": "Given name must only include letters, spaces, hyphens and apostrophes"}
