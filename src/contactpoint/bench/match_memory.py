"""Our matcher's accuracy in minutes, with no database (docs/benchmarks.md).

The feeds are replayed as `contactpoint ingest` loads them, one file after another in
name order (as the load benchmark runs them): every row checked by the loader's own
validation (feeds.pipeline, rejected rows are not loaded), each batch of 1,000 loadable
rows de-duplicated per source id by (recorded_at, content digest) as
FeedLoader._incoming does, a stored record left alone when the incoming one changes
nothing, and each record not yet placed placed once by `ProbabilisticLinker.place`. An
update to a record already placed keeps its child (its tokens and profile change); a
delete unlinks it. What the linker reads (`children_holding`, `child_records`) comes
from MemoryStore, dictionaries standing in for matching.store.IndexStore, through a real
BlindIndex with a random key.

The result is a links CSV in `contactpoint links` format, scored by bench.accuracy
`evaluate()` like Splink's. The truth is read only here, to explain mistakes: which
twins were merged, and a sample of wrong links, missed matches and review items with
the comparisons that scored them.

    python -m contactpoint.bench.match_memory --feeds DIR [--model feeds|shipped|FILE]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import secrets
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO, TextIO

import orjson

from contactpoint.bench import TODAY
from contactpoint.bench.accuracy import AccuracyReport, evaluate
from contactpoint.bench.match import comparison_lines
from contactpoint.bench.report import line as _line
from contactpoint.crypto.blind import BlindIndex
from contactpoint.feeds.pipeline import Checked, check, checked_rows
from contactpoint.feeds.reader import read_feed
from contactpoint.feeds.validate import ValidRow
from contactpoint.matching.decide import CandidateRecord, Decision, Scored, Thresholds
from contactpoint.matching.model import MatchModel
from contactpoint.matching.probabilistic import ProbabilisticLinker
from contactpoint.matching.profile import Profile, profile
from contactpoint.synth.generator import BIRTHS_FILE, REFERENCE_FOLDER, TRUTH_FILE

BATCH_SIZE = 1000  # feeds.loader.BATCH_SIZE (not imported: that module needs Django)
LINKS_FILE = "memory_links.csv"
SAMPLES = 12


def feed_files(folder: Path) -> list[Path]:
    """The feeds in the order the load benchmark ingests them: by name."""
    return [f for f in sorted(folder.glob("*.jsonl")) if not f.name.endswith(".rejects.jsonl")]


# -- the index, in memory ------------------------------------------------------------------

@dataclass(slots=True)
class _Held:
    child: int
    source: str
    profile: Profile
    tokens: tuple[bytes, ...]


class MemoryStore:
    """matching.store.IndexStore's two reads over dictionaries: token -> records -> child."""

    def __init__(self) -> None:
        self._holders: dict[bytes, list[int]] = {}
        self._records: dict[int, _Held] = {}
        self._by_child: dict[int, list[int]] = defaultdict(list)

    def children_holding(self, tokens: Iterable[bytes]) -> dict[bytes, set[int]]:
        found: dict[bytes, set[int]] = {}
        for token in tokens:
            holders = self._holders.get(token)
            if holders:
                found[token] = {self._records[r].child for r in holders}
        return found

    def child_records(self, child_ids: Iterable[int]
                      ) -> tuple[dict[int, list[CandidateRecord]], dict[int, set[str]]]:
        records: dict[int, list[CandidateRecord]] = {}
        sources: dict[int, set[str]] = {}
        for child in child_ids:
            held = [(r, self._records[r]) for r in self._by_child.get(child, ())]
            records[child] = [CandidateRecord(r, child, h.profile) for r, h in held]
            sources[child] = {h.source for _, h in held}
        return records, sources

    def put(self, record_id: int, child: int, source: str, p: Profile,
            tokens: Iterable[bytes]) -> None:
        """Store a record (or its new version) under its child and tokens."""
        if record_id in self._records:
            self.drop(record_id)
        held = _Held(child, source, p, tuple(tokens))
        self._records[record_id] = held
        self._by_child[child].append(record_id)
        for token in held.tokens:
            self._holders.setdefault(token, []).append(record_id)

    def drop(self, record_id: int) -> None:
        """A deleted record: no longer a candidate, its tokens gone."""
        held = self._records.pop(record_id)
        self._by_child[held.child].remove(record_id)
        for token in held.tokens:
            holders = self._holders[token]
            holders.remove(record_id)
            if not holders:
                del self._holders[token]


