"""A day's changes to existing feeds: what the same sources would send the next day.

`contactpoint synth-delta` reads feeds in the feed format (those `contactpoint synth`
writes, or any others) and writes a daily delta for `contactpoint bench-delta`: about
half the records re-sent with another household's address (moves), a quarter with a
service's phone, email or end date changed, a twentieth with a new family name, a
twentieth deleted, and the rest new births in the NHS feed.

A newborn takes its family name, address and carers (and GP) from a sampled child's NHS
record, but not the date of birth or NHS number: a sibling, the hardest kind of new
child for a matcher to keep apart.

The feeds may be gigabytes, so each file is read once, line by line, keeping a seeded
uniform sample (reservoir) of raw lines; only the sample is parsed. The same pass
notes which NHS numbers and NHS source ids are taken, so a newborn's are fresh.
Same feeds and seed, same bytes.
"""

from __future__ import annotations

import copy
import csv
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from contactpoint.feeds.validate import RowRejected, age_on, validate_row
from contactpoint.identity.normalise import normalise_postcode
from contactpoint.synth.delta_scan import BIRTH_SOURCE, Scan, scan_feeds
from contactpoint.synth.seeding import stream

#: Kind of change -> share of the delta. Births make up what rounding leaves over.
SHARES = {"move": 0.50, "service": 0.25, "family_name": 0.05, "delete": 0.05,
          "birth": 0.15}
TRUTH_FILE = "truth.csv"
TRUTH_HEADER = ("source", "source_id", "person_id")
_PERSON_ID = re.compile(r"^P(\d+)$")
_EMAIL_NAMES = ("office", "enquiries", "admin", "reception", "team", "contact")


class DeltaError(ValueError):
    """The feeds cannot give the delta asked for (a one-line reason for the operator)."""


@dataclass
class DeltaSummary:
    day: date
    kinds: dict[str, int]
    files: dict[str, int]
    births_in_truth: int

    def line(self) -> str:
        kinds = ", ".join(f"{n:,} {k.replace('_', '-')}" for k, n in self.kinds.items())
        files = ", ".join(f"{name} {n:,}" for name, n in self.files.items())
        return (f"{sum(self.files.values()):,} changed records recorded on "
                f"{self.day.isoformat()} ({kinds}): {files}, {TRUTH_FILE} "
                f"{self.births_in_truth:,}")


def plan(records: int) -> dict[str, int]:
    """How many of each kind of change make up RECORDS (births take the rounding)."""
    counts = {kind: round(records * share) for kind, share in SHARES.items()
              if kind != "birth"}
    while sum(counts.values()) > records:  # only for tiny deltas, where rounding adds up
        largest = max(counts, key=lambda k: counts[k])
        counts[largest] -= 1
    counts["birth"] = records - sum(counts.values())
    return counts


def feed_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.jsonl") if not p.name.endswith(".rejects.jsonl"))


# -- choosing rows -------------------------------------------------------------------------

def rejections(row: dict[str, Any], day: date) -> list[str]:
    """Why the loader would refuse the row, or part of it, loaded on DAY or the day before."""
    now = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    reasons = []
    for today in (day - timedelta(days=1), day):
        try:
            valid = validate_row(1, row, today=today, now=now)
        except RowRejected as exc:
            reasons.append(exc.reason)
            continue
        reasons += [r.reason for r in valid.rejections]
    return reasons


@dataclass
class _Row:
    stem: str
    data: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return self.stem, str(self.data["source_id"])


def _parsed(items: Iterable[tuple[str, bytes]]) -> list[_Row]:
    """Parsed upserts with a source id, one per source record, in sample order."""
    rows, seen = [], set()
    for stem, line in items:
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(data, dict) or (data.get("action") or "upsert") != "upsert":
            continue
        row = _Row(stem, data)
        if isinstance(data.get("source_id"), str) and row.key not in seen:
            seen.add(row.key)
            rows.append(row)
    return rows


def _usable(rows: Iterable[_Row], day: date) -> list[_Row]:
    """The rows the loader takes whole: a row with a bad part is never re-sent."""
    return [row for row in rows if not rejections(row.data, day)]


