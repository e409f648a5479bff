"""Chained leaves: what the log commits to for an entry placed since per-child chaining.

Each such entry names, for every child it concerns, the sequence number of the entry
before it about the same child (`prev`), so the entries about one child form a chain
that a signed checkpoint fixes: drop, alter or reorder one and the chain or an
inclusion proof no longer checks. The sequencer (`chains.py`) works out the links as it
places entries; the request that writes an entry does no more work than before.

A chained leaf also lets a child's subject access export prove its entries without
giving away anything else: the practitioner's username, the other children a search
returned, what was searched for. Every field that is not for everyone to read is
committed to by a salted hash, `sha256(salt || value)`, with a salt derived from a
secret of the trail (`salt_key`), the entry's sequence number and the field's name. An
export reveals the salts of what it shows (its own child's link, the organisation, the
sealed reason) and nothing else; without a salt a commitment cannot be tested against
guesses (usernames, ContactPoint IDs are few enough to try them all).

The leaf's bytes are `orjson.dumps([MARK, seq, at, event, role, organisation, links,
sealed, private])`, where `at` is microseconds since 1970, `organisation`, `sealed` and
`private` are hex commitments (`sealed` None when the entry holds nothing sealed) and
`links` is `[[child commitment, prev or None], ...]` in the entry's order of children.
An entry placed before chaining began keeps its old leaf (`trail.leaf_data`), which
starts with its number, never with MARK. Plain Python, no Django import: `sar verify`
runs it offline.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

import orjson

MARK = "cp-chain-1"
SALT_BYTES = 16


def salt(salt_key: bytes, seq: int, name: str) -> bytes:
    """The salt of field `name` of the entry at `seq` (a child's is `child:<id>`)."""
    return hmac.new(salt_key, f"{seq}:{name}".encode(), hashlib.sha256).digest()[:SALT_BYTES]


def commit(salt_bytes: bytes, value: bytes) -> str:
    """The commitment to `value` under `salt_bytes`: hex SHA-256 of the two."""
    return hashlib.sha256(salt_bytes + value).hexdigest()


def private_part(actor: str | None, subject: str | None, children: str, details: str) -> bytes:
    """The columns never shown in an export, as the bytes their commitment covers."""
    return orjson.dumps([actor, subject, children, details])


def leaf_bytes(fields: dict[str, Any]) -> bytes:
    """The bytes of a chained leaf, from its public fields and commitments (as made by
    `commitments`, or as an export carries them)."""
    return orjson.dumps([MARK, fields["seq"], fields["at"], fields["event"], fields["role"],
                         fields["organisation"], [list(link) for link in fields["links"]],
                         fields["sealed"], fields["private"]])


def commitments(salt_key: bytes, seq: int, columns: Sequence[Any],
                prevs: Sequence[int | None]) -> dict[str, Any]:
    """The public fields and commitments of a stored entry (`trail.COLUMNS` order, `at` in
    microseconds) whose children have the previous entries `prevs`."""
    at, event, actor, organisation, role, subject, children, details, sealed = columns
    ids = children.split() if children else []
    if len(ids) != len(prevs):
        raise ValueError(f"entry {seq} concerns {len(ids)} children but has {len(prevs)} links")
    sealed_bytes = None if sealed is None else bytes(sealed)
    return {
        "seq": seq, "at": at, "event": event, "role": role,
        "organisation": commit(salt(salt_key, seq, "organisation"),
                               (organisation or "").encode()),
        "links": [[commit(salt(salt_key, seq, f"child:{c}"), c.encode()), p]
                  for c, p in zip(ids, prevs, strict=True)],
        "sealed": (None if sealed_bytes is None
                   else commit(salt(salt_key, seq, "sealed"), sealed_bytes)),
        "private": commit(salt(salt_key, seq, "private"),
                          private_part(actor, subject, children, details)),
    }


def leaf_data(salt_key: bytes, seq: int, columns: Sequence[Any],
              prevs: Sequence[int | None]) -> bytes:
    """The bytes the log commits to for a chained entry (stored columns and its links)."""
    return leaf_bytes(commitments(salt_key, seq, columns, prevs))


def format_prevs(prevs: Sequence[int | None]) -> str:
    """Links as stored beside the leaf: space-separated numbers, "-" for none."""
    return " ".join("-" if p is None else str(p) for p in prevs)


def parse_prevs(text: str) -> list[int | None]:
    return [None if part == "-" else int(part) for part in text.split()]
