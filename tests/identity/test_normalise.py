import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactpoint.identity.normalise import (
    check_name,
    check_phone,
    display_case,
    fold,
    normalise_postcode,
)
from contactpoint.text import clean_text


@given(st.text())
def test_fold_is_idempotent_and_plain(value):
    folded = fold(value)
    assert fold(folded) == folded
    assert folded == folded.strip()
    assert "  " not in folded


@given(st.text())
def test_clean_text_never_keeps_invisible_controls(value):
    try:
        cleaned = clean_text(value)
    except ValueError:
        return
    assert "\u202e" not in cleaned
    assert "\u200b" not in cleaned
    assert clean_text(cleaned) == cleaned


@given(st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", fullmatch=True))
def test_postcode_formatting_is_canonical(compact):
    canonical = normalise_postcode(compact)
    assert canonical == f"{compact[:-3]} {compact[-3:]}"
    assert normalise_postcode(canonical.lower().replace(" ", "  ")) == canonical


def test_fold_examples():
    assert fold("Zoë O’Neill-Smith") == "zoe oneill smith"
    assert fold("ŁUKASZ Wójcik") == "lukasz wojcik"
    assert fold("Nguyễn") == "nguyen"


def test_display_case():
    assert display_case("O'NEILL-SMITH") == "O'Neill-Smith"
    assert display_case("mcdonald") == "Mcdonald"
    assert display_case("McDonald") == "McDonald"


@pytest.mark.parametrize("bad", ["", "   ", "1st", "-Ann", "Ann<script>", "Robert'); DROP"])
def test_check_name_refuses(bad):
    with pytest.raises(ValueError, match=r"empty|letter|may contain"):
        check_name(bad)


@pytest.mark.parametrize("good", ["0113 496 0000", "01134960000", "07700 900982",
                                  "+44 113 496 0000", "+44 (0)113 496-0000", "020 7946 0958",
                                  "+1 (202) 555-0143", "  0113   496 0000 "])
def test_check_phone_accepts_uk_and_international_numbers(good):
    assert check_phone(good) == " ".join(good.split())


@pytest.mark.parametrize("bad", ["call me maybe", "1", "0113 496", "999",
                                 "0113 496 0000 ext 12", "++44 113 496 0000",
                                 "44 113 496 0000+", "0113.496.0000", "1234567890123456",
                                 "０１１３ ４９６ ００００"])
def test_check_phone_refuses_what_cannot_be_dialled(bad):
    with pytest.raises(ValueError, match="is not a phone number"):
        check_phone(bad)


@given(st.text(alphabet="0123456789 ()-+", max_size=40))
def test_check_phone_keeps_only_numbers_of_10_to_15_digits(value):
    try:
        shown = check_phone(value)
    except ValueError:
        return
    assert 10 <= sum(ch.isdigit() for ch in shown) <= 15
    assert "+" not in shown[1:]
