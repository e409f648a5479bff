"""Reading a daily delta back beside the feeds it changes, and saying what each row did.

Shared by the generator's tests (tests/synth) and the delta benchmark's (tests/bench).
The kind of each change is worked out from the rows themselves, not from the
generator, so a generator that mislabels or mis-makes a change fails.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import orjson

from contactpoint.identity.normalise import normalise_postcode

FEEDS = ("child_benefit", "early_years", "nhs_demographics", "school_census", "social_care")


def read_rows(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def feed_rows(folder: Path) -> dict[str, dict[str, dict]]:
    """stem -> source_id -> row (the last row of an id, as the loader keeps the latest)."""
    return {path.stem: {row["source_id"]: row for row in read_rows(path)}
            for path in sorted(folder.glob("*.jsonl"))
            if not path.name.endswith(".rejects.jsonl")}


def read_truth(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def postcode(row: dict) -> str | None:
    address = row.get("address") or {}
    return normalise_postcode(address["postcode"]) if address.get("postcode") else None


def changed_fields(before: dict, after: dict) -> set[str]:
    keys = (before.keys() | after.keys()) - {"recorded_at"}
    return {key for key in keys if before.get(key) != after.get(key)}


@dataclass
class Change:
    stem: str
    kind: str  # move, service, family_name, delete, birth, or "unexplained"
    row: dict
    before: dict | None


def classify(feeds: dict[str, dict[str, dict]], stem: str, row: dict) -> Change:
    before = feeds.get(stem, {}).get(row["source_id"])
    if row.get("action") == "delete":
        return Change(stem, "delete" if before else "unexplained", row, before)
    if before is None:
        return Change(stem, "birth", row, None)
    changed = changed_fields(before, row)
    if postcode(row) != postcode(before) and changed <= {"address", "address_status",
                                                         "carers"}:
        kind = "move"
    elif changed == {"family_name", "former_family_names"}:
        kind = "family_name"
    elif changed == {"services"}:
        kind = "service"
    else:
        kind = "unexplained"
    return Change(stem, kind, row, before)


def delta_changes(feeds_dir: Path, delta_dir: Path) -> list[Change]:
    feeds = feed_rows(feeds_dir)
    return [classify(feeds, path.stem, row)
            for path in sorted(delta_dir.glob("*.jsonl"))
            if not path.name.endswith(".rejects.jsonl")
            for row in read_rows(path)]
