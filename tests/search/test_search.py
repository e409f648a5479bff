"""Finding children through the blind index: misspellings, shielding, status, too many."""

from datetime import date

import pytest

from contactpoint.identity.models import Child, ChildStatus
from contactpoint.loading.loader import ingest_file
from contactpoint.search.criteria import parse
from contactpoint.search.service import search_children
from databases import both_databases
from factories import feed_row, nhs_number, write_jsonl

pytestmark = both_databases
TODAY = date(2026, 11, 22)
#: (given, family, date of birth, how a practitioner might type them)
CHILDREN = [
    ("Siobhán", "Ní Bhriain", "2014-02-11", ("Siobhan", "Ni Bhriain")),
    ("Gruffydd", "ap Rhys", "2013-05-30", ("Gruffud", "Ap Rhys")),
    ("Muhammad", "Iqbal", "2016-09-01", ("Mohammed", "Iqbal")),
    ("An", "Nguyen", "2012-12-12", ("An", "Nguyen")),
    ("Kacper", "Wójcik", "2011-03-03", ("Kacper", "Wojcik")),
    ("Oluwaseun", "Adeyemi", "2015-07-19", ("Oluwasean", "Adeyemi")),
    ("Abdul-Rahman", "Al-Farsi", "2010-01-25", ("Abdulrahman", "Alfarsi")),
    ("Wei", "Zhang", "2017-08-08", ("Zhang", "Wei")),  # given and family swapped
    ("Katarzyna", "Szczepańska", "2012-06-14", ("Katarzyna", "Szczepanska")),
    ("Priya", "D'Souza", "2014-10-02", ("Priya", "Dsouza")),
    ("Rhiannon", "Llewellyn", "2013-11-20", ("Rhianon", "Llewelyn")),
    ("Chukwuemeka", "Okonkwo", "2016-04-04", ("Chukwuemeka", "Okonkow")),
    ("Thu", "Tran", "2015-02-01", ("Thu", "Tran")),
    ("Fatima", "Hussain", "2011-11-11", ("Fatimah", "Hussein")),
]


@pytest.fixture
def loaded(tmp_path, keystore):
    rows = [feed_row(source_id=f"N{i}", given_names=given, family_name=family,
                     date_of_birth=dob, identifiers={"nhs_number": nhs_number()},
                     address={"lines": [f"{i} High Street"], "town": "Leeds",
                              "postcode": f"LS{1 + i % 9} {i % 10}AB"},
                     carers=[{"given_names": "Sam", "family_name": family,
                              "relationship": "mother"}])
            for i, (given, family, dob, _) in enumerate(CHILDREN)]
    ingest_file("nhs_demographics", write_jsonl(tmp_path / "n.jsonl", rows), today=TODAY)


def names(result):
    return [(m["name"]["given_names"], m["name"]["family_name"]) for m in result.matches]


@pytest.mark.parametrize(("given", "family", "dob", "typed"), CHILDREN)
def test_found_as_a_practitioner_might_type_them(loaded, given, family, dob, typed):
    typed_given, typed_family = typed
    with_given = search_children(parse(given_name=typed_given, family_name=typed_family,
                                       date_of_birth=dob))
    assert names(with_given)[:1] == [(given, family)]
    if typed_family != "Wei":
        family_only = search_children(parse(family_name=typed_family, date_of_birth=dob))
        assert (given, family) in names(family_only)


def test_a_wrong_day_and_month_still_finds_the_child(loaded):
    found = search_children(parse(given_name="Kacper", family_name="Wojcik",
                                  date_of_birth="2011-03-03".replace("03-03", "03-04")))
    assert names(found) == [("Kacper", "Wójcik")]


def test_exact_mode_finds_only_exact_names(loaded):
    assert names(search_children(parse(family_name="Wojcik", date_of_birth="2011-03-03",
                                       exact=True))) == [("Kacper", "Wójcik")]  # folded
    assert search_children(parse(family_name="Wojcek", date_of_birth="2011-03-03",
                                 exact=True)).matches == []


def test_someone_else_is_not_found(loaded):
    assert search_children(parse(family_name="Smith", date_of_birth="2011-03-03")).matches == []


def only(criteria):
    (match,) = search_children(criteria).matches
    return match["contactpoint_id"]


def test_shielded_children_only_for_visible_fields(loaded):
    iqbal = only(parse(family_name="Iqbal", date_of_birth="2016-09-01"))
    Child.objects.filter(contactpoint_id=iqbal).update(shielded=True)
    by_name = search_children(parse(family_name="Iqbal", date_of_birth="2016-09-01"))
    assert [(m["contactpoint_id"], m["shielded"]) for m in by_name.matches] == [(iqbal, True)]
    by_postcode = search_children(parse(given_name="Muhammad", date_of_birth="2016-09-01",
                                        gender="female", postcode="LS3 2AB"))
    assert by_postcode.matches == []
    Child.objects.filter(contactpoint_id=iqbal).update(shielded=False)
    assert only(parse(given_name="Muhammad", date_of_birth="2016-09-01", gender="female",
                      postcode="LS3 2AB")) == iqbal  # the same search finds it unshielded


def test_archived_and_merged_children_are_not_returned(loaded):
    wojcik = only(parse(family_name="Wojcik", date_of_birth="2011-03-03"))
    Child.objects.filter(contactpoint_id=wojcik).update(status=ChildStatus.ARCHIVED)
    assert search_children(parse(family_name="Wojcik", date_of_birth="2011-03-03")).matches == []
    Child.objects.filter(contactpoint_id=wojcik).update(status=ChildStatus.MERGED)
    assert search_children(parse(family_name="Wojcik", date_of_birth="2011-03-03")).matches == []


