"""Free text as people type it, cleaned the one way everything stores and shows it.

Pure, no framework: `errors.free_text` (reasons and details), the feed validator and
`identity.normalise` (names, addresses) all clean through `clean_text`.
"""

from __future__ import annotations

import re
import unicodedata

SPACES = re.compile(r"\s+")
#: Characters that reorder or hide text: right-to-left overrides and isolates, zero
#: width joiners and spaces, the BOM. They have no place in a name or an address.
INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)
_PLAIN_ASCII = re.compile(r"^[\x20-\x7e]*\Z")


def clean_text(value: str) -> str:
    """NFC, single spaces, trimmed; refuses control and invisible formatting characters."""
    if _PLAIN_ASCII.match(value):  # the common case, without a per-character walk
        return SPACES.sub(" ", value).strip()
    text = unicodedata.normalize("NFC", value)
    for ch in text:
        if ch in INVISIBLE or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r"):
            raise ValueError("contains control or invisible formatting characters")
    return SPACES.sub(" ", text).strip()
