"""Our matcher's accuracy in minutes, with no database (docs/benchmarks.md).

The feeds are replayed as `contactpoint ingest` loads them, one file after another in
name order (as the load benchmark runs them): every row checked by the loader's own
validation (feeds.pipeline, rejected rows are not loaded), each batch of 1,000 loadable
rows de-duplicated per source id by (recorded_at, content digest), a stored record
left alone when the incoming one changes nothing, and each record not yet placed
placed once by `ProbabilisticLinker.place`. An update to a record already placed keeps
its child (its tokens and profile change); a delete unlinks it: loading.placing's rules,
the same for `ingest`. That is loading.placing.memory.MemoryPlacer, the first load's placement:
what the linker reads (`children_holding`, `child_records`) comes from its CompactStore
instead of matching.store.IndexStore, through a real BlindIndex with a random key.

The result is a links CSV in `contactpoint links` format, scored by bench.accuracy
`evaluate()` like Splink's. The truth is read only here, to explain mistakes: which
twins were merged, and a sample of wrong links, missed matches and review items with
the comparisons that scored them.

    python -m contactpoint.bench.match_memory --feeds DIR [--model feeds|shipped|FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import random
import resource
import secrets
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, TextIO

import orjson

from contactpoint.bench import TODAY
from contactpoint.bench.accuracy import AccuracyReport, evaluate
from contactpoint.bench.match import comparison_lines
from contactpoint.bench.report import line as _line
from contactpoint.crypto.blind import BlindIndex
from contactpoint.db.gcpolicy import rare_collections
from contactpoint.feeds.pipeline import Checked, check
from contactpoint.feeds.reader import read_feed
from contactpoint.loading.placing.memory import MemoryPlacer
from contactpoint.loading.placing.rules import BATCH_SIZE, STATES, LoadSummary
from contactpoint.matching.decide import Decision, Scored, Thresholds
from contactpoint.matching.memory import CompactStore
from contactpoint.matching.model import MatchModel
from contactpoint.matching.probabilistic import ProbabilisticLinker
from contactpoint.synth.generator import BIRTHS_FILE, REFERENCE_FOLDER, TRUTH_FILE

LINKS_FILE = "memory_links.csv"
SAMPLES = 12


def feed_files(folder: Path) -> list[Path]:
    """The feeds in the order the load benchmark ingests them: by name."""
    return [f for f in sorted(folder.glob("*.jsonl")) if not f.name.endswith(".rejects.jsonl")]


def write_links(placer: MemoryPlacer, path: Path) -> int:
    """`contactpoint links` format: every live, placed record."""
    if placer.ids is None:
        raise ValueError("the placer was not asked to keep source ids")
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "source_id", "contactpoint_id", "state"])
        for record in range(1, placer.records + 1):
            child = placer.child[record]
            if child:
                source, source_id = placer.ids[record]
                writer.writerow([source, source_id, f"C{child}", STATES[placer.state[record]]])
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
    counts: LoadSummary
    seconds: float
    peak_mib: float
    links_csv: Path
    diagnosis: Diagnosis | None = None
    twins: list[str] = field(default_factory=list)
    postings: int = 0
    postings_mib: float = 0.0


def run(feeds: Path, model: MatchModel, out_dir: Path, *,
        thresholds: Thresholds | None = None, today: date = TODAY,
        batch_size: int = BATCH_SIZE, diagnose: bool = True, in_process: bool = False,
        workers: int = 2, out: TextIO | None = None, dump: Path | None = None) -> MemoryRun:
    """Replay the feeds through the linker in memory and score the links."""
    index = BlindIndex(secrets.token_bytes(32))
    store = CompactStore()
    linker = ProbabilisticLinker(index, store, model, thresholds or Thresholds())
    truth, births = feeds / TRUTH_FILE, feeds / REFERENCE_FOLDER / BIRTHS_FILE
    diagnosis = Diagnosis(_truth(truth)) if diagnose and truth.exists() else None
    if diagnosis is not None and dump is not None:
        diagnosis.dump = open(dump, "wb")  # noqa: SIM115  (closed below)
    placer = MemoryPlacer(linker, store, index, today=today, batch_size=batch_size,
                          workers=workers, on_decision=diagnosis, keep_ids=True)
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        stack.enter_context(rare_collections())  # as the initial load places
        pool = None if in_process else stack.enter_context(placer.reading())
        for feed in feed_files(feeds):
            began = time.perf_counter()
            placer.load_file(feed, feed.stem,
                             rows=_checked_in_process(feed, today, placer.now)
                             if pool is None else pool.rows(feed, feed.stem))
            if out is not None:
                _line(out, f"  {feed.stem}: {time.perf_counter() - began:.1f} s, "
                           f"{placer.counts.line()}")
    seconds = time.perf_counter() - started
    if diagnosis is not None and diagnosis.dump is not None:
        diagnosis.dump.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    links = out_dir / LINKS_FILE
    write_links(placer, links)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store.postings.merge()
    held = store.postings.nbytes()
    report = evaluate(links, truth, births if births.exists() else None)
    twins = twins_merged(links, truth, births) if births.exists() else []
    return MemoryRun(report, placer.counts, seconds, peak, links, diagnosis, twins,
                     postings=len(store.postings), postings_mib=held / 2**20)


def _truth(path: Path) -> dict[tuple[str, str], str]:
    with open(path, encoding="utf-8") as fh:
        return {(r["source"], r["source_id"]): r["person_id"] for r in csv.DictReader(fh)}


def print_run(result: MemoryRun, out: TextIO) -> None:
    _line(out, f"-- {result.counts.read:,} rows replayed in {result.seconds:.1f} s "
               f"({result.counts.read / max(result.seconds, 1e-9):,.0f} rows/s), "
               f"peak memory {result.peak_mib:,.0f} MiB (the placing process, before scoring; "
               f"{result.postings:,} token postings in {result.postings_mib:,.0f} MiB)")
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
    parser.add_argument("--no-diagnosis", action="store_true",
                        help="do not follow each decision against the truth as it is made "
                             "(the truth is then read only to score the links): the memory "
                             "figure is then the placing's own")
    parser.add_argument("--workers", type=int, default=2,
                        help="reading and preparing processes (default 2)")
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
                 today=args.today, workers=args.workers, out=out, dump=args.dump,
                 diagnose=not args.no_diagnosis)
    print_run(result, out)
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
