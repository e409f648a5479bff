"""Check a subject access export offline: every access there, none altered, in order.

`contactpoint sar verify DIR` runs this on `DIR/sar.json` with nothing but the file
and the trail's public key (the export names it; `--key` pins the one an operator
published, which a careful reader should do). Plain Python, no Django, no database.

What it checks, against the signed checkpoint the export carries:

- the checkpoint's signature;
- each access's entry is in the signed log at its number (an inclusion proof of its
  chained leaf, audit/chain.py), and what the export says of it (time, event, role,
  organisation, reason) is what the leaf commits to;
- the accesses are in log order, and each names the one before it as the previous entry
  about this child: one left out, put in twice or moved breaks the chain;
- the last access is the export's own entry, written when it was made: nothing about
  the child up to the export can be cut from the end;
- `sar.html`, when there, is exactly the document `sar.json` renders to.

Entries written before the trail was chained are listed by the export but cannot be
proved complete; the outcome counts them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from contactpoint.audit import chain, sealing
from contactpoint.audit.checkpoint import CheckpointError, verify_checkpoint
from contactpoint.audit.merkle import leaf_hash, verify_inclusion
from contactpoint.crypto.envelope import DecryptionError
from contactpoint.subject_access.html import render

#: The event of the export's own entry, the last access of every export.
EXPORT_EVENT = "child:sar:export"
#: Events whose entry always carries a reason: an export must open it.
REASONED = frozenset({"child:record:view", "child:shield:break_glass", "child:shield:set",
                      "child:shield:lift"})
FORMAT = "contactpoint-sar-1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def at_text(micros: int) -> str:
    """A time the log holds in microseconds, as an export writes it (ISO 8601, UTC)."""
    at = _EPOCH + timedelta(microseconds=micros)
    return at.isoformat(timespec="microseconds").replace("+00:00", "Z")


class Refused(ValueError):
    """The export does not verify: the message says which access and why."""


@dataclass(frozen=True)
class Outcome:
    accesses: int
    proved: int
    before_chain: int
    checkpoint_size: int

    def describe(self) -> str:
        before = (f"; {self.before_chain} recorded before the trail was chained are listed "
                  "but cannot be proved complete" if self.before_chain else "")
        return (f"subject access export verified: {self.proved} accesses complete and "
                f"unaltered against the signed checkpoint of {self.checkpoint_size} "
                f"entries{before}")


def verify_folder(folder: Path, key: str | None = None) -> Outcome:
    """Verify `folder/sar.json`; Refused says what is wrong (an unreadable file too)."""
    try:
        document = orjson.loads((folder / "sar.json").read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise Refused(f"cannot read {folder / 'sar.json'}: {exc}") from None
    outcome = verify_document(document, key)
    page = folder / "sar.html"
    if page.exists() and page.read_text(encoding="utf-8", errors="replace") != render(document):
        raise Refused("sar.html does not say what the verified sar.json says: it was changed")
    return outcome


def verify_document(document: Any, key: str | None = None) -> Outcome:
    try:
        return _Check(document, key).run()
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        if isinstance(exc, Refused):
            raise
        raise Refused(f"the export is not in the expected form: {exc!r}") from None


class _Check:
    def __init__(self, document: dict[str, Any], key: str | None) -> None:
        if document.get("format") != FORMAT:
            raise Refused(f"not a subject access export of format {FORMAT}")
        self.doc = document
        self.child = str(document["contactpoint_id"])
        named = document["verifier_key"]
        if key is not None and key.strip() != named:
            raise Refused("the export names another key than the one given with --key")
        try:
            self.checkpoint = verify_checkpoint(document["checkpoint"], key or named)
        except CheckpointError as exc:
            raise Refused(f"bad checkpoint: {exc}") from None
        self.proofs = document["proofs"]["entries"]
        self.chained_from = int(document["proofs"]["chained_from"])

    def run(self) -> Outcome:
        accesses = self.doc["accesses"]
        if not accesses:
            raise Refused("the export lists no accesses, not even its own entry")
        previous: int | None = None
        proved = before = 0
        for number, access in enumerate(accesses, start=1):
            seq = access["seq"]
            where = f"access {number} (entry {seq})"
            if type(seq) is not int or (previous is not None and seq <= previous):
                raise Refused(f"{where}: out of order: it follows entry {previous}")
            if seq >= self.checkpoint.size:
                raise Refused(f"{where}: not in the signed checkpoint of "
                              f"{self.checkpoint.size} entries")
            proof = self.proofs.get(str(seq))
            if proof is None:
                if seq >= self.chained_from or proved:
                    raise Refused(f"{where}: no proof for it")
                before += 1
            else:
                self._entry(where, access, proof, previous)
                proved += 1
            previous = seq
        last = accesses[-1]
        if (last["event"] != EXPORT_EVENT or last["at"] != self.doc["generated_at"]
                or str(last["seq"]) not in self.proofs):
            raise Refused("the accesses do not end with the export's own entry: some at the "
                          "end were cut off")
        return Outcome(len(accesses), proved, before, self.checkpoint.size)

    def _entry(self, where: str, access: dict[str, Any], proof: dict[str, Any],
               previous: int | None) -> None:
        leaf = proof["leaf"]
        salts = {name: bytes.fromhex(value) for name, value in proof["salts"].items()}
        if leaf["seq"] != access["seq"]:
            raise Refused(f"{where}: its proof is of entry {leaf['seq']}")
        shown = {"at": at_text(leaf["at"]), "event": leaf["event"], "role": leaf["role"]}
        for name, value in shown.items():
            if access[name] != value:
                raise Refused(f"{where}: its {name} was altered")
        organisation = access["organisation"]
        if organisation is not None and chain.commit(
                salts["organisation"], organisation.encode()) != leaf["organisation"]:
            raise Refused(f"{where}: its organisation was altered")
        tag, prev = leaf["links"][proof["child"]]
        if chain.commit(salts["child"], self.child.encode()) != tag:
            raise Refused(f"{where}: the entry is not about this child")
        if prev != previous:
            raise Refused(f"{where}: the entry before it about this child is entry {prev}, "
                          f"not entry {previous}: an access was removed, added or moved")
        self._reason(where, access, proof, leaf, salts, shielded=bool(self.doc.get("shielded")))
        hashed = leaf_hash(chain.leaf_bytes(leaf))
        path = [bytes.fromhex(h) for h in proof["path"]]
        if not verify_inclusion(leaf["seq"], self.checkpoint.size, hashed, path,
                                self.checkpoint.root):
            raise Refused(f"{where}: it is not the entry the signed log holds at that number")

    @staticmethod
    def _reason(where: str, access: dict[str, Any], proof: dict[str, Any],
                leaf: dict[str, Any], salts: dict[str, bytes], *, shielded: bool) -> None:
        if "sealed" not in proof:
            if access.get("reason") is not None or access.get("reason_detail") is not None:
                raise Refused(f"{where}: a reason is shown that the entry does not open")
            # A shielded child's export leaves out reasons given in words (export.py).
            if leaf["event"] in REASONED and leaf["sealed"] is not None and not shielded:
                raise Refused(f"{where}: its reason was taken out")
            return
        try:
            sealed = base64.b64decode(proof["sealed"], validate=True)
            key = base64.b64decode(proof["entry_key"], validate=True)
        except binascii.Error:
            raise Refused(f"{where}: its sealed reason is not base64") from None
        if chain.commit(salts["sealed"], sealed) != leaf["sealed"]:
            raise Refused(f"{where}: its sealed reason was altered")
        try:
            content = sealing.open_with_key(sealed, key)
        except DecryptionError:
            raise Refused(f"{where}: its sealed reason does not open with its key") from None
        if (content.get("reason") != access.get("reason")
                or content.get("reason_detail") != access.get("reason_detail")):
            raise Refused(f"{where}: its reason was altered")
