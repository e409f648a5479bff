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


def _supplement() -> dict[str, set[str]]:
    canon: dict[str, set[str]] = {}
    text = files("contactpoint.matching").joinpath("data/short_forms.txt").read_text("utf-8")
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        formal, _, shorts = line.partition(":")
        formal = fold(formal)
        canon.setdefault(formal, set()).add(formal)
        for short in shorts.split():
            canon.setdefault(fold(short), set()).add(formal)
    return canon


_SUPPLEMENT = _supplement()
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


def same_name_family(a: str, b: str) -> bool:
    """True when two given names can stand for the same formal name (Bill ~ William)."""
    return bool(canonical_forms(a) & canonical_forms(b))
