"""Drawing realistic names: weighted by frequency, with each community's customs.

Frequencies come from ``name_data``; this module turns them into fast weighted
pickers and applies naming customs that make matching hard in real life: Polish and
Lithuanian surnames change form with sex and marriage, Sikh girls carry Kaur where
their brothers carry Singh, Somali children carry their father's given name as a
surname, many Muslim boys are registered "Muhammad <name>" and called by the second.
"""

from __future__ import annotations

import random
import re
from bisect import bisect
from itertools import accumulate

from contactpoint.synth.name_data import CULTURES, CultureNames
from contactpoint.synth.parent_names import ENGLISH_FATHERS, ENGLISH_MOTHERS
from contactpoint.synth.seeding import pick


class WeightedPicker:
    """Picks items with fixed relative weights in O(log n) per pick."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, items: list[str], weights: list[float]) -> None:
        self.items = items
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


def zipf_weights(count: int, offset: float = 3.0, exponent: float = 0.9) -> list[float]:
    """Rank-frequency weights with a long tail, as name frequencies have."""
    return [1.0 / (rank + offset) ** exponent for rank in range(count)]


def _dedupe(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxz")
_TRIPLED = re.compile(r"(.)\1\1")  # Moss+s+er: no name has a letter three times over


def composed_surnames(prefixes: str, suffixes: str, joins: str = "") -> list[str]:
    """Every prefix with every suffix: plausible rare surnames no frequency list holds."""
    composed = []
    for prefix in prefixes.split():
        for suffix in suffixes.split():
            if suffix[0] in _CONSONANTS:  # Ash+ing+ton, Wood+s+ley; not Ash+s+ingham
                composed += [prefix + join + suffix for join in joins.split()]
            if suffix[0].isupper():  # a particle and a name: Mac+Lean, Al-+Masri, Abu Bakri
                joiner = "" if prefix[-1] in "-'" or prefix in ("Mac", "Mc") else " "
                composed.append(prefix + joiner + suffix)
            else:
                composed.append(prefix + suffix)
    return [name for name in composed if not _TRIPLED.search(name)]


def _surname_picker(culture: CultureNames) -> WeightedPicker:
    head = _dedupe([name.strip() for name in culture.surnames.split(",") if name.strip()])
    explicit = culture.head_weights
    head_share = 1000.0 * (1.0 - culture.tail_share)
    explicit_total = sum(explicit.get(name, 0.0) for name in head)
    rest = [name for name in head if name not in explicit]
    rest_weights = zipf_weights(len(rest), offset=4.0, exponent=1.0)
    scale = (head_share - explicit_total) / sum(rest_weights) if rest else 0.0
    weights_by_name = dict(zip(rest, (w * scale for w in rest_weights), strict=True))
    weights_by_name.update({name: explicit[name] for name in head if name in explicit})
    names = list(weights_by_name)
    weights = list(weights_by_name.values())
    if culture.tail_share:
        parts = culture.tail_parts
        plain = set(composed_surnames(parts[0], parts[1]))
        composed = composed_surnames(parts[0], parts[1], culture.tail_joins)
        tail = [name for name in _dedupe(composed) if name not in explicit]
        relative = [2.0 if name in plain else 1.0 for name in tail]  # joined forms are rarer
        names += tail
        weights += [1000.0 * culture.tail_share * w / sum(relative) for w in relative]
    return WeightedPicker(names, weights)


def _given_picker(names: str) -> WeightedPicker:
    unique = _dedupe(names.split())
    return WeightedPicker(unique, zipf_weights(len(unique)))


_SIKH_FAMILIES = frozenset(
    [
        "Singh",
        "Gill",
        "Sandhu",
        "Sidhu",
        "Dhillon",
        "Bains",
        "Johal",
        "Atwal",
        "Sohal",
        "Chahal",
        "Grewal",
        "Sangha",
        "Dhaliwal",
        "Kalsi",
        "Bhogal",
        "Hothi",
        "Virdee",
        "Sahota",
        "Mann",
        "Basra",
    ]
)
_MUSLIM_CULTURES = frozenset({"pakistani", "bangladeshi", "arabic", "somali"})
_LITHUANIAN_ENDINGS = (  # masculine ending, unmarried feminine, married feminine
    ("ius", "iūtė", "ienė"),
    ("as", "aitė", "ienė"),
    ("us", "utė", "ienė"),
    ("ys", "ytė", "ienė"),
    ("is", "ytė", "ienė"),
)
_POLISH_ENDINGS = (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka"))


class NameBook:
    """Every culture's pickers, built once per process (a few milliseconds)."""

    def __init__(self) -> None:
        self.boys = {key: _given_picker(c.boys) for key, c in CULTURES.items()}
        self.girls = {key: _given_picker(c.girls) for key, c in CULTURES.items()}
        self.middle_boys = {
            key: _given_picker(c.middle_boys or c.boys) for key, c in CULTURES.items()
        }
        self.middle_girls = {
            key: _given_picker(c.middle_girls or c.girls) for key, c in CULTURES.items()
        }
        self.surnames = {key: _surname_picker(c) for key, c in CULTURES.items()}
        self.english_mothers = _given_picker(" ".join(ENGLISH_MOTHERS))
        self.english_fathers = _given_picker(" ".join(ENGLISH_FATHERS))
        self.middle_rate = {key: c.middle_rate for key, c in CULTURES.items()}

    def first_name(self, culture: str, sex: str, rng: random.Random) -> str:
        return (self.girls if sex == "female" else self.boys)[culture].pick(rng)

    def given_names(self, culture: str, sex: str, rng: random.Random) -> list[str]:
        """A child's given names: first name, sometimes middle names, and customs."""
        first = self.first_name(culture, sex, rng)
        names = [first]
        muslim_boy = sex == "male" and culture in _MUSLIM_CULTURES and first not in _MUHAMMADS
        if muslim_boy and rng.random() < 0.22:
            names.insert(0, _MUHAMMADS[0] if rng.random() < 0.6 else pick(rng, _MUHAMMADS))
            return names
        if rng.random() < self.middle_rate[culture]:
            middle = (self.middle_girls if sex == "female" else self.middle_boys)[culture]
            second = middle.pick(rng)
            if second != first:
                names.append(second)
            if rng.random() < 0.12:
                third = middle.pick(rng)
                if third not in names:
                    names.append(third)
        return names

    def adult_first_name(self, culture: str, sex: str, rng: random.Random) -> str:
        if culture == "english" and rng.random() < 0.8:
            return (self.english_mothers if sex == "female" else self.english_fathers).pick(rng)
        return self.first_name(culture, sex, rng)

    def family_surname(self, culture: str, rng: random.Random) -> str:
        """The surname a family passes to its children (the masculine form)."""
        if culture == "somali":  # children carry their father's (or grandfather's) name
            return self.boys["somali"].pick(rng)
        surname = self.surnames[culture].pick(rng)
        if culture == "english" and rng.random() < 0.035:  # double-barrelled
            other = self.surnames[culture].pick(rng)
            if other != surname and "-" not in surname + other:
                surname = f"{surname}-{other}"
        return surname

    def own_surname(self, culture: str, rng: random.Random) -> str:
        """An adult's own surname, unrelated to the family's (mothers who kept theirs)."""
        if culture == "somali":
            return self.boys["somali"].pick(rng)
        return self.surnames[culture].pick(rng)