# -- the loader's bookkeeping, in memory --------------------------------------------------

@dataclass(slots=True)
class _Stored:
    record_id: int
    child: int | None
    state: str
    recorded_at: datetime
    digest: bytes


@dataclass
class ReplayCounts:
    read: int = 0
    rejected: int = 0
    created: int = 0
    linked: int = 0
    review: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    superseded: int = 0

    def line(self) -> str:
        return ", ".join(f"{name} {value:,}" for name, value in self.__dict__.items())


#: Called with (source, source_id, decision, the child the record went to) per placement.
DecisionHook = Callable[[str, str, Decision, int], None]


class MemoryLoader:
    """FeedLoader's placement logic, with MemoryStore for the database."""

    def __init__(self, linker: ProbabilisticLinker, store: MemoryStore, index: BlindIndex, *,
                 today: date, batch_size: int = BATCH_SIZE,
                 on_decision: DecisionHook | None = None) -> None:
        self.linker, self.store, self.index = linker, store, index
        self.today, self.now = today, datetime.now(UTC)
        self.batch_size = batch_size
        self.on_decision = on_decision
        self.stored: dict[tuple[str, str], _Stored] = {}
        self.counts = ReplayCounts()
        self._next_record = self._next_child = 1

    def load_file(self, path: Path, source: str, *, in_process: bool = False) -> None:
        rows = (_checked_in_process(path, self.today, self.now) if in_process
                else checked_rows(path, today=self.today, now=self.now))
        batch: list[ValidRow] = []
        for checked in rows:
            self.counts.read += 1
            if checked.row is None:
                self.counts.rejected += 1
                continue
            batch.append(checked.row)
            if len(batch) >= self.batch_size:
                self._batch(batch, source)
                batch = []
        if batch:
            self._batch(batch, source)

    def _incoming(self, batch: list[ValidRow], source: str) -> list[tuple[ValidRow, datetime,
                                                                          bytes]]:
        winners: dict[str, tuple[ValidRow, datetime, bytes]] = {}
        for row in batch:
            item = (row, row.recorded_at or self.now,
                    self.index.digest("source-content", row.content))
            held = winners.get(row.source_id)
            if held is None or item[1:] > held[1:]:
                if held is not None:
                    self.counts.superseded += 1
                winners[row.source_id] = item
            else:
                self.counts.superseded += 1
        return list(winners.values())

    def _stands(self, held: _Stored | None, row: ValidRow, recorded_at: datetime,
                digest: bytes) -> bool:
        if held is None:
            return False
        if held.digest == digest and (row.recorded_at is None or recorded_at <= held.recorded_at):
            self.counts.unchanged += 1
            return True
        if (held.recorded_at, held.digest) >= (recorded_at, digest):
            self.counts.superseded += 1
            return True
        return False

    def _batch(self, batch: list[ValidRow], source: str) -> None:
        """One batch: what changes, placed, then written (the loader writes after placing,
        so the linker sees the batch's updates and deletes only from the next batch)."""
        changes = [item for item in self._incoming(batch, source)
                   if not self._stands(self.stored.get((source, item[0].source_id)), *item)]
        to_place = [item for item in changes if item[0].action == "upsert" and (
            self._child_of(source, item[0].source_id) is None)]
        placed = dict(zip(map(id, to_place), self._place(to_place, source), strict=True))
        for item in changes:
            row, recorded_at, digest = item
            key = (source, row.source_id)
            held = self.stored.get(key)
            if row.action == "delete":
                if held is not None and held.child is not None:
                    self.store.drop(held.record_id)
                self.counts.deleted += 1
                self._remember(key, child=None, state=held.state if held else "new",
                               recorded_at=recorded_at, digest=digest)
                continue
            if id(item) in placed:
                child, state = placed[id(item)]
            else:
                self.counts.updated += 1
                child, state = held.child, held.state  # type: ignore[union-attr]
            self._remember(key, child=child, state=state, recorded_at=recorded_at,
                           digest=digest)
            self._put(self.stored[key], row, source)

    def _child_of(self, source: str, source_id: str) -> int | None:
        held = self.stored.get((source, source_id))
        return held.child if held is not None else None

    def _place(self, to_place: list[tuple[ValidRow, datetime, bytes]],
               source: str) -> list[tuple[int, str]]:
        """(child, state) of each record: the linker's placements, new groups numbered as
        the loader inserts them (in group order)."""
        if not to_place:
            return []
        placements = self.linker.place([row.record for row, _, _ in to_place], source)
        new_child = {}
        for group in sorted({p.new_group for p in placements if p.new_group is not None}):
            new_child[group] = self._next_child
            self._next_child += 1
        out = []
        for (row, _, _), placement, decision in zip(to_place, placements,
                                                    self.linker.decisions, strict=True):
            child = (placement.child_id if placement.child_id is not None
                     else new_child[placement.new_group])  # type: ignore[index]
            self.counts.created += placement.state == "new"
            self.counts.review += placement.state == "review"
            self.counts.linked += placement.state == "auto"
            if self.on_decision is not None:
                self.on_decision(source, row.source_id, decision, child)
            out.append((child, placement.state))
        return out

    def _remember(self, key: tuple[str, str], *, child: int | None, state: str,
                  recorded_at: datetime, digest: bytes) -> None:
        held = self.stored.get(key)
        if held is None:
            held = self.stored[key] = _Stored(self._next_record, child, state, recorded_at,
                                              digest)
            self._next_record += 1
        held.child, held.state, held.recorded_at, held.digest = child, state, recorded_at, digest

    def _put(self, held: _Stored, row: ValidRow, source: str) -> None:
        # The store unseals a record from JSON: profile it from the same round trip.
        record = orjson.loads(orjson.dumps(row.record))
        self.store.put(held.record_id, held.child, source,  # type: ignore[arg-type]
                       profile(record, source), self.linker.tokens(record))

    def write_links(self, path: Path) -> int:
        """`contactpoint links` format: every live, placed record."""
        count = 0
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["source", "source_id", "contactpoint_id", "state"])
            for (source, source_id), held in self.stored.items():
                if held.child is not None:
                    writer.writerow([source, source_id, f"C{held.child}", held.state])
                    count += 1
        return count


