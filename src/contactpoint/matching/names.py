"""Name knowledge for matching: phonetic codes and the canonical forms of given names.

Phonetics use jellyfish's Metaphone on the folded (ASCII-ish) form; nicknames come
from the `nicknames` package (a maintained, US-centred table) plus a short table of
forms common in England that it lacks (data/short_forms.txt).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import jellyfish
from nicknames import NickNamer

from contactpoint.identity.normalise import fold

#: The comment that opens the table's section of spellings of one name.
_SPELLINGS_HEADER = "# Spellings of one name"


def _supplement() -> tuple[dict[str, set[str]], frozenset[str]]:
    """The table as short or spelt form -> formal names, and the names of its section of
    spellings (each a name given in its own right, unlike a short form such as Will)."""
    canon: dict[str, set[str]] = {}
    spellings: set[str] = set()
    in_spellings = False
    text = files("contactpoint.matching").joinpath("data/short_forms.txt").read_text("utf-8")
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(_SPELLINGS_HEADER):
            in_spellings = True
        if not line or line.startswith("#"):
            continue
        formal, _, rest = line.partition(":")
        formal = fold(formal)
        shorts = [fold(short) for short in rest.split()]
        canon.setdefault(formal, set()).add(formal)
        for short in shorts:
            canon.setdefault(short, set()).add(formal)
        if in_spellings:
            spellings |= {formal, *shorts}
    return canon, frozenset(spellings)


_SUPPLEMENT, _SPELLINGS = _supplement()
_NICKNAMER = NickNamer()


@lru_cache(maxsize=200_000)
def phonetic(word: str) -> str:
    """Metaphone code of a folded word ('' for an empty word)."""
    return jellyfish.metaphone(word) if word else ""


@lru_cache(maxsize=200_000)
def canonical_forms(word: str) -> frozenset[str]:
    """The formal names a (folded) given name may stand for, itself included.

    'bill' -> {'bill', 'william', 'robert', ...}; 'william' -> {'william'}.
    """
    forms = {word}
    forms |= {fold(n) for n in _NICKNAMER.canonicals_of(word)}
    forms |= _SUPPLEMENT.get(word, set())
    return frozenset(forms)


def listed_spelling(word: str) -> bool:
    """True when a (folded) given name is in the table's spellings of one name
    (data/short_forms.txt): a name families give, however rarely the feeds the model
    was trained on happen to carry it (Zane beside Zain and Zayn)."""
    return word in _SPELLINGS


def same_name_family(a: str, b: str) -> bool:
    """True when two given names can stand for the same formal name (Bill ~ William)."""
    return bool(canonical_forms(a) & canonical_forms(b))
