"""The benchmarks: loads, daily deltas, matching accuracy, search speed (docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from contactpoint.cli.base import Failure, Subcommands, Usage, command, date_arg, positive

# -- bench -----------------------------------------------------------------------------------

def _bench(args: argparse.Namespace) -> None:
    from contactpoint.bench.load import run_load_benchmark  # noqa: PLC0415

    run_load_benchmark(sizes=args.children, engines=args.engine, out=sys.stdout,
                       work_dir=Path(args.work_dir) if args.work_dir else None,
                       initial=args.initial)


def register_bench(sub: Subcommands) -> None:
    p = command(sub, "bench", "load benchmark: records/s, peak memory, bytes per child",
                _bench, django=False)
    p.add_argument("--children", type=positive, action="append",
                   help="population size (repeatable; default 100000 and 1000000)")
    p.add_argument("--engine", choices=["sqlite", "postgres"], action="append",
                   help="repeatable; default both (postgres needs CONTACTPOINT_BENCH_POSTGRES_URL)")
    p.add_argument("--work-dir", help="where feeds and databases go (default: a temp dir)")
    p.add_argument("--initial", action="store_true",
                   help="load all the feeds with one `initial-load` (a first national load) "
                   "rather than one `ingest` per feed")


# -- bench-delta -----------------------------------------------------------------------------

def _bench_delta(args: argparse.Namespace) -> None:
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    from contactpoint.bench.delta import EmptyIndex, run_delta_benchmark  # noqa: PLC0415
    from contactpoint.feeds.reader import FeedFileError  # noqa: PLC0415
    from contactpoint.synth.delta import feed_files  # noqa: PLC0415

    feeds = Path(args.feeds)
    if not feeds.is_dir():
        raise Usage(f"--feeds {feeds}: no such folder")
    if not feed_files(feeds):
        raise Usage(f"--feeds {feeds}: no feed files (*.jsonl) in it")
    try:
        run_delta_benchmark(feeds, sys.stdout, today=args.today)
    except ValidationError as exc:  # a file whose name is not a source name
        raise Usage(f"--feeds {exc.messages[0]}") from None
    except (EmptyIndex, FeedFileError) as exc:
        raise Failure(str(exc)) from None


def register_bench_delta(sub: Subcommands) -> None:
    p = command(sub, "bench-delta", "daily-delta load speed: load a delta (synth-delta) "
                "into the index the environment points at; records/s and peak memory",
                _bench_delta)
    p.add_argument("--feeds", required=True, metavar="DELTA_DIR",
                   help="the delta's files, DELTA_DIR/<source>.jsonl, each loaded as ingest does")
    p.add_argument("--today", type=date_arg, default=None,
                   help="the load date, as ingest --today (default: the day of the delta's "
                   "latest recorded_at)")


# -- bench-match -----------------------------------------------------------------------------

def _bench_match(args: argparse.Namespace) -> None:
    links = Path(args.links) if args.links else None
    if links is not None and not links.is_file():
        raise Usage(f"--links {links}: no such file")
    try:
        import splink  # noqa: F401, PLC0415  (only this command needs the bench extra)
    except ImportError:
        raise Failure("Splink is not installed: pip install -e '.[bench]'") from None
    from contactpoint.bench.accuracy import LinksFileError  # noqa: PLC0415
    from contactpoint.bench.match import run_match_benchmark  # noqa: PLC0415

    try:
        run_match_benchmark(args.children, args.seed, Path(args.work_dir), sys.stdout,
                            links=links, today=args.today, engines=args.engine or ())
    except LinksFileError as exc:
        raise Failure(str(exc)) from None
    except OSError as exc:
        raise Failure(f"{exc.filename or args.work_dir}: {exc.strerror or exc}") from None


def register_bench_match(sub: Subcommands) -> None:
    from contactpoint.bench import TODAY  # noqa: PLC0415

    p = command(sub, "bench-match", "matching accuracy: Splink's (and ours, with --links) "
                "precision, recall and wrong merges against the synthetic truth",
                _bench_match, django=False)
    p.add_argument("--children", type=positive, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--work-dir", required=True, metavar="DIR",
                   help="feeds in DIR/feeds, Splink's output in DIR/splink")
    p.add_argument("--links", metavar="FILE",
                   help="`contactpoint links` output after loading DIR/feeds: scored beside")
    p.add_argument("--engine", action="append", choices=["sqlite", "postgres"],
                   help="load the feeds with our loader on this engine (repeatable): an "
                   "initial load then a delta of 10,000 changed records, timed, then scored")
    p.add_argument("--today", type=date_arg, default=TODAY,
                   help=f"the feeds' date, as ingest --today (default {TODAY.isoformat()})")


# -- bench-search ----------------------------------------------------------------------------

def _bench_search(args: argparse.Namespace) -> None:
    from contactpoint.bench.search import run_search_benchmark  # noqa: PLC0415

    feeds = Path(args.feeds)
    if not feeds.is_dir():
        raise Usage(f"--feeds {feeds}: no such folder")
    try:
        run_search_benchmark(feeds, sys.stdout, clients=args.clients, seconds=args.seconds,
                             warmup=args.warmup, workers=args.workers, rate=args.rate,
                             compare_trail=not args.trail_only)
    except (ValueError, RuntimeError) as exc:
        raise Failure(str(exc)) from None


def register_bench_search(sub: Subcommands) -> None:
    p = command(sub, "bench-search", "search speed through the HTTP API with concurrent "
                "clients, on the index the environment points at", _bench_search)
    p.add_argument("--feeds", required=True, metavar="DIR",
                   help="the feed files the index was loaded from (searches are built "
                   "from them)")
    p.add_argument("--clients", type=positive, default=20)
    p.add_argument("--seconds", type=positive, default=30)
    p.add_argument("--warmup", type=positive, default=5)
    p.add_argument("--workers", type=positive, default=None,
                   help="gunicorn worker processes (default CONTACTPOINT_WEB_WORKERS or 2)")
    p.add_argument("--rate", type=positive, default=None, metavar="PER_SECOND",
                   help="pace the clients to send this many searches a second in all, and "
                   "measure latency at that load (default: closed loop, each client "
                   "searches again as soon as answered)")
    p.add_argument("--trail-only", action="store_true",
                   help="skip the first run, against a server whose audit hook only logs, "
                   "that the trail's cost is measured against")


REGISTRY = [register_bench, register_bench_delta, register_bench_match, register_bench_search]
