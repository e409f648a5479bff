"""Feeds and what comes of them: synthetic feeds, loading, sources, links."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from contactpoint.cli.base import (
    Failure,
    Subcommands,
    Usage,
    add_by,
    command,
    date_arg,
    operator_name,
    positive,
    quiet,
)
from contactpoint.cli.progress import Progress

# -- synth -----------------------------------------------------------------------------------

def _synth(args: argparse.Namespace) -> None:
    from contactpoint.synth import generate  # noqa: PLC0415

    progress = Progress("children", quiet=args.quiet)
    try:
        summary = generate(args.children, args.seed, Path(args.out), progress=progress,
                           workers=args.workers, today=args.today)
    except OSError as exc:
        raise Failure(f"cannot write to {args.out}: {exc.strerror or exc}") from None
    progress.finish()
    print(summary.line() if hasattr(summary, "line") else summary)


def register_synth(sub: Subcommands) -> None:
    p = command(sub, "synth", "write synthetic source feeds and truth.csv", _synth,
                django=False)
    p.add_argument("--children", type=positive, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--workers", type=positive, default=None)
    p.add_argument("--today", type=date_arg, default=None,
                   help="the date ages are computed on (default: today)")
    quiet(p)


# -- synth-delta -----------------------------------------------------------------------------

def _synth_delta(args: argparse.Namespace) -> None:
    from datetime import UTC, datetime, time  # noqa: PLC0415

    from contactpoint.synth.delta import DeltaError, generate_delta  # noqa: PLC0415

    feeds = Path(args.feeds)
    if not feeds.is_dir():
        raise Usage(f"--feeds {feeds}: no such folder")
    try:
        summary = generate_delta(feeds, args.records, args.seed, Path(args.out),
                                 today=args.today)
    except DeltaError as exc:
        raise Failure(str(exc)) from None
    except OSError as exc:
        raise Failure(f"{exc.filename or args.out}: {exc.strerror or exc}") from None
    print(summary.line())
    if datetime.combine(summary.day, time.max, tzinfo=UTC) > datetime.now(UTC):
        print(f"contactpoint synth-delta: note: the records are dated {summary.day}, later "
              "than now; the loader refuses a recorded_at in the future, so load them "
              "then, or make the delta with an earlier --today", file=sys.stderr)


def register_synth_delta(sub: Subcommands) -> None:
    p = command(sub, "synth-delta", "write a day's changes to existing feeds: moves, "
                "service changes, new family names, deletions and births", _synth_delta,
                django=False)
    p.add_argument("--feeds", required=True, metavar="DIR",
                   help="the feeds to change (read, never written)")
    p.add_argument("--records", type=positive, required=True, metavar="N",
                   help="changed records in all")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True, metavar="OUTDIR",
                   help="OUTDIR/<source>.jsonl and OUTDIR/truth.csv (the births)")
    p.add_argument("--today", type=date_arg, default=None,
                   help="the feeds' date; the delta is recorded the day after (default: "
                   "the day of the latest recorded_at in the feeds)")


# -- ingest ----------------------------------------------------------------------------------

def _ingest(args: argparse.Namespace) -> None:
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    from contactpoint.feeds.pipeline import FeedReaderDied  # noqa: PLC0415
    from contactpoint.feeds.reader import FeedFileError  # noqa: PLC0415
    from contactpoint.loading.loader import ingest_file  # noqa: PLC0415

    progress = Progress(f"rows of {Path(args.file).name}", quiet=args.quiet)
    try:
        summary = ingest_file(args.source, Path(args.file), today=args.today,
                              progress=progress, by=operator_name(args))
    except ValidationError as exc:
        raise Usage(f"--source {exc.messages[0]}") from None
    except (FeedFileError, FeedReaderDied) as exc:
        raise Failure(str(exc)) from None
    progress.finish()
    print(summary.line())


def register_ingest(sub: Subcommands) -> None:
    p = command(sub, "ingest", "load one feed file (JSON Lines or CSV)", _ingest)
    p.add_argument("--source", required=True, metavar="NAME")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--today", type=date_arg, default=None, help=argparse.SUPPRESS)
    add_by(p)
    quiet(p)


# -- initial-load ----------------------------------------------------------------------------

def _feed_arg(value: str) -> tuple[str, Path]:
    """FILE (its name without the extension is the source) or NAME=FILE."""
    name, sep, rest = value.partition("=")
    if sep and name and "/" not in name:
        return name, Path(rest)
    path = Path(value)
    return path.stem, path


def _initial_load(args: argparse.Namespace) -> None:
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    from contactpoint.feeds.pipeline import FeedReaderDied  # noqa: PLC0415
    from contactpoint.feeds.reader import FeedFileError  # noqa: PLC0415
    from contactpoint.loading.initial import InitialLoadError, initial_load  # noqa: PLC0415

    def progress(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # so the spool (gigabytes at national scale) is removed

    import signal  # noqa: PLC0415

    signal.signal(signal.SIGTERM, stop)

    # A load writes FILE.rejects.jsonl beside each file: `*.jsonl` run again (after a
    # crash, say) would otherwise hand those back as feeds.
    feeds = []
    for source, path in args.feeds:
        if path.name.endswith(".rejects.jsonl"):
            print(f"contactpoint initial-load: left out {path}: the rejects of an earlier "
                  "load, not a feed", file=sys.stderr)
        else:
            feeds.append((source, path))
    try:
        summary = initial_load(feeds, today=args.today, workers=args.workers,
                               progress=progress, memory_check=not args.no_memory_check,
                               dead_hosts=args.dead_host, by=operator_name(args))
    except ValidationError as exc:
        raise Usage(f"source name: {exc.messages[0]}") from None
    except (FeedFileError, FeedReaderDied, InitialLoadError) as exc:
        raise Failure(str(exc)) from None
    if summary.cleared:
        print("an earlier initial load had not finished: what it wrote was cleared first")
    for line in summary.lines():
        print(line)


def register_initial_load(sub: Subcommands) -> None:
    p = command(sub, "initial-load", "load a population's first feeds into an empty index, "
                "in bulk", _initial_load)
    p.add_argument("feeds", nargs="+", type=_feed_arg, metavar="[SOURCE=]FILE",
                   help="feed files, loaded in this order; the source is the file's name "
                   "without its extension unless given")
    p.add_argument("--workers", type=positive, default=None,
                   help="processes reading and writing (default: 2, or 1 on one core)")
    p.add_argument("--no-memory-check", action="store_true",
                   help="start even when placing the feeds looks to need more memory than "
                   "is available")
    p.add_argument("--dead-host", action="append", default=[], metavar="HOST",
                   help="an unfinished initial load started on HOST is not running (the "
                   "machine is gone): clear what it wrote and start; repeat for several")
    p.add_argument("--today", type=date_arg, default=None, help=argparse.SUPPRESS)
    add_by(p)
    quiet(p)


# -- links -----------------------------------------------------------------------------------

def _links(args: argparse.Namespace) -> None:
    from contactpoint.identity.links import export_links  # noqa: PLC0415

    try:
        count = export_links(Path(args.out), by=operator_name(args))
    except OSError as exc:
        raise Failure(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {count} source records to {args.out}")


def register_links(sub: Subcommands) -> None:
    p = command(sub, "links", "write source,source_id,contactpoint_id,state for every record",
                _links)
    p.add_argument("--out", required=True, metavar="FILE.csv")
    add_by(p)


# -- sources ---------------------------------------------------------------------------------

def _source_list(args: argparse.Namespace) -> None:
    from contactpoint.access.models import SourceSystem  # noqa: PLC0415

    for source in SourceSystem.objects.select_related("authority").order_by("trust_rank",
                                                                            "name"):
        authority = source.authority.code if source.authority else "-"
        print(f"{source.trust_rank:>5}  {source.name:<30} {authority}")


def _source_set(args: argparse.Namespace) -> None:
    from contactpoint.errors import BadRequest, NotFound  # noqa: PLC0415
    from contactpoint.loading.sources import set_source  # noqa: PLC0415

    if args.trust_rank is None and args.authority is None:
        raise Usage("give --trust-rank or --authority")
    progress = Progress("children re-derived", quiet=args.quiet)
    try:
        source, count = set_source(args.name, trust_rank=args.trust_rank,
                                   authority=args.authority, progress=progress,
                                   by=operator_name(args))
    except BadRequest as exc:
        raise Usage(exc.detail) from None
    except NotFound as exc:
        raise Failure(exc.detail) from None
    progress.finish()
    print(f"{source.name}: trust rank {source.trust_rank}, authority "
          f"{source.authority.code if source.authority else '-'}; {count} children re-derived")


def register_source(sub: Subcommands) -> None:
    p = sub.add_parser("source", help="source systems: trust order and authority")
    ssub = p.add_subparsers(dest="source_command", required=True, metavar="ACTION")
    command(ssub, "list", "source systems by trust rank (lower is more trusted)",
            _source_list)
    s = command(ssub, "set", "set a source's trust rank or authority and re-derive its "
                "children", _source_set)
    s.add_argument("name", metavar="NAME")
    s.add_argument("--trust-rank", type=int, metavar="N",
                   help="0 (most trusted) to 1000; ties at the same recorded_at go to the lower")
    s.add_argument("--authority", metavar="LA_CODE",
                   help="the local authority a source belongs to (councils' own systems)")
    add_by(s)
    quiet(s)


REGISTRY = [register_synth, register_synth_delta, register_ingest, register_initial_load,
            register_links, register_source]
