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