def _postcode(row: dict[str, Any]) -> str | None:
    address = row.get("address")
    if not isinstance(address, dict) or not address.get("postcode"):
        return None
    try:
        return normalise_postcode(str(address["postcode"]))
    except ValueError:
        return None


def _sibling_ok(row: dict[str, Any], day: date) -> bool:
    """A child of 1 to 15 with an address: old enough not to be a twin of the newborn."""
    try:
        born = date.fromisoformat(str(row.get("date_of_birth")).strip())
    except ValueError:
        return False
    return (1 <= age_on(born, day) <= 15 and _postcode(row) is not None
            and isinstance(row.get("family_name"), str))


def _choose_siblings(rows: list[_Row], births: int, day: date) -> list[_Row]:
    """One child per household (family name and postcode), those with carers first.

    Checked against the loader's rules one at a time, as needed: validating is most of
    the generator's time, and the sample holds three times the siblings needed.
    """
    chosen, households = [], set()
    for row in sorted((r for r in rows if _sibling_ok(r.data, day)),
                      key=lambda r: not r.data.get("carers")):
        household = (row.data["family_name"].casefold(), _postcode(row.data))
        if household in households or rejections(row.data, day):
            continue
        households.add(household)
        chosen.append(row)
        if len(chosen) == births:
            break
    return chosen


# -- the changes ---------------------------------------------------------------------------

def _stamp(day: date, rng: random.Random) -> str:
    seconds = rng.randrange(24 * 3600)
    return f"{day.isoformat()}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"


def _restyle(text: str, upper: bool) -> str:
    """In the receiving feed's style: some systems write everything in capitals."""
    if upper:
        return text.upper()
    return text.title() if text.isupper() else text


def _shouts(row: dict[str, Any]) -> bool:
    return str(row.get("family_name", "")).isupper()