def _checked_in_process(path: Path, today: date, now: datetime) -> Iterator[Checked]:
    """feeds.pipeline.checked_rows without the worker process (for tests and profiling)."""
    for raw in read_feed(path):
        yield check(raw.line, raw.data, raw.error, today=today, now=now)


# -- what went wrong, from the truth ------------------------------------------------------

@dataclass
class Diagnosis:
    """Wrong automatic links, missed matches and review items, as they happen."""

    person: dict[tuple[str, str], str]
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    child_people: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    person_children: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    wrong_links: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    reviews: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    rng: random.Random = field(default_factory=lambda: random.Random(0))  # noqa: S311
    seen: dict[int, int] = field(default_factory=dict)
    #: When set, every decision is written here as a JSON line, for analysis.
    dump: BinaryIO | None = None

    def __call__(self, source: str, source_id: str, decision: Decision, child: int) -> None:
        key = (source, source_id)
        who = self.person.get(key, "?")
        before = set(self.person_children.get(who, set()))
        if decision.state == "auto" and self.child_people.get(child, set()) - {who}:
            self.counts["wrong link"] += 1
            self._keep(self.wrong_links, f"{source} {source_id} ({who}) linked to a child of "
                       f"{sorted(self.child_people[child])}", decision)
        elif decision.state == "new" and before:
            self.counts["missed"] += 1
            self._keep(self.missed, f"{source} {source_id} ({who}) made a new child; the "
                       f"person already had {len(before)}", decision, truth=before)
        elif decision.state == "review":
            right = bool(before)
            self.counts["review, true match" if right else "review, no match"] += 1
            self._keep(self.reviews, f"{source} {source_id} ({who}) to review "
                       f"({'a true match' if right else 'no true match'}): "
                       f"{decision.reason()}", decision, truth=before)
        if self.dump is not None:
            self._dump(self.dump, key, who, decision, child=child, before=before)
        self.child_people[child].add(who)
        self.person_children[who].add(child)

    def _dump(self, dump: BinaryIO, key: tuple[str, str], who: str, decision: Decision, *,
              child: int, before: set[int]) -> None:
        source, source_id = key
        dump.write(orjson.dumps({
            "source": source, "id": source_id, "person": who, "state": decision.state,
            "child": child, "score": decision.score, "known": sorted(before),
            "candidates": [{
                "child": c.child, "score": c.score if c.score > -1e9 else None,
                "capped": c.capped, "same_source": c.same_source,
                "right": c.child in before,
                "others": sorted(self.child_people.get(c.child, set()) - {who}),
                "levels": {x.comparison: x.level for x in c.explanation},
                "weights": {x.comparison: round(x.weight, 2) for x in c.explanation},
            } for c in decision.candidates[:4]]}) + b"\n")

    def _keep(self, bucket: list[str], head: str, decision: Decision,
              truth: set[int] | None = None) -> None:
        # A reservoir sample: every case equally likely to be shown, whenever it came.
        seen = self.seen[id(bucket)] = self.seen.get(id(bucket), 0) + 1
        slot = seen - 1 if seen <= SAMPLES else self.rng.randrange(seen)
        if slot < SAMPLES:
            text = head + "\n" + _explain(decision.candidates, truth)
            if slot < len(bucket):
                bucket[slot] = text
            else:
                bucket.append(text)


