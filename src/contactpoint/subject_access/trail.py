"""A child's entries in the audit trail, each with what proves it against a checkpoint.

`entries_about` reads every placed entry about the child up to a sequence number, in
log order, with its readable content, and, for an entry placed since chaining began
(audit/chain.py), its leaf's public fields and commitments, the salts that open the
child's own link and the organisation, and an inclusion proof. An entry whose sealed
content is only its reason also hands over its sealed bytes and its own key, so that
the reason shown can be checked; other sealed content (what a search asked) is not.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import connection

from contactpoint.audit import chain, chains, sealing
from contactpoint.audit import trail as audit_trail
from contactpoint.audit.merkle import inclusion_proofs
from contactpoint.crypto.keystore import KeyStore
from contactpoint.subject_access.verify import REASONED, at_text

#: Sealed content an export may open: a reason and the words given with it, of the
#: events whose reason is about looking at or shielding the child (a match decision's
#: reason may name other children; a search's content is what was asked).
OPENABLE = frozenset({"reason", "reason_detail"})
#: For a shielded child, only a reason code, never words (they may say where the child
#: is), and never why the record was shielded.
OPENABLE_SHIELDED = frozenset({"reason"})
SHIELDED_EVENTS = frozenset({"child:record:view", "child:shield:break_glass"})


def opens(event: str, content: dict[str, Any], shielded: bool) -> bool:
    """Whether an export opens this entry's sealed content for its reader."""
    if not content or event not in REASONED:
        return False
    if shielded:
        return event in SHIELDED_EVENTS and set(content) <= OPENABLE_SHIELDED
    return set(content) <= OPENABLE


@dataclass
class ChildEntry:
    """One entry about the child: what it says, and (when chained) what proves it."""

    seq: int
    at: str
    event: str
    actor: str | None
    organisation: str | None
    role: str | None
    details: dict[str, Any]
    content: dict[str, Any] = field(default_factory=dict)
    #: The proof material (`sar.json` "proofs"), or None for an entry from before chaining.
    proof: dict[str, Any] | None = None


def _rows(child: str, upto: int) -> list[tuple[Any, ...]]:
    columns = audit_trail._select_columns("e")  # the log's own reading of its columns
    sql = (f"SELECT l.seq, l.leaf_hash, l.links, {columns} FROM audit_entry_child c "  # noqa: S608
           "JOIN audit_leaf l ON l.entry_id = c.entry_id "
           "JOIN audit_entry e ON e.id = c.entry_id "
           "WHERE c.contactpoint_id = %s AND l.seq <= %s ORDER BY l.seq")
    with connection.cursor() as cursor:
        cursor.execute(sql, [child, upto])
        return list(cursor.fetchall())


def leaf_hashes(size: int) -> list[bytes]:
    """The log's first `size` leaf hashes, in order (for the inclusion proofs)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT leaf_hash FROM audit_leaf WHERE seq < %s ORDER BY seq", [size])
        return [bytes(h) for (h,) in cursor.fetchall()]


def _content(sealed: bytes | None, keys: KeyStore) -> tuple[dict[str, Any], bytes | None]:
    if sealed is None:
        return {}, None
    try:
        key = sealing.entry_key(sealed, keys)
    except sealing.Unreadable:
        return {}, None
    return sealing.open_with_key(sealed, key), key


def entries_about(child: str, upto: int, size: int, keys: KeyStore, *, shielded: bool
                  ) -> list[ChildEntry]:
    """Every entry about `child` numbered up to `upto`, proved against the log of `size`."""
    rows = _rows(child, upto)
    salts = chains.salt_key(keys)
    paths = inclusion_proofs([r[0] for r in rows if r[2] is not None], leaf_hashes(size))
    found = []
    for seq, _, links, *columns in rows:
        at, event, actor, organisation, role, _, _, details, sealed = columns
        sealed = None if sealed is None else bytes(sealed)
        content, key = _content(sealed, keys)
        entry = ChildEntry(seq, at_text(at), event, actor, organisation, role,
                           orjson.loads(details), content)
        if links is not None:
            columns[-1] = sealed
            entry.proof = _proof(salts, seq, columns, links, child)
            entry.proof["path"] = [h.hex() for h in paths[seq]]
            if sealed is not None and key is not None and opens(event, content, shielded):
                entry.proof["salts"]["sealed"] = chain.salt(salts, seq, "sealed").hex()
                entry.proof["sealed"] = base64.b64encode(sealed).decode("ascii")
                entry.proof["entry_key"] = base64.b64encode(key).decode("ascii")
        found.append(entry)
    return found


def _proof(salts: bytes, seq: int, columns: list[Any], links: str, child: str
           ) -> dict[str, Any]:
    """The chained leaf's fields and commitments, and the salts of the child's link and
    the organisation (dropped by the export when it does not name the organisation)."""
    leaf = chain.commitments(salts, seq, columns, chain.parse_prevs(links))
    return {"leaf": leaf, "child": columns[6].split().index(child),
            "salts": {"child": chain.salt(salts, seq, f"child:{child}").hex(),
                      "organisation": chain.salt(salts, seq, "organisation").hex()}}
