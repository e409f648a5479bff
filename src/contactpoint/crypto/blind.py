"""The blind index: keyed HMAC tokens of normalised values, never the values themselves.

Matching and search look tokens up by equality. Without the blind-index key (kept in
the key store, wrapped under the master key) a token says nothing about its value;
with it, only exact normalised values can be tested, one guess at a time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

TOKEN_BYTES = 16
_SEP = "\x1f"
_BLOCK = 64  # SHA-256's block, in bytes


def pack_tokens(tokens: Iterable[bytes]) -> bytes:
    """Tokens end to end, sorted: one bytes object in place of a set of them (a row's
    forty tokens cross between processes, and go to the spool, as one)."""
    return b"".join(sorted(tokens))


def unpack_tokens(packed: bytes) -> set[bytes]:
    return {packed[i:i + TOKEN_BYTES] for i in range(0, len(packed), TOKEN_BYTES)}


class BlindIndex:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("blind-index key must be at least 32 bytes")
        self._key = key
        # HMAC (RFC 2104) as its two hashes, each with its padded key already absorbed:
        # a token copies them rather than hashing the key again. Written out rather than
        # copying an hmac.HMAC object, whose Python wrapper cost a third of each token:
        # 1.9 µs a token before, 1.3 now, 18 µs of the reading worker's time a row
        # (tests.crypto.test_blind holds it to the standard HMAC).
        padded = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(
            _BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def token(self, kind: str, *parts: str) -> bytes:
        """Token for one normalised value (or tuple of values) of a given kind.

        The kind is inside the MAC, so an NHS-number token can never equal a
        postcode token even when the strings are the same.
        """
        inner = self._inner.copy()
        inner.update(_SEP.join((kind, *parts)).encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()[:TOKEN_BYTES]

    def digest(self, kind: str, payload: bytes) -> bytes:
        """A keyed digest of arbitrary bytes (e.g. a record's canonical content)."""
        return hmac.digest(self._key, kind.encode() + b"\x00" + payload, "sha256")[:TOKEN_BYTES]