def _explain(candidates: list[Scored], truth: set[int] | None, top: int = 3) -> str:
    shown = candidates[:top] + [c for c in candidates[top:] if truth and c.child in truth][:1]
    lines = []
    for c in shown:
        mark = " <- the person's child" if truth and c.child in truth else ""
        why = f" [{c.capped}]" if c.capped else ""
        parts = ", ".join(f"{x.comparison}={x.level} {x.weight:+.1f}" for x in c.explanation)
        lines.append(f"    child {c.child}: {c.score:.1f}{why}{mark}\n      {parts}")
    if not candidates:
        lines.append("    no candidates")
    return "\n".join(lines)


def twins_merged(links_csv: Path, truth_csv: Path, births_csv: Path) -> list[str]:
    """Each child holding two children of one birth, with the records' names."""
    birth: dict[str, str] = {}
    with open(births_csv, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            birth[row["person_id"]] = row["birth_id"]
    person: dict[tuple[str, str], str] = {}
    with open(truth_csv, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["person_id"] in birth:
                person[(row["source"], row["source_id"])] = row["person_id"]
    held: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    with open(links_csv, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            who = person.get((row["source"], row["source_id"]))
            if who is not None:
                held[row["contactpoint_id"]][who].append(
                    f"{row['source']} {row['source_id']} ({row['state']})")
    out = []
    for child, people in held.items():
        births = Counter(birth[p] for p in people)
        if births.most_common(1)[0][1] > 1:
            out.append(f"{child}: " + "; ".join(f"{p}: {', '.join(r)}"
                                                for p, r in people.items()))
    return out


# -- the run -------------------------------------------------------------------------------

@dataclass
class MemoryRun:
    report: AccuracyReport
    counts: ReplayCounts
    seconds: float
    peak_mib: float
    links_csv: Path
    diagnosis: Diagnosis | None = None
    twins: list[str] = field(default_factory=list)


def run(feeds: Path, model: MatchModel, out_dir: Path, *,
        thresholds: Thresholds | None = None, today: date = TODAY,
        batch_size: int = BATCH_SIZE, diagnose: bool = True, in_process: bool = False,
        out: TextIO | None = None, dump: Path | None = None) -> MemoryRun:
    """Replay the feeds through the linker in memory and score the links."""
    index = BlindIndex(secrets.token_bytes(32))
    store = MemoryStore()
    linker = ProbabilisticLinker(index, store, model, thresholds or Thresholds())
    truth, births = feeds / TRUTH_FILE, feeds / REFERENCE_FOLDER / BIRTHS_FILE
    diagnosis = Diagnosis(_truth(truth)) if diagnose and truth.exists() else None
    if diagnosis is not None and dump is not None:
        diagnosis.dump = open(dump, "wb")  # noqa: SIM115  (closed below)
    loader = MemoryLoader(linker, store, index, today=today, batch_size=batch_size,
                          on_decision=diagnosis)
    started = time.perf_counter()
    for feed in feed_files(feeds):
        began = time.perf_counter()
        loader.load_file(feed, feed.stem, in_process=in_process)
        if out is not None:
            _line(out, f"  {feed.stem}: {time.perf_counter() - began:.1f} s, "
                       f"{loader.counts.line()}")
    seconds = time.perf_counter() - started
    if diagnosis is not None and diagnosis.dump is not None:
        diagnosis.dump.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    links = out_dir / LINKS_FILE
    loader.write_links(links)
    report = evaluate(links, truth, births if births.exists() else None)
    twins = twins_merged(links, truth, births) if births.exists() else []
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return MemoryRun(report, loader.counts, seconds, peak, links, diagnosis, twins)


def _truth(path: Path) -> dict[tuple[str, str], str]:
    with open(path, encoding="utf-8") as fh:
        return {(r["source"], r["source_id"]): r["person_id"] for r in csv.DictReader(fh)}


def print_run(result: MemoryRun, out: TextIO) -> None:
    _line(out, f"-- {result.counts.read:,} rows replayed in {result.seconds:.1f} s "
               f"({result.counts.read / max(result.seconds, 1e-9):,.0f} rows/s), "
               f"peak memory {result.peak_mib:,.0f} MiB")
    for line in comparison_lines({"ours (in memory)": result.report}):
        _line(out, line)
    _line(out, f"-- twins/triplets merged: {len(result.twins)}")
    for line in result.twins:
        _line(out, "  " + line)
    d = result.diagnosis
    if d is None:
        return
    _line(out, f"-- decisions against the truth: {dict(d.counts)}")
    for title, bucket in (("wrong automatic links", d.wrong_links),
                          ("missed matches (a new child for a known person)", d.missed),
                          ("review items", d.reviews)):
        _line(out, f"-- a sample of {title}: {len(bucket)}")
        for text in bucket:
            _line(out, "  " + text)


def load_model(choice: str, feeds: Path, today: date, out: TextIO) -> MatchModel:
    """`shipped` (matching/data/default_model.json), `feeds` (trained on these feeds,
    without labels, as an operator's first load would be), or a model JSON file."""
    from contactpoint.matching.model import load_default_model  # noqa: PLC0415
    from contactpoint.matching.training import train_on_feeds  # noqa: PLC0415

    if choice == "shipped":
        return load_default_model()
    if choice == "feeds":
        started = time.perf_counter()
        model = train_on_feeds(feed_files(feeds), today)
        _line(out, f"-- trained on the feeds, without labels, in "
                   f"{time.perf_counter() - started:.1f} s")
        return model
    return MatchModel.from_json(orjson.loads(Path(choice).read_bytes()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contactpoint.bench.match_memory",
        description="Our matcher's accuracy on synthetic feeds, in memory (no database).")
    parser.add_argument("--feeds", required=True, type=Path,
                        help="a folder written by `contactpoint synth`")
    parser.add_argument("--model", default="feeds",
                        help="feeds (train on them, no labels; the default), shipped, or FILE")
    parser.add_argument("--today", type=date.fromisoformat, default=TODAY)
    parser.add_argument("--link", type=float, default=Thresholds.link)
    parser.add_argument("--review", type=float, default=Thresholds.review)
    parser.add_argument("--margin", type=float, default=Thresholds.margin)
    parser.add_argument("--out", type=Path, help="where the links CSV goes (default: --feeds)")
    parser.add_argument("--save-model", type=Path, help="write the model used as JSON")
    parser.add_argument("--dump", type=Path,
                        help="write every decision, its candidates and the truth as JSON lines")
    args = parser.parse_args(argv)
    out = sys.stdout
    _line(out, f"== matching in memory: {args.feeds}, {os.cpu_count()} CPUs, load average "
               f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    model = load_model(args.model, args.feeds, args.today, out)
    if args.save_model:
        args.save_model.write_bytes(orjson.dumps(model.as_json(), option=orjson.OPT_INDENT_2))
    thresholds = Thresholds(link=args.link, review=args.review, margin=args.margin)
    result = run(args.feeds, model, args.out or args.feeds, thresholds=thresholds,
                 today=args.today, out=out, dump=args.dump)
    print_run(result, out)
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
