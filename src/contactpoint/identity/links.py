"""`contactpoint links`: which child every source record is linked to, and how."""

from __future__ import annotations

import csv
from itertools import groupby
from pathlib import Path

from django.db import transaction

from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import get_keystore
from contactpoint.identity.models import SourceRecord
from contactpoint.identity.store import open_payload

CHUNK = 2000


def export_links(path: Path, *, by: str | None = None) -> int:
    """Write source,source_id,contactpoint_id,state for every live source record.

    Streams in chunks (memory flat); source ids are unsealed with each child's key. The
    export is audited (`by`: the operator) before anything is read, as the trail's is.
    """
    with transaction.atomic():
        audit.record("feeds:links:export", actor=audit.operator(by) if by else None,
                     details={"out": str(path)})
    keys = get_keystore()
    count = 0
    records = (SourceRecord.objects.filter(deleted=False, child__isnull=False)
               .select_related("source", "child").order_by("child_id", "pk")
               .iterator(chunk_size=CHUNK))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "source_id", "contactpoint_id", "state"])
        for _, group in groupby(records, key=lambda sr: sr.child_id):
            for sr in group:
                if sr.child is None:  # not asked for (child__isnull=False): says so to mypy
                    continue
                cp_id = sr.child.contactpoint_id
                source_id = open_payload(keys, cp_id, sr)["record"]["source_id"]
                writer.writerow([sr.source.name, source_id, cp_id, sr.link_state])
                count += 1
    return count