class _Changes:
    """Makes each kind of change from sampled rows; one random stream for all of them."""

    def __init__(self, day: date, donors: list[_Row], seed: int) -> None:
        self.day = day
        self.donors = donors
        self.rng = stream(seed, "delta", "changes", "values")

    def _donor(self, accept: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        for _ in range(200):
            donor = self.rng.choice(self.donors).data
            if accept(donor):
                return donor
        raise DeltaError("the sampled feeds hold too few households to draw changes from")

    def stamp(self) -> str:
        return _stamp(self.day, self.rng)

    def move(self, row: dict[str, Any]) -> dict[str, Any]:
        old = _postcode(row)
        donor = self._donor(lambda d: _postcode(d) not in (None, old))
        address = {key: copy.deepcopy(value) for key, value in donor["address"].items()}
        upper = _shouts(row)
        address["lines"] = [_restyle(str(line), upper) for line in address.get("lines") or []]
        if address.get("town"):
            address["town"] = _restyle(str(address["town"]), upper)
        if not (isinstance(row.get("address"), dict) and row["address"].get("uprn")):
            address["uprn"] = None  # a source that never sends UPRNs does not start now
        moved = dict(row, recorded_at=self.stamp(), address=address, address_status="current")
        moved["carers"] = [dict(carer, address=copy.deepcopy(address))
                           if carer.get("address") else carer
                           for carer in row.get("carers") or []]
        return moved

    def service(self, row: dict[str, Any]) -> dict[str, Any]:
        services = [dict(s) for s in row["services"]]
        service = services[self.rng.randrange(len(services))]
        started = service.get("start_date")
        kinds = ["phone", "email"]
        if service.get("end_date") in (None, "") and (
                not started or date.fromisoformat(str(started).strip()) <= self.day):
            kinds.append("end_date")
        kind = self.rng.choice(kinds)
        if kind == "phone":
            service["phone"] = self._other(service.get("phone"), lambda: (
                f"01632 960{self.rng.randrange(1000):03d}"))
        elif kind == "email":
            service["email"] = self._other(service.get("email"), lambda: (
                f"{self.rng.choice(_EMAIL_NAMES)}@{_email_domain(service)}"))
        else:
            service["end_date"] = self.day.isoformat()
        return dict(row, recorded_at=self.stamp(), services=services)

    def _other(self, old: object, make: Callable[[], str]) -> str:
        for _ in range(50):
            new = make()
            if new != old:
                return str(new)
        raise DeltaError("cannot make a changed contact detail")  # 50 equal draws: never

    def family_name(self, row: dict[str, Any]) -> dict[str, Any]:
        old = row["family_name"]
        former = list(row.get("former_family_names") or [])
        taken = {name.casefold() for name in [old, *former]}
        donor = self._donor(lambda d: d["family_name"].casefold() not in taken)
        if old not in former:
            former.append(old)
        return dict(row, recorded_at=self.stamp(),
                    family_name=_restyle(donor["family_name"], _shouts(row)),
                    former_family_names=former)

    def delete(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"source_id": row["source_id"], "action": "delete", "recorded_at": self.stamp()}

    def birth(self, sibling: dict[str, Any], source_id: str, nhs_number: str) -> dict[str, Any]:
        """A baby born in the last 14 days to the sibling's household."""
        first_name = str(sibling["given_names"]).split()[0].casefold()
        donor = self._donor(lambda d: str(d["given_names"]).split()[0].casefold()
                            != first_name)
        born = (self.day - timedelta(days=self.rng.randint(1, 14))).isoformat()
        gps = [dict(s, start_date=born, end_date=None, lead_professional=False, caf=False)
               for s in sibling.get("services") or []
               if s.get("type") == "gp" and s.get("end_date") in (None, "")][:1]
        return {
            "source_id": source_id, "action": "upsert", "recorded_at": self.stamp(),
            "given_names": _restyle(donor["given_names"], _shouts(sibling)),
            "family_name": sibling["family_name"], "former_family_names": [],
            "preferred_name": None, "date_of_birth": born, "gender": donor.get("gender"),
            "address": copy.deepcopy(sibling["address"]), "address_status": "current",
            "identifiers": {"nhs_number": nhs_number, "upn": None},
            "carers": copy.deepcopy(sibling.get("carers") or []), "services": gps,
        }


def _email_domain(service: dict[str, Any]) -> str:
    email = service.get("email")
    if isinstance(email, str) and "@" in email:
        return email.rsplit("@", 1)[1]
    slug = re.sub(r"[^a-z0-9]", "", str(service.get("organisation") or "").lower())[:30]
    return f"{slug or 'service'}.example.org"


# -- the delta -----------------------------------------------------------------------------

@dataclass
class _Delta:
    rows: dict[str, list[dict[str, Any]]]
    kinds: dict[str, int] = field(default_factory=dict)
    births: list[tuple[str, str]] = field(default_factory=list)  # (source, source_id)

    def add(self, stem: str, kind: str, row: dict[str, Any]) -> None:
        self.rows[stem].append(row)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


def _assign(candidates: list[_Row], counts: dict[str, int],
            rng: random.Random) -> dict[str, list[_Row]]:
    """Rows for each kind; service changes need a row with a service. A shortfall of
    service rows (or siblings, already counted into `counts`) becomes moves.

    What the service changes leave is shuffled again: its head would otherwise be
    mostly rows without services (Child Benefit's), and so would the other kinds.
    """
    with_services = [r for r in candidates if r.data.get("services")]
    chosen = {"service": with_services[:counts["service"]]}
    taken = {id(r) for r in chosen["service"]}
    rest = [r for r in candidates if id(r) not in taken]
    rng.shuffle(rest)
    short = counts["service"] - len(chosen["service"])
    needed = counts["move"] + short + counts["family_name"] + counts["delete"]
    if len(rest) < needed:
        wanted = sum(n for kind, n in counts.items() if kind != "birth")
        raise DeltaError(f"the feeds hold too few records for this delta: {wanted:,} "
                         f"changed records wanted, {len(candidates):,} found to change")
    chosen["family_name"], rest = rest[:counts["family_name"]], rest[counts["family_name"]:]
    chosen["delete"], rest = rest[:counts["delete"]], rest[counts["delete"]:]
    chosen["move"] = rest[:counts["move"] + short]
    return chosen


def generate_delta(feeds: Path, records: int, seed: int, out: Path, *,
                   today: date | None = None) -> DeltaSummary:
    """Write OUT/<source>.jsonl (RECORDS rows in all) and OUT/truth.csv (the births).

    The rows are recorded on the day after TODAY (default: the day of the latest
    `recorded_at` in the feeds), so each is newer than what it changes.
    """
    files = feed_files(feeds)
    if not files:
        raise DeltaError(f"{feeds} holds no feed files (*.jsonl)")
    if out.resolve() == feeds.resolve():
        raise DeltaError("the delta would overwrite the feeds: give another --out folder")
    counts = plan(records)
    if counts["birth"] and not any(f.stem == BIRTH_SOURCE for f in files):
        raise DeltaError(f"births go to {BIRTH_SOURCE}.jsonl, which {feeds} does not hold")
    scan = scan_feeds(files, counts, seed, want_latest=today is None)
    if today is None:
        if scan.latest is None:
            raise DeltaError("no recorded_at in the feeds to date the delta by: give --today")
        today = scan.latest.date()
    day = today + timedelta(days=1)
    delta = _build(scan, counts, day, seed, [f.stem for f in files])
    for stem, rows in delta.rows.items():
        for row in rows:
            reasons = rejections(row, day)
            if reasons:  # a bug here, not in the feeds: every row is meant to load whole
                raise RuntimeError(f"made an unloadable {stem} row: {reasons[0]}")
    return _write(delta, feeds, out, day)


def _build(scan: Scan, counts: dict[str, int], day: date, seed: int,
           stems: list[str]) -> _Delta:
    order = stream(seed, "delta", "order")
    siblings = _parsed(scan.siblings.items)
    order.shuffle(siblings)
    chosen_siblings = _choose_siblings(siblings, counts["birth"], day)
    counts = dict(counts, birth=len(chosen_siblings),
                  move=counts["move"] + counts["birth"] - len(chosen_siblings))
    sibling_keys = {r.key for r in chosen_siblings}
    candidates = _usable((r for r in _parsed(scan.changes.items)
                          if r.key not in sibling_keys), day)
    order.shuffle(candidates)
    changes = _Changes(day, candidates + chosen_siblings, seed)
    delta = _Delta({stem: [] for stem in stems})
    chosen = _assign(candidates, counts, order)
    for kind in ("move", "service", "family_name", "delete"):
        for row in chosen[kind]:
            delta.add(row.stem, kind, getattr(changes, kind)(row.data))
    nhs_numbers, source_ids = list(scan.nhs_numbers), list(scan.source_ids)
    if len(nhs_numbers) < len(chosen_siblings) or len(source_ids) < len(chosen_siblings):
        raise DeltaError("too few fresh NHS numbers or source ids")  # 1 in 10**100
    for sibling, source_id, nhs_number in zip(chosen_siblings, source_ids, nhs_numbers,
                                              strict=False):
        delta.add(BIRTH_SOURCE, "birth", changes.birth(sibling.data, source_id, nhs_number))
        delta.births.append((BIRTH_SOURCE, source_id))
    return delta


def _write(delta: _Delta, feeds: Path, out: Path, day: date) -> DeltaSummary:
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for stem, rows in delta.rows.items():
        rows.sort(key=lambda r: (r["recorded_at"], r["source_id"]))  # as a day's log reads
        with (out / f"{stem}.jsonl").open("wb") as fh:
            fh.writelines(orjson.dumps(row) + b"\n" for row in rows)
        files[f"{stem}.jsonl"] = len(rows)
    header, next_person = _truth_so_far(feeds / TRUTH_FILE)
    with (out / TRUTH_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        for offset, (source, source_id) in enumerate(delta.births):
            writer.writerow({"source": source, "source_id": source_id,
                             "person_id": f"P{next_person + offset:08d}"})
    kinds = {kind: delta.kinds.get(kind, 0) for kind in SHARES}
    return DeltaSummary(day, kinds, files, len(delta.births))


def _truth_so_far(path: Path) -> tuple[list[str], int]:
    """The truth file's header, and the first person number after every one it uses."""
    if not path.is_file():
        return list(TRUTH_HEADER), 0
    highest = -1
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None) or list(TRUTH_HEADER)
        column = header.index("person_id") if "person_id" in header else len(header) - 1
        for line in reader:
            match = _PERSON_ID.match(line[column]) if len(line) > column else None
            if match:
                highest = max(highest, int(match.group(1)))
    return header, highest + 1
