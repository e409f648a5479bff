"""The feeds as Splink sees them: one row per loadable record, fields as our matcher sees them.

Each row goes through the loader's own validation (`validate_row`, so the rows it
rejects are left out here too) and our matcher's `profile`, and the columns are derived
from the profile: folded names, their Metaphone codes and nickname forms, the postcode
district, carers' names. Both matchers therefore start from identical inputs and the
same name knowledge; what differs is the model, the blocking and the training.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from contactpoint.feeds.reader import read_feed
from contactpoint.feeds.validate import RowRejected, validate_row
from contactpoint.identity.normalise import postcode_district
from contactpoint.matching.names import canonical_forms, phonetic
from contactpoint.matching.profile import Profile, profile

#: Columns and their pyarrow types ("list" is a list of strings), in table order.
COLUMNS: dict[str, str] = {
    "unique_id": "int", "given": "str", "given_second": "str", "given_names": "list",
    "given_forms": "list", "given_sound": "str", "family": "str", "family_parts": "list",
    "family_sound": "str", "former": "list", "name_sounds": "list", "name_pair_a": "str",
    "name_pair_b": "str", "dob": "str", "dob_date": "date", "dob_swapped": "str",
    "birth_year": "int", "sex": "str", "postcode": "str", "postcode_district": "str",
    "carers": "list", "nhs_number": "str", "upn": "str",
}


@dataclass
class SplinkInput:
    """The records in table form, and which source record each row is."""

    columns: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in COLUMNS})
    keys: list[tuple[str, str]] = field(default_factory=list)  # row -> (source, source_id)
    rejected: int = 0

    def __len__(self) -> int:
        return len(self.keys)

    def take_table(self) -> Any:  # a pyarrow.Table (pyarrow is in the optional bench extra)
        """The columns as an Arrow table, letting go of the Python lists (GiBs at 1M)."""
        import pyarrow as pa  # noqa: PLC0415  (the bench extra)

        types = {"int": pa.int64(), "str": pa.string(), "date": pa.date32(),
                 "list": pa.list_(pa.string())}
        arrays = {}
        for name, kind in COLUMNS.items():
            arrays[name] = pa.array(self.columns.pop(name), type=types[kind])
        return pa.table(arrays)


def _sound(word: str) -> str | None:
    return phonetic(word) or None


def _swapped(dob: str) -> str | None:
    year, month, day = dob.split("-")
    try:
        return date(int(year), int(day), int(month)).isoformat()
    except ValueError:
        return None


def row_of(p: Profile) -> dict[str, Any]:
    """One record's columns (less unique_id). Empty lists are None: Splink's null."""
    first = p.first_given
    family = p.family_full.replace(" ", "")
    words = set(p.given) | set(p.family) | (canonical_forms(first) if first else set())
    sounds = sorted({s for s in (phonetic(w) for w in words if w) if s})
    pair = sorted((phonetic(first), phonetic(family)))
    return {
        "given": first or None,
        "given_second": p.given[1] if len(p.given) > 1 else None,
        "given_names": list(p.given) or None,
        "given_forms": sorted(canonical_forms(first)) if first else None,
        "given_sound": _sound(first),
        "family": p.family_full or None,
        "family_parts": list(p.family) or None,
        "family_sound": _sound(family),
        "former": list(p.former) or None,
        "name_sounds": sounds or None,
        "name_pair_a": pair[0] or None,
        "name_pair_b": pair[1] or None,
        "dob": p.dob,
        "dob_date": date.fromisoformat(p.dob),
        "dob_swapped": _swapped(p.dob),
        "birth_year": int(p.dob[:4]),
        "sex": p.sex,
        "postcode": p.postcode,
        "postcode_district": postcode_district(p.postcode) if p.postcode else None,
        "carers": sorted({f"{g} {f}".strip() for g, f in p.carers} - {""}) or None,
        "nhs_number": p.nhs,
        "upn": p.upn,
    }


def _records(path: Path, today: date, now: datetime) -> Iterator[tuple[str, dict] | None]:
    """(source_id, normalised record) for each loadable upsert; None for a rejected row."""
    for raw in read_feed(path):
        if raw.data is None:
            yield None
            continue
        try:
            valid = validate_row(raw.line, raw.data, today=today, now=now)
        except RowRejected:
            yield None
            continue
        if valid.record is not None:  # a delete has nothing to match
            yield valid.source_id, valid.record


def read_feeds(feeds_dir: Path, today: date) -> SplinkInput:
    """Every `*.jsonl` feed in the folder, the source named by the file's stem."""
    now = datetime.combine(today, datetime.max.time(), tzinfo=UTC)
    out = SplinkInput()
    seen: set[tuple[str, str]] = set()
    for path in sorted(Path(feeds_dir).glob("*.jsonl")):
        if path.name.endswith(".rejects.jsonl"):
            continue
        source = path.stem
        for item in _records(path, today, now):
            if item is None:
                out.rejected += 1
                continue
            source_id, record = item
            if (source, source_id) in seen:  # a later row of the same record: keep one
                continue
            seen.add((source, source_id))
            out.columns["unique_id"].append(len(out.keys))
            for name, value in row_of(profile(record, source)).items():
                out.columns[name].append(value)
            out.keys.append((source, source_id))
    return out
