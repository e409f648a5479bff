"""`contactpoint sar export`: everything held about a child and every access, with proof.

The export is itself an access: its own entry (`child:sar:export`) is written first,
then a checkpoint is signed that covers it, then every entry about the child up to and
including that one is read with its proof (trail.py). The last access of every export
is therefore its own entry, which `sar verify` requires, so nothing before it can be cut
from the end. `sar.json` (format in shared CONTRACTS.md, more in docs/subject-access.md)
and `sar.html` are written to the folder given; each file replaced whole, never half.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.db import transaction

from contactpoint.access.models import Organisation
from contactpoint.audit import hooks
from contactpoint.audit import trail as audit_trail
from contactpoint.audit.models import Head, Leaf
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.identity.models import Child
from contactpoint.identity.records import find_child
from contactpoint.identity.store import open_child_record
from contactpoint.subject_access import html, record
from contactpoint.subject_access.trail import ChildEntry, entries_about, opens
from contactpoint.subject_access.verify import EXPORT_EVENT, FORMAT
from contactpoint.subject_access.wording import KINDS, event_text, reason_text, role_text


@dataclass(frozen=True)
class Written:
    folder: Path
    accesses: int
    before_chain: int
    shielded: bool


def _organisations(codes: set[str]) -> dict[str, Organisation]:
    return {o.code: o for o in Organisation.objects.filter(code__in=codes)}


def _access(entry: ChildEntry, rules: record.Rules, orgs: dict[str, Organisation]
            ) -> dict[str, Any]:
    org = orgs.get(entry.organisation or "")
    named = rules.names_organisation(entry.organisation)
    reason, detail = entry.content.get("reason"), entry.content.get("reason_detail")
    opened = ("sealed" in entry.proof if entry.proof is not None
              else opens(entry.event, entry.content, rules.shielded))
    return {
        "seq": entry.seq, "at": entry.at, "event": entry.event,
        "organisation": entry.organisation if named else None,
        "organisation_name": (org.name if org and named else None),
        "organisation_kind": KINDS.get(org.type, "an organisation") if org else None,
        "role": entry.role,
        # A reason shown is one the export opens for the reader to check (trail.py).
        "reason": reason if opened else None,
        "reason_detail": detail if opened else None,
        "withheld_until": None,
        "what": event_text(entry.event),
        "who": (entry.actor if rules.names_shown and entry.actor else role_text(entry.role)),
        "why": reason_text(reason, detail) if opened else "",
        "proved": entry.proof is not None,
    }


def build(contactpoint_id: str, *, actor: Any, keys: KeyStore | None = None,
          approved: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Write the export's own entry, sign a checkpoint over it, and return `sar.json`."""
    keys = keys or get_keystore()
    child: Child = find_child(contactpoint_id)
    cp_id = child.contactpoint_id
    with transaction.atomic():
        written = hooks.record(EXPORT_EVENT, actor=actor, subject=cp_id,
                               details={"export": secrets.token_hex(8),
                                        "shielded": child.shielded,
                                        "approved": sorted(approved)})
    signed = audit_trail.sign_checkpoint(keys)
    head_seq = Leaf.objects.get(entry_id=written["id"]).seq
    entries = entries_about(cp_id, head_seq, signed.size, keys, shielded=child.shielded)
    involvements = record.current_involvements(child)
    opened = open_child_record(keys, child) or {}
    rules = record.Rules(shielded=child.shielded,
                         names_shown=settings.CONTACTPOINT.sar_practitioner_names == "shown",
                         approved=approved,
                         confidential=record.confidential_organisations(opened, involvements))
    orgs = _organisations({e.organisation for e in entries if e.organisation})
    accesses = [_access(e, rules, orgs) for e in entries]
    proofs = {}
    for entry, shown in zip(entries, accesses, strict=True):
        if entry.proof is not None:
            proof = dict(entry.proof)
            if shown["organisation"] is None:  # not named: its salt would let it be guessed
                proof["salts"] = {k: v for k, v in proof["salts"].items() if k != "organisation"}
            proofs[str(entry.seq)] = proof
    head = Head.objects.get(pk=1)
    return {
        "format": FORMAT, "contactpoint_id": cp_id, "generated_at": entries[-1].at,
        "shielded": child.shielded,
        "practitioner_names": "shown" if rules.names_shown else "role",
        "record": record.held(child, opened, keys, rules, involvements),
        "accesses": accesses,
        "checkpoint": signed.text,
        "verifier_key": audit_trail.verifier_key(keys),
        "proofs": {"chained_from": head.chained_from, "entries": proofs},
    }


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def write(folder: Path, document: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _replace(folder / "sar.json", orjson.dumps(document, option=orjson.OPT_INDENT_2))
    _replace(folder / "sar.html", html.render(document).encode("utf-8"))


def export(contactpoint_id: str, folder: Path, *, actor: Any, keys: KeyStore | None = None,
           approved: frozenset[str] = frozenset()) -> Written:
    document = build(contactpoint_id, actor=actor, keys=keys, approved=approved)
    write(folder, document)
    before = sum(1 for a in document["accesses"] if not a["proved"])
    return Written(folder, len(document["accesses"]), before, document["shielded"])
