"""`contactpoint bench-match`: how accurate matching is, ours beside Splink's, on one population.

It generates the synthetic feeds (once per size, seed and date: a rerun with `--links`
reuses them), runs Splink on them (splink_peer) and scores Splink's clusters, and ours
when `contactpoint links` output for the same feeds is given, with the same
evaluate(). Figures are printed as they are known and kept in
`DIR/bench-match-results.json`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TextIO

from contactpoint.bench import TODAY
from contactpoint.bench import engines as targets
from contactpoint.bench.accuracy import AccuracyReport, evaluate
from contactpoint.bench.match_load import LoadRun, run_our_load, split_delta
from contactpoint.bench.report import line as _line
from contactpoint.bench.sweep import PairFigures
from contactpoint.synth import generate
from contactpoint.synth.generator import BIRTHS_FILE, REFERENCE_FOLDER, TRUTH_FILE

#: The load benchmark's date: the same feeds load the same way on any day.
RESULTS_FILE = "bench-match-results.json"
_STAMP = "feeds.json"


def _feeds(children: int, seed: int, today: date, work_dir: Path, out: TextIO) -> Path:
    """The feeds for these parameters, generated unless the folder already holds them."""
    feeds = work_dir / "feeds"
    stamp = {"children": children, "seed": seed, "today": today.isoformat()}
    stamp_file = work_dir / _STAMP
    if (feeds / TRUTH_FILE).exists() and stamp_file.exists() and (
            json.loads(stamp_file.read_text()) == stamp):
        _line(out, f"feeds already in {feeds} (children {children:,}, seed {seed}, "
                   f"today {today.isoformat()})")
        return feeds
    stamp_file.unlink(missing_ok=True)
    started = time.perf_counter()
    summary = generate(children, seed, feeds, today=today)
    stamp_file.write_text(json.dumps(stamp))
    _line(out, f"generated in {time.perf_counter() - started:.1f} s into {feeds}: "
               f"{summary.line()}")
    return feeds


def run_match_benchmark(children: int, seed: int, work_dir: Path, out: TextIO, *,
                        links: Path | None = None, today: date = TODAY,
                        engines: Sequence[str] = ()) -> dict[str, object]:
    """Generate, run Splink, score it (and our links); print and return the figures.

    With `engines`, our loader loads the feeds on each (an initial load, then a delta:
    bench/match_load.py) and its links are scored beside Splink's.
    """
    from contactpoint.bench.splink_peer import (  # noqa: PLC0415  (the bench extra)
        FLOOR_WEIGHT,
        run_splink,
    )

    work_dir.mkdir(parents=True, exist_ok=True)
    _line(out, f"== matching accuracy: {children:,} children (seed {seed}, "
               f"today {today.isoformat()}), {os.cpu_count()} CPUs, "
               f"load average {_load_average()}")
    feeds = _feeds(children, seed, today, work_dir, out)
    truth, births = feeds / TRUTH_FILE, feeds / REFERENCE_FOLDER / BIRTHS_FILE
    ours = evaluate(links, truth, births) if links else None  # a bad file fails first
    loads = _our_loads(engines, feeds, work_dir, today, out)
    splink = run_splink(feeds, truth, work_dir / "splink", today=today)
    _line(out, f"-- Splink {splink.splink_version}: {splink.records:,} records "
               f"({splink.rejected:,} rejected as our loader rejects them), "
               f"{splink.pairs_scored:,} pairs scored at match weight >= {FLOOR_WEIGHT:g}")
    _line(out, f"  {'threshold':>10}{'predicted':>12}{'correct':>12}{'precision':>11}"
               f"{'recall':>9}{'F1':>9}")
    for figures in [*splink.grid, splink.best]:
        _line(out, _threshold_line(figures, best=figures is splink.best))
    _line(out, f"  time: training {splink.training_seconds:.1f} s, prediction "
               f"{splink.prediction_seconds:.1f} s, clustering {splink.clustering_seconds:.1f} s;"
               f" total {splink.seconds:.1f} s; peak memory {splink.peak_rss_mib:,.0f} MiB")
    if splink.links_csv is None:
        raise RuntimeError("Splink wrote no links file")
    theirs = evaluate(splink.links_csv, truth, births)
    reports = {"ours": ours} if ours else {}
    reports |= {f"ours ({run.engine})": evaluate(run.links_csv, truth, births)
                for run in loads if run.links_csv is not None}
    reports["splink"] = theirs
    _line(out, "-- pairwise, by evaluate() on each links.csv" +
          ("" if len(reports) > 1 else
           " (ours: --engine sqlite|postgres, or --links with `contactpoint links` output)"))
    for line in comparison_lines(reports):
        _line(out, line)
    results = {
        "children": children, "seed": seed, "today": today.isoformat(),
        "splink": {
            "version": splink.splink_version, "records": splink.records,
            "rejected": splink.rejected, "pairs_scored": splink.pairs_scored,
            "best": _figures(splink.best), "best_cut": splink.best_cut,
            "grid": [_figures(f) for f in splink.grid],
            "training_seconds": round(splink.training_seconds, 2),
            "prediction_seconds": round(splink.prediction_seconds, 2),
            "clustering_seconds": round(splink.clustering_seconds, 2),
            "peak_rss_mib": round(splink.peak_rss_mib, 1),
            "links_csv": str(splink.links_csv), "model_json": str(splink.model_json),
        },
        "accuracy": {name: _report(report) for name, report in reports.items()},
        "loads": [run.as_dict() for run in loads],
    }
    (work_dir / RESULTS_FILE).write_text(json.dumps(results, indent=2))
    return results


def _our_loads(engines: Sequence[str], feeds: Path, work_dir: Path, today: date,
               out: TextIO) -> list[LoadRun]:
    if not engines:
        return []
    split = split_delta(feeds, work_dir / "delta-split", today)
    server_url = os.environ.get(targets.POSTGRES_URL_VARIABLE) or None
    runs = []
    for engine in engines:
        _line(out, f"-- ours on {engine}: initial load of every record but {split.held_out:,}, "
                   f"then a delta of {split.held_out + split.updated:,} changed records")
        if engine == "postgres" and not server_url:
            _line(out, f"  skipped: {targets.POSTGRES_URL_VARIABLE} is not set")
            continue
        runs.append(run_our_load(engine, split, work_dir / f"ours-{engine}", server_url,
                                 today=today, out=out))
    return runs


def comparison_lines(reports: dict[str, AccuracyReport]) -> list[str]:
    """One row per figure, one column per matcher."""
    names = list(reports)
    rows: list[tuple[str, list[str]]] = [
        ("records scored", [f"{r.records_scored:,}" for r in reports.values()]),
        ("records not loaded (rejected)", [f"{r.records_rejected:,}" for r in reports.values()]),
        ("children made (persons in truth)", [f"{r.children:,} ({r.persons:,})"
                                              for r in reports.values()]),
        ("precision of links", [_share(r.precision) for r in reports.values()]),
        ("recall of links", [_share(r.recall) for r in reports.values()]),
        ("F1 of links", [_share(r.f1) for r in reports.values()]),
        ("precision of automatic links", [_share(r.automatic_precision)
                                          for r in reports.values()]),
        ("records in review", [f"{r.review_records:,} ({_percent(r.review_share)})"
                               for r in reports.values()]),
        ("  of which true matches", [f"{r.review_true_matches:,}" for r in reports.values()]),
        ("recall of links + review", [_share(r.recall_with_review) for r in reports.values()]),
        ("wrongly merged children", [f"{r.wrongly_merged_children:,}"
                                     for r in reports.values()]),
        ("twins/triplets wrongly merged", [
            "-" if r.twins_merged is None else
            f"{r.twins_merged:,} (of {r.multiple_birth_children:,} twins/triplets)"
            for r in reports.values()]),
        ("missed matches (persons split)", [f"{r.missed_matches:,}" for r in reports.values()]),
        ("pairs: true / predicted / correct", [
            f"{r.true_pairs:,} / {r.predicted_pairs:,} / {r.correct_pairs:,}"
            for r in reports.values()]),
    ]
    width = max(24, *(len(cell) + 2 for _, cells in rows for cell in cells))
    lines = [f"  {'':<34}" + "".join(f"{name:>{width}}" for name in names)]
    lines += [f"  {label:<34}" + "".join(f"{cell:>{width}}" for cell in cells)
              for label, cells in rows]
    return lines


def _threshold_line(figures: PairFigures, *, best: bool) -> str:
    label = f"{figures.threshold:.2f}" if best else f"{figures.threshold:.0f}"
    line = (f"  {label:>10}{figures.predicted_pairs:>12,}{figures.correct_pairs:>12,}"
            f"{_share(figures.precision):>11}{_share(figures.recall):>9}"
            f"{_share(figures.f1):>9}")
    return line + ("  <- best F1" if best else "")


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def _figures(figures: PairFigures) -> dict[str, object]:
    return asdict(figures) | {"precision": figures.precision, "recall": figures.recall,
                              "f1": figures.f1}


def _report(report: AccuracyReport) -> dict[str, object]:
    return asdict(report) | {
        "precision": report.precision, "recall": report.recall, "f1": report.f1,
        "automatic_precision": report.automatic_precision,
        "recall_with_review": report.recall_with_review, "review_share": report.review_share,
    }


def _load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())