def test_too_many_matches_lists_none(tmp_path, keystore):
    rows = [feed_row(source_id=f"S{i}", given_names=f"Child{'abcdefghijklmnopqrstuvwxyz'[i]}",
                     family_name="Smith", date_of_birth="2015-05-05",
                     identifiers={"nhs_number": nhs_number()}) for i in range(25)]
    ingest_file("school_census", write_jsonl(tmp_path / "s.jsonl", rows), today=TODAY)
    result = search_children(parse(family_name="Smith", date_of_birth="2015-05-05"))
    assert (result.matches, result.too_many_matches) == ([], True)
    narrowed = search_children(parse(family_name="Smith", date_of_birth="2015-05-05",
                                     limit=50))
    assert len(narrowed.matches) == 25


def test_a_name_misspelt_past_its_sound_is_found_by_the_date_alone(loaded):
    # "Qojcik" sounds nothing like Wójcik: no name key finds it, the date of birth does.
    found = search_children(parse(family_name="Qojcik", date_of_birth="2011-03-03"))
    assert names(found) == [("Kacper", "Wójcik")]


def test_a_whole_birthday_is_weighed_only_when_name_and_initial_find_none(tmp_path,
                                                                          keystore):
    rows = [feed_row(source_id=f"D{i}", given_names=given, family_name=family,
                     date_of_birth="2015-05-05", identifiers={"nhs_number": nhs_number()})
            for i, (given, family) in enumerate([("Amara", "Okafor"), ("Tomasz", "Nowak"),
                                                 ("Eleri", "Pritchard"), ("Nia", "Nash")])]
    ingest_file("school_census", write_jsonl(tmp_path / "d.jsonl", rows), today=TODAY)
    by_name = search_children(parse(family_name="Nowak", date_of_birth="2015-05-05"))
    assert names(by_name) == [("Tomasz", "Nowak")]
    assert by_name.considered == 1
    # "Novak" no longer sounds like Nowak, but starts with its letter: only the
    # children born that day whose family name starts with N are weighed.
    initial = search_children(parse(family_name="Novak", date_of_birth="2015-05-05"))
    assert names(initial) == [("Tomasz", "Nowak")]
    assert initial.considered == 2
    # "Jowak" has lost the first letter too: then every child born that day.
    misspelt = search_children(parse(family_name="Jowak", date_of_birth="2015-05-05"))
    assert names(misspelt) == [("Tomasz", "Nowak")]
    assert misspelt.considered == 4
    # An exact search never widens.
    exact = search_children(parse(family_name="Novak", date_of_birth="2015-05-05",
                                  exact=True))
    assert (exact.matches, exact.considered) == ([], 0)


@pytest.fixture
def household(tmp_path, keystore):
    """Three siblings at one postcode, and a renamed child (Bello, now Okafor) beside them."""
    carers = [{"given_names": "Ngozi", "family_name": "Adebayo", "relationship": "mother"}]
    address = {"lines": ["3 Mill Lane"], "town": "Leeds", "postcode": "LS6 2AB"}
    rows = [feed_row(source_id=f"H{i}", given_names=given, family_name="Adebayo",
                     date_of_birth=dob, gender=gender, address=address, carers=carers)
            for i, (given, dob, gender) in enumerate([("Tolu", "2012-03-01", "female"),
                                                      ("Kemi", "2014-07-19", "female"),
                                                      ("Dayo", "2016-01-30", "male")])]
    rows.append(feed_row(source_id="R1", given_names="Amara", family_name="Okafor",
                         former_family_names=["Bello"], date_of_birth="2015-04-02",
                         gender="female", carers=[{"given_names": "Ada",
                                                   "family_name": "Okafor"}]))
    ingest_file("social_care", write_jsonl(tmp_path / "h.jsonl", rows), today=TODAY)


def test_a_postcode_search_with_a_wrong_date_of_birth_lists_no_household(household):
    """Every criterion constrains: the family name, gender and postcode of a household
    with a date of birth none of them has finds none of them."""
    found = search_children(parse(family_name="Adebayo", date_of_birth="2010-01-01",
                                  gender="female", postcode="LS6 2AB"))
    assert found.matches == []
    found = search_children(parse(given_name="Kemi", date_of_birth="2010-01-01",
                                  gender="female", postcode="LS6 2AB"))
    assert found.matches == []
    # The right date finds the one child born on it, not her sisters.
    assert names(search_children(parse(family_name="Adebayo", date_of_birth="2014-07-19",
                                       gender="female", postcode="LS6 2AB"))) == [
        ("Kemi", "Adebayo")]


def test_a_postcode_elsewhere_or_another_gender_finds_nobody(household):
    assert search_children(parse(family_name="Adebayo", date_of_birth="2014-07-19",
                                 gender="female", postcode="M1 1AA")).matches == []
    assert search_children(parse(family_name="Adebayo", date_of_birth="2014-07-19",
                                 gender="male", postcode="LS6 2AB")).matches == []


def test_a_shielded_child_is_not_found_through_a_former_name(household):
    by_former = parse(given_name="Amara", family_name="Bello", date_of_birth="2015-04-02")
    assert names(search_children(by_former)) == [("Amara", "Okafor")]  # unshielded: found
    renamed = only(parse(family_name="Okafor", date_of_birth="2015-04-02"))
    Child.objects.filter(contactpoint_id=renamed).update(shielded=True)
    assert search_children(by_former).matches == []
    assert search_children(parse(family_name="Bello", date_of_birth="2015-04-02")).matches == []
    # Found on the name it shows, as any shielded child is.
    assert names(search_children(parse(family_name="Okafor", date_of_birth="2015-04-02"))) == [
        ("Amara", "Okafor")]
