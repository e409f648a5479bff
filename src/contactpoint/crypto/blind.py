"""The blind index: keyed HMAC tokens of normalised values, never the values themselves.

Matching and search look tokens up by equality. Without the blind-index key (kept in
the key store, wrapped under the master key) a token says nothing about its value;
with it, only exact normalised values can be tested, one guess at a time.
"""

from __future__ import annotations

import hmac

TOKEN_BYTES = 16
_SEP = "\x1f"


class BlindIndex:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("blind-index key must be at least 32 bytes")
        self._key = key
        # The HMAC with the key already absorbed: copying it skips re-hashing the padded
        # key for every token (half the cost, the same tokens).
        self._keyed = hmac.new(key, digestmod="sha256")

    def token(self, kind: str, *parts: str) -> bytes:
        """Token for one normalised value (or tuple of values) of a given kind.

        The kind is inside the MAC, so an NHS-number token can never equal a
        postcode token even when the strings are the same.
        """
        mac = self._keyed.copy()
        mac.update(_SEP.join((kind, *parts)).encode())
        return mac.digest()[:TOKEN_BYTES]

    def digest(self, kind: str, payload: bytes) -> bytes:
        """A keyed digest of arbitrary bytes (e.g. a record's canonical content)."""
        return hmac.digest(self._key, kind.encode() + b"\x00" + payload, "sha256")[:TOKEN_BYTES]
