from hypothesis import given
from hypothesis import strategies as st

from contactpoint.matching.blocking import (
    DOB_INITIAL,
    DOB_ONLY,
    dob_initial_keys,
    dob_key,
    index_keys,
    query_keys,
)
from contactpoint.matching.compare import COMPARISONS, INDEX, observe
from contactpoint.matching.profile import profile


def record(**overrides):
    base = {"given_names": "Amelia Rose", "family_name": "O'Neill-Smith",
            "date_of_birth": "2014-03-09", "gender": "female",
            "address": {"postcode": "LS1 4AP"}, "identifiers": {"nhs_number": "9434765919"},
            "carers": [{"given_names": "Sarah", "family_name": "O'Neill"}]}
    base.update(overrides)
    return profile(base)


def level(a, b, name):
    return observe(a, b)[INDEX[name]]


def test_identical_records_agree_everywhere():
    a = record()
    assert observe(a, a) == (0, 0, 1, 0, 0, 0, 0, None)


def test_name_levels():
    a = record()
    assert level(a, record(given_names="Millie"), "given_name") == 1  # short form
    assert level(a, record(given_names="Rose"), "given_name") == 1  # a middle name used
    assert level(a, record(given_names="Amelai"), "given_name") == 2
    assert level(a, record(family_name="Smith"), "family_name") == 1  # part of the name
    assert level(record(family_name="Robinson"), record(family_name="Robinsen"),
                 "family_name") == 2
    assert level(a, record(family_name="Khan"), "family_name") == 6
    b = record(family_name="Khan", former_family_names=["O'Neill-Smith"])
    assert level(a, b, "family_name") == 4


def test_swapped_names_count_once_as_a_swap():
    a = record(given_names="Wei", family_name="Zhang")
    b = record(given_names="Zhang", family_name="Wei")
    levels = observe(a, b)
    assert levels[INDEX["names_swapped"]] == 0
    assert levels[INDEX["given_name"]] is None
    assert levels[INDEX["family_name"]] is None


def test_given_name_levels_tell_typos_short_forms_and_second_names_apart():
    def given(x, y):
        return level(record(given_names=x), record(given_names=y), "given_name")

    assert given("Catriona", "Cat") == 1  # cut short
    assert given("Jayden", "Jaden") == 2  # one letter dropped
    assert given("Hibo", "Hivo") == 2  # one letter changed
    assert given("Amelia", "Amleia") == 2  # two neighbours swapped
    assert given("Muhammad Ali", "Muhammad Hassan") == 7  # brothers
    assert given("Muhammad Ali", "Muhammad Alu") == 0  # a typo in the second name
    assert given("Muhammad", "Muhammad Hassan") == 0
    assert given("Chioma", "Adaeze") == 8


def test_date_levels():
    a = record()
    assert level(a, record(date_of_birth="2014-09-03"), "date_of_birth") == 1
    assert level(a, record(date_of_birth="2014-03-10"), "date_of_birth") == 2
    assert level(a, record(date_of_birth="2014-03-08"), "date_of_birth") == 2
    assert level(a, record(date_of_birth="2015-03-09"), "date_of_birth") == 3
    assert level(a, record(date_of_birth="2014-08-09"), "date_of_birth") == 3
    assert level(a, record(date_of_birth="2014-03-27"), "date_of_birth") == 4
    assert level(a, record(date_of_birth="2011-07-21"), "date_of_birth") == 5


def test_missing_fields_are_null_not_disagreement():
    a = record()
    b = record(address=None, identifiers={}, carers=[], gender="unspecified")
    levels = observe(a, b)
    for name in ("household", "nhs_number", "sex"):
        assert levels[INDEX[name]] is None


names = st.sampled_from(["Amelia", "Amy", "Millie", "Jayden", "Jaden", "Zhang", "Wei",
                         "Oluwaseun", "Seun", "Smith", "Smith-Jones", "O'Neill", "Łukasz"])
dates = st.dates(min_value=__import__("datetime").date(2005, 1, 1),
                 max_value=__import__("datetime").date(2026, 1, 1)).map(lambda d: d.isoformat())
postcodes = st.sampled_from([None, "LS1 4AP", "LS1 4AQ", "LS2 1AA", "M1 1AE"])
sexes = st.sampled_from(["female", "male", "unspecified", None])
records = st.builds(
    lambda g, f, d, pc, s: record(given_names=g, family_name=f, date_of_birth=d, gender=s,
                                  address={"postcode": pc} if pc else None),
    names, names, dates, postcodes, sexes)


@given(records, records)
def test_comparison_is_symmetric(a, b):
    assert observe(a, b) == observe(b, a)


@given(records)
def test_a_record_agrees_with_itself_at_the_top_level(a):
    for value, comparison in zip(observe(a, a), COMPARISONS, strict=True):
        if comparison.name == "household" and a.postcode is None:
            assert value == 2  # the carers agree, there is no postcode to compare
        elif comparison.name != "names_swapped":
            assert value in (None, 0)


@given(records)
def test_a_record_is_found_by_its_own_query(a):
    """By a matching query; the date-of-birth keys without a name are for searches
    (dob_key, dob_initial_keys)."""
    matching = {k for k in index_keys(a) if k[0] not in (DOB_ONLY, DOB_INITIAL)}
    assert matching <= query_keys(a)
    assert index_keys(a) - matching == {dob_key(a.dob)} | dob_initial_keys(a)


def test_blocking_survives_one_wrong_field():
    a = record()
    for changed in (record(given_names="Amelai Rose"), record(family_name="Smith"),
                    record(date_of_birth="2014-09-03"), record(date_of_birth="2014-03-21"),
                    record(given_names="O'Neill-Smith", family_name="Amelia"),
                    record(given_names="Millie"), record(address={"postcode": "M1 1AE"})):
        assert index_keys(a) & query_keys(changed), changed
