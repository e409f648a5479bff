"""One pass over the feeds for a delta: rows to change, siblings for newborns, identifiers
no record holds yet, and the latest recorded_at (synth/delta.py makes the changes)."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from contactpoint.synth.identifiers import nhs_check_digit
from contactpoint.synth.seeding import stream

#: Newborns are registered by this source.
BIRTH_SOURCE = "nhs_demographics"
#: How much more than needed to sample: rows the loader would reject in part are
#: never re-sent, and a newborn's sibling must be 1 to 15 and have an address.
_SPARE_SHARE, _SPARE_ROWS, _SIBLING_FACTOR = 0.3, 100, 3
# English NHS numbers are issued from 400 000 000-499 999 999 and 600 000 000-799 999 999.
_NHS_BODIES = ((400_000_000, 500_000_000), (600_000_000, 800_000_000))
_NHS_NUMBER = re.compile(rb'"nhs_number"\s*:\s*"?([0-9][0-9 -]{8,14})')
_SOURCE_ID = re.compile(rb'"source_id"\s*:\s*"([^"\\]*)"')
_RECORDED_AT = re.compile(rb'"recorded_at"\s*:\s*"([^"\\]+)"')
_NUMBERED_ID = re.compile(r"^(.*?)(\d+)$")


class _Reservoir:
    """A uniform sample of SIZE items of a stream of unknown length (Algorithm R)."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size = size
        self.rng = rng
        self.seen = 0
        self.items: list[tuple[str, bytes]] = []

    def offer(self, stem: str, line: bytes) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append((stem, line))
            return
        slot = self.rng.randrange(self.seen)
        if slot < self.size:
            self.items[slot] = (stem, line)


@dataclass
class Scan:
    changes: _Reservoir
    siblings: _Reservoir
    #: Candidates for newborns, struck off when any record already holds them.
    nhs_numbers: dict[str, None]
    source_ids: dict[str, None]
    latest: datetime | None = None


def _fresh_nhs_numbers(count: int, seed: int) -> dict[str, None]:
    rng = stream(seed, "delta", "nhs-numbers")
    found: dict[str, None] = {}
    while len(found) < count:
        low, high = _NHS_BODIES[rng.randrange(len(_NHS_BODIES))]
        body = rng.randrange(low, high)
        check = nhs_check_digit(body)
        if check is not None:
            found[f"{body}{check}"] = None
    return found


def _fresh_source_ids(example: str | None, count: int, seed: int) -> dict[str, None]:
    """Ids in the style of EXAMPLE (a prefix and a run of digits), e.g. PDS-012345678."""
    match = _NUMBERED_ID.match(example or "")
    prefix, width = (match.group(1), len(match.group(2))) if match else ("PDS-", 9)
    width = max(width, 6)  # room enough for fresh ones
    rng = stream(seed, "delta", "source-ids")
    found: dict[str, None] = {}
    while len(found) < count:
        found[f"{prefix}{rng.randrange(10 ** width):0{width}d}"] = None
    return found


def _first_source_id(path: Path) -> str | None:
    with path.open("rb") as fh:
        for line in fh:
            match = _SOURCE_ID.search(line)
            if match:
                return match.group(1).decode("utf-8", "replace")
    return None


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                yield line


def scan_feeds(files: list[Path], counts: dict[str, int], seed: int, *,
          want_latest: bool) -> Scan:
    births = counts["birth"]
    changed = sum(counts.values()) - births
    spare = births + births // 10 + 64
    nhs_feed = next((f for f in files if f.stem == BIRTH_SOURCE), None)
    scan = Scan(
        _Reservoir(math.ceil(changed * (1 + _SPARE_SHARE)) + _SPARE_ROWS,
                   stream(seed, "delta", "changes")),
        _Reservoir(births * _SIBLING_FACTOR + _SPARE_ROWS if births else 0,
                   stream(seed, "delta", "siblings")),
        _fresh_nhs_numbers(spare, seed),
        _fresh_source_ids(_first_source_id(nhs_feed) if nhs_feed else None, spare, seed))
    for path in files:
        is_nhs_feed = path.stem == BIRTH_SOURCE
        for line in _lines(path):
            scan.changes.offer(path.stem, line)
            for number in _NHS_NUMBER.findall(line):
                scan.nhs_numbers.pop(re.sub(rb"[ -]", b"", number).decode(), None)
            if is_nhs_feed:
                scan.siblings.offer(path.stem, line)
                source_id = _SOURCE_ID.search(line)
                if source_id:
                    scan.source_ids.pop(source_id.group(1).decode("utf-8", "replace"), None)
            if want_latest:
                scan.latest = _later(scan.latest, _RECORDED_AT.search(line))
    return scan


def _later(latest: datetime | None, found: re.Match[bytes] | None) -> datetime | None:
    if found is None:
        return latest
    try:
        moment = datetime.fromisoformat(found.group(1).decode())
    except ValueError:
        return latest
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment if latest is None or moment > latest else latest
