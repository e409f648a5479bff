"""Loading reference data: local authorities, organisations, postcode districts.

Files (CSV with a header), all optional, read from one folder (the synthetic population
writes them to DIR/reference/): local_authorities.csv (code,name), organisations.csv
(code,name,type,authority_code) and postcode_districts.csv (district,authority_code).
Loading is an upsert, so it can be repeated. The whole folder loads in one transaction
with its audit entry (`reference:data:load`, with the counts): a file that fails part-way
keeps nothing of any.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from contactpoint.access.models import Organisation, OrganisationType
from contactpoint.audit import hooks as audit
from contactpoint.identity.models import PostcodeDistrict


def _rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = set(columns) - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
        return list(reader)


def load_reference(folder: Path, *, by: str | None = None) -> dict[str, int]:
    """Load the folder's files; returns the rows read from each (`by`: the operator)."""
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    with transaction.atomic():
        counts = _load(folder)
        audit.record("reference:data:load", actor=audit.operator(by) if by else None,
                     details={"folder": folder.name,
                              **{name.replace(" ", "_"): n for name, n in counts.items()}})
    return counts


def _load(folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    path = folder / "local_authorities.csv"
    if path.exists():
        with transaction.atomic():
            for row in _rows(path, ("code", "name")):
                Organisation.objects.update_or_create(
                    code=row["code"], defaults={"name": row["name"],
                                                "type": OrganisationType.LOCAL_AUTHORITY})
            counts["local authorities"] = len(_rows(path, ("code", "name")))
    authorities = dict(Organisation.objects.filter(type=OrganisationType.LOCAL_AUTHORITY)
                       .values_list("code", "pk"))
    path = folder / "organisations.csv"
    if path.exists():
        rows = _rows(path, ("code", "name", "type", "authority_code"))
        with transaction.atomic():
            for row in rows:
                if row["type"] not in OrganisationType.values:
                    raise ValueError(f"{path.name}: unknown organisation type {row['type']!r}")
                Organisation.objects.update_or_create(
                    code=row["code"], defaults={
                        "name": row["name"], "type": row["type"],
                        "authority_id": authorities.get(row["authority_code"])})
        counts["organisations"] = len(rows)
    path = folder / "postcode_districts.csv"
    if path.exists():
        rows = _rows(path, ("district", "authority_code"))
        with transaction.atomic():
            for row in rows:
                if row["authority_code"] not in authorities:
                    raise ValueError(f"{path.name}: unknown authority {row['authority_code']!r}")
                PostcodeDistrict.objects.update_or_create(
                    district=row["district"].strip().upper(),
                    defaults={"authority_id": authorities[row["authority_code"]]})
        counts["postcode districts"] = len(rows)
    return counts
