"""The mistakes people and systems make when they write a child's details down.

Each function takes the true value and a random stream and returns what a system
recorded. They never invent a new person: a typo keeps the first letter nine times in
ten, a swapped day and month is only made when the result is a real date.
"""

from __future__ import annotations

import random
from datetime import date

from contactpoint.synth.dates import days
from contactpoint.synth.name_variants import other_forms
from contactpoint.synth.seeding import between, pick

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: dict[str, str] = {}
for _row in _KEYBOARD_ROWS:
    for _i, _key in enumerate(_row):
        _NEIGHBOURS[_key] = _row[max(0, _i - 1) : _i] + _row[_i + 1 : _i + 2]
_ABBREVIATIONS = (
    (" Road", " Rd"),
    (" Street", " St"),
    (" Avenue", " Ave"),
    (" Lane", " Ln"),
    (" Drive", " Dr"),
    (" Close", " Cl"),
    (" Crescent", " Cres"),
    (" Gardens", " Gdns"),
)
_ACCENTED = str.maketrans(
    "ąćęłńóśźżĄĆĘŁŃÓŚŹŻėūįšžčĖŪĮŠŽČıİşŞğĞöÖüÜçÇéèáíúñÉÁÍÚÑãõâêôàëïøőűăîșțȘȚŢţọẹễảạ",
    "acelnoszzACELNOSZZeuiszcEUISZCiIsSgGoOuUcCeeaiunEAIUNaoaeoaeioouaistSTTtoeeaa",
)


def typo(name: str, rng: random.Random) -> str:
    """One keying slip: a neighbouring key, a dropped or doubled letter, two swapped."""
    if len(name) < 3:
        return name
    position = between(rng, 1, len(name) - 1) if rng.random() < 0.9 else 0
    letter = name[position]
    kind = rng.random()
    if kind < 0.3 and letter.lower() in _NEIGHBOURS:
        replacement = pick(rng, _NEIGHBOURS[letter.lower()])
        replacement = replacement.upper() if letter.isupper() else replacement
        return name[:position] + replacement + name[position + 1 :]
    if kind < 0.55:
        return name[:position] + name[position + 1 :]
    if kind < 0.75:
        return name[:position] + letter + name[position:]
    if position + 1 < len(name) and name[position + 1] != letter:
        return name[:position] + name[position + 1] + letter + name[position + 2 :]
    return name[:position] + name[position + 1 :]


def short_form(given_names: list[str], rng: random.Random) -> list[str] | None:
    """The name the child goes by, or another spelling: None when there is none."""
    first = given_names[0]
    if (
        first in ("Muhammad", "Mohammed", "Mohammad", "Mohamed", "Muhammed")
        and len(given_names) > 1
    ):
        return given_names[1:2]  # registered "Muhammad Ayaan", known as Ayaan
    forms = other_forms(first)
    if not forms:
        return None
    return [pick(rng, forms), *given_names[1:]]


def surname_part(family_name: str, rng: random.Random) -> str | None:
    """One half of a double-barrelled surname, or None if it is not one."""
    if "-" not in family_name:
        return None
    parts = family_name.split("-")
    return parts[-1] if rng.random() < 0.6 else parts[0]


def punctuation(name: str, rng: random.Random) -> str | None:
    """How systems that cannot store apostrophes or hyphens write the name."""
    if "'" in name:
        return name.replace("'", pick(rng, ("", " ", "\u2019")))
    if "-" in name:
        return name.replace("-", pick(rng, (" ", "")))
    if " " in name:
        return name.replace(" ", "") if rng.random() < 0.5 else name.title()
    return None


def drop_accents(text: str) -> str:
    if text.isascii():
        return text
    return text.translate(_ACCENTED).encode("ascii", "ignore").decode()


def swap_day_and_month(day: date) -> date | None:
    if day.day > 12 or day.day == day.month:
        return None
    try:
        return day.replace(month=day.day, day=day.month)
    except ValueError:
        return None


def day_off_by_one(day: date, rng: random.Random) -> date:
    return day + days(pick(rng, (-1, 1)))


def postcode_format(postcode: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return postcode.replace(" ", "")
    if roll < 0.75:
        return postcode.lower()
    return postcode.replace(" ", "  ") if roll < 0.9 else f" {postcode} "


def abbreviate(lines: list[str], rng: random.Random) -> list[str]:
    """Road -> Rd and friends, or the locality line left out."""
    if len(lines) > 1 and not lines[-1][:1].isdigit() and rng.random() < 0.4:
        return lines[:-1]
    return [_abbreviated(line) for line in lines]


def _abbreviated(line: str) -> str:
    for long, short in _ABBREVIATIONS:
        if line.endswith(long):
            return line[: -len(long)] + short
    return line


def impossible_date(day: date, rng: random.Random) -> str:
    """A date of birth no calendar has, as a keying or migration error leaves it."""
    return pick(
        rng, (f"{day.year}-02-30", f"{day.year}-13-{day.day:02d}", f"{day.year}-{day.month:02d}-32")
    )
