"""The mistakes are the kind real systems make, and never produce an impossible value."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from contactpoint.synth import mistakes


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))
def test_day_and_month_are_swapped_only_into_a_real_different_date(day):
    swapped = mistakes.swap_day_and_month(day)
    if swapped is None:
        assert day.day > 12 or day.day == day.month
    else:
        assert (swapped.day, swapped.month, swapped.year) == (day.month, day.day, day.year)
        assert swapped != day


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC'-", min_size=3, max_size=20),
    st.integers(0, 10**6),
)
def test_a_typo_changes_one_or_two_letters(name, seed):
    slipped = mistakes.typo(name, random.Random(seed))
    assert abs(len(slipped) - len(name)) <= 1
    same_start = sum(1 for a, b in zip(name, slipped, strict=False) if a == b)
    assert same_start >= min(len(name), len(slipped)) - 2 or slipped[1:] != name[1:]


def test_typos_mostly_keep_the_first_letter():
    rng = random.Random(1)
    kept = sum(mistakes.typo("Jessica", rng)[0] == "J" for _ in range(2000))
    assert kept > 1700


def test_accents_are_dropped_the_way_english_systems_drop_them():
    assert mistakes.drop_accents("Zoë") == "Zoe"
    assert mistakes.drop_accents("Łukasz Wójcik") == "Lukasz Wojcik"
    turkish = "N\u00fa\u00f1ez Y\u0131lmaz \u015eahin"  # Núñez, Yilmaz with a dotless i, Şahin
    assert mistakes.drop_accents(turkish) == "Nunez Yilmaz Sahin"
    assert mistakes.drop_accents("Smith") == "Smith"


def test_short_forms_and_spellings():
    rng = random.Random(3)
    assert mistakes.short_form(["William", "James"], rng)[0] in {"Will", "Bill", "Billy", "Liam"}
    assert mistakes.short_form(["Muhammad", "Ayaan"], rng) == ["Ayaan"]
    assert mistakes.short_form(["Mohammed"], rng)[0] in {
        "Muhammad",
        "Mohammad",
        "Mohamed",
        "Muhammed",
        "Mohamad",
        "Mohd",
    }
    assert mistakes.short_form(["Xyzzy"], rng) is None


def test_double_barrelled_surnames_lose_a_half():
    rng = random.Random(5)
    assert {mistakes.surname_part("Smith-Jones", rng) for _ in range(50)} == {"Smith", "Jones"}
    assert mistakes.surname_part("Smith", rng) is None


def test_punctuation_is_lost_or_changed():
    rng = random.Random(7)
    assert {mistakes.punctuation("O'Neill", rng) for _ in range(60)} == {
        "ONeill",
        "O Neill",
        "O\u2019Neill",
    }
    assert mistakes.punctuation("Smith", rng) is None


@given(st.integers(0, 10**6))
def test_reformatted_postcodes_normalise_back(seed):
    recorded = mistakes.postcode_format("LS60 4AP", random.Random(seed))
    assert recorded != "LS60 4AP"
    assert "".join(recorded.split()).upper() == "LS604AP"


def test_impossible_dates_do_not_parse():
    rng = random.Random(9)
    for _ in range(30):
        text = mistakes.impossible_date(date(2015, 6, 9), rng)
        try:
            date.fromisoformat(text)
        except ValueError:
            continue
        raise AssertionError(text)


def test_abbreviations():
    rng = random.Random(0)
    results = {tuple(mistakes.abbreviate(["12 Park Road", "Ashfield"], rng)) for _ in range(40)}
    assert ("12 Park Road",) in results
    assert ("12 Park Rd", "Ashfield") in results
