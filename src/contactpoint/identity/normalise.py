"""Normalising personal values: the forms we store, show, match and search on.

Pure functions, no framework. Validation errors are ValueError with a message that
names the rule and never repeats the value (rejection reasons end up in files and logs).
"""

from __future__ import annotations

import re
import unicodedata

from contactpoint.text import SPACES, clean_text

_NAME_PUNCTUATION = frozenset("'’‘-‐‑. ")
_MAX_COMBINING_RUN = 3
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "‐": "-", "‑": "-"})


_PLAIN_NAME = re.compile(r"^[A-Za-z][A-Za-z' .-]*\Z")


def check_name(value: str, max_chars: int = 100) -> str:
    """A person's name as written, cleaned; letters, marks, spaces, apostrophes, hyphens."""
    name = clean_text(value).translate(_APOSTROPHES)
    if not name:
        raise ValueError("is empty")
    if len(name) > max_chars:
        raise ValueError(f"is longer than {max_chars} characters")
    if _PLAIN_NAME.match(name):
        return name
    run = 0
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("M"):
            run += 1
            if run > _MAX_COMBINING_RUN:
                raise ValueError("has a run of stacked combining marks")
            continue
        run = 0
        if not (category.startswith("L") or ch in _NAME_PUNCTUATION):
            raise ValueError("may contain only letters, spaces, apostrophes and hyphens")
    if not unicodedata.category(name[0]).startswith("L"):
        raise ValueError("must start with a letter")
    return name


def display_case(name: str) -> str:
    """Systems that shout (SMITH) or whisper (smith) are shown in name case (Smith, O'Neill).

    Names with mixed case are left exactly as the source wrote them (McDonald, van der Berg).
    """
    if name != name.upper() and name != name.lower():
        return name
    out = []
    for word in name.lower().split(" "):
        parts = re.split(r"([-'])", word)
        out.append("".join(p[:1].upper() + p[1:] if p not in "-'" else p for p in parts))
    return " ".join(out)


def fold(value: str) -> str:
    """The matching form of a name: case-folded, accents removed, words of letters only.

    "Zoë O'Neill-Smith" -> 'zoe oneill smith'. Letters with no decomposition (ł, ø, ß)
    take their usual English spellings.
    """
    if value.isascii():  # most names: no accents to strip, no compatibility forms
        text = _ASCII_DROP.sub("", value.lower())
        return " ".join(_ASCII_SPLIT.sub(" ", text).split())
    # Compatibility forms first (so a styled mathematical A becomes A), then case, then
    # decompose once more.
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", value).casefold())
    text = text.translate(_FOLD_EXTRA)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['.’‘`]", "", text)
    text = re.sub(r"[\W\d_]+", " ", text)
    return " ".join(text.split())


_ASCII_DROP = re.compile(r"['.`]")
_ASCII_SPLIT = re.compile(r"[^a-z]+")
_FOLD_EXTRA = str.maketrans({"ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d",
                             "ð": "d", "þ": "th", "ı": "i"})


def normalise_postcode(value: str) -> str:
    """'ls14ap', ' LS1  4AP ' -> 'LS1 4AP'; ValueError when it is not a UK postcode shape."""
    compact = re.sub(r"\s+", "", value).upper()
    if not _POSTCODE.match(compact):
        raise ValueError("is not a valid UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


#: A phone number as people write one: an optional leading +, then digits, spaces,
#: brackets and hyphens ("0113 496 0000", "+44 (0)113 496-0000").
_PHONE = re.compile(r"^\+?[0-9 ()\-]+\Z")
#: A UK number is 10 or 11 digits (without or with its leading 0); ITU-T E.164 allows
#: at most 15, country code included.
PHONE_DIGITS = (10, 15)


def check_phone(value: str) -> str:
    """A plausible UK or international phone number, spaces tidied; ValueError otherwise.

    A shape check, not a lookup: it refuses words ("call me maybe") and numbers too short
    or long to dial, and leaves whether the number is in service to the person who rings.
    """
    text = SPACES.sub(" ", value).strip()
    digits = sum(ch.isdigit() for ch in text)
    if not _PHONE.match(text) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise ValueError("is not a phone number")
    return text


def postcode_district(postcode: str) -> str:
    """'LS1 4AP' -> 'LS1' (the outward code)."""
    return postcode.split(" ", 1)[0]


def postcode_sector(postcode: str) -> str:
    """'LS1 4AP' -> 'LS1 4'."""
    return postcode[:-2]