_MUHAMMADS = ("Muhammad", "Mohammed", "Mohammad", "Mohamed", "Muhammed")


def surname_for(
    culture: str, family_surname: str, sex: str, rng: random.Random, *, married: bool = False
) -> str:
    """The form of the family surname that a person of this sex carries."""
    if sex != "female":
        return family_surname
    if culture in ("polish", "lithuanian"):
        return _feminine_form(culture, family_surname, married=married)
    if culture == "indian" and family_surname == "Singh":
        return "Kaur"
    if culture == "bangladeshi" and rng.random() < (0.7 if married else 0.2):
        return pick(rng, ("Begum", "Khatun", "Akter", "Sultana"))
    if culture == "pakistani" and rng.random() < (0.35 if married else 0.08):
        return pick(rng, ("Bibi", "Begum", "Akhtar", "Kausar", "Parveen"))
    return family_surname


def _feminine_form(culture: str, family_surname: str, *, married: bool) -> str:
    """Kowalski -> Kowalska; Kazlauskas -> Kazlauskaitė (daughter), Kazlauskienė (wife)."""
    if culture == "polish":
        for masculine, feminine in _POLISH_ENDINGS:
            if family_surname.endswith(masculine):
                return family_surname[: -len(masculine)] + feminine
        return family_surname
    for masculine, unmarried, married_form in _LITHUANIAN_ENDINGS:
        if family_surname.endswith(masculine):
            return family_surname[: -len(masculine)] + (married_form if married else unmarried)
    return family_surname


def sikh_middle_name(culture: str, family_surname: str, sex: str) -> str | None:
    """Sikh children of clan-named families often carry Singh or Kaur as a middle name."""
    if culture == "indian" and family_surname in _SIKH_FAMILIES and family_surname != "Singh":
        return "Kaur" if sex == "female" else "Singh"
    return None
