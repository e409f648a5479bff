"""The subcommands. Each registers its arguments and a handler; the work lives in services."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path

from contactpoint.access.vocabulary import ORGANISATION_TYPES, ROLES
from contactpoint.cli.progress import Progress


class Usage(Exception):
    """Bad usage found after parsing: exit 2."""


class Failure(Exception):
    """The command could not do its work: exit 1."""


def _command(sub, name: str, help_text: str, handler, *, django: bool = True):  # type: ignore[no-untyped-def]
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler, needs_django=django)
    return parser


def _quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def _date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date as YYYY-MM-DD") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def operator_name(args: argparse.Namespace) -> str:
    """Who is at the command line, for the audit trail: `--by`, else the machine's user."""
    if getattr(args, "by", None):
        return str(args.by)
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def add_by(parser: argparse.ArgumentParser) -> None:
    """`--by NAME` on a command that changes the index or who may use it (audited in that
    name)."""
    parser.add_argument("--by", metavar="NAME",
                        help="who is making this change, for the audit trail (default: "
                        "the name you are logged in to this machine as)")


# -- init ------------------------------------------------------------------------------------

def _init(args: argparse.Namespace) -> None:
    from contactpoint.lifecycle.setup import initialise  # noqa: PLC0415

    for line in initialise():
        print(line)


def register_init(sub) -> None:  # type: ignore[no-untyped-def]
    _command(sub, "init", "create or upgrade the schema and key material (idempotent)", _init)


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


def register_synth(sub) -> None:  # type: ignore[no-untyped-def]
    p = _command(sub, "synth", "write synthetic source feeds and truth.csv", _synth,
                 django=False)
    p.add_argument("--children", type=_positive, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--workers", type=_positive, default=None)
    p.add_argument("--today", type=_date_arg, default=None,
                   help="the date ages are computed on (default: today)")
    _quiet(p)


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


def register_synth_delta(sub) -> None:  # type: ignore[no-untyped-def]
    p = _command(sub, "synth-delta", "write a day's changes to existing feeds: moves, "
                 "service changes, new family names, deletions and births", _synth_delta,
                 django=False)
    p.add_argument("--feeds", required=True, metavar="DIR",
                   help="the feeds to change (read, never written)")
    p.add_argument("--records", type=_positive, required=True, metavar="N",
                   help="changed records in all")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True, metavar="OUTDIR",
                   help="OUTDIR/<source>.jsonl and OUTDIR/truth.csv (the births)")
    p.add_argument("--today", type=_date_arg, default=None,
                   help="the feeds' date; the delta is recorded the day after (default: "
                   "the day of the latest recorded_at in the feeds)")


# -- ingest ----------------------------------------------------------------------------------

def _ingest(args: argparse.Namespace) -> None:
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    from contactpoint.feeds.loader import ingest_file  # noqa: PLC0415
    from contactpoint.feeds.pipeline import FeedReaderDied  # noqa: PLC0415
    from contactpoint.feeds.reader import FeedFileError  # noqa: PLC0415

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


def register_ingest(sub) -> None:  # type: ignore[no-untyped-def]
    p = _command(sub, "ingest", "load one feed file (JSON Lines or CSV)", _ingest)
    p.add_argument("--source", required=True, metavar="NAME")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--today", type=_date_arg, default=None, help=argparse.SUPPRESS)
    add_by(p)
    _quiet(p)


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

    from contactpoint.feeds.initial import InitialLoadError, initial_load  # noqa: PLC0415
    from contactpoint.feeds.pipeline import FeedReaderDied  # noqa: PLC0415
    from contactpoint.feeds.reader import FeedFileError  # noqa: PLC0415

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


def register_initial_load(sub) -> None:  # type: ignore[no-untyped-def]
    p = _command(sub, "initial-load", "load a population's first feeds into an empty index, "
                 "in bulk", _initial_load)
    p.add_argument("feeds", nargs="+", type=_feed_arg, metavar="[SOURCE=]FILE",
                   help="feed files, loaded in this order; the source is the file's name "
                   "without its extension unless given")
    p.add_argument("--workers", type=_positive, default=None,
                   help="processes reading and writing (default: 2, or 1 on one core)")
    p.add_argument("--no-memory-check", action="store_true",
                   help="start even when placing the feeds looks to need more memory than "
                   "is available")
    p.add_argument("--dead-host", action="append", default=[], metavar="HOST",
                   help="an unfinished initial load started on HOST is not running (the "
                   "machine is gone): clear what it wrote and start; repeat for several")
    p.add_argument("--today", type=_date_arg, default=None, help=argparse.SUPPRESS)
    add_by(p)
    _quiet(p)


# -- links -----------------------------------------------------------------------------------

def _links(args: argparse.Namespace) -> None:
    from contactpoint.identity.links import export_links  # noqa: PLC0415

    try:
        count = export_links(Path(args.out), by=operator_name(args))
    except OSError as exc:
        raise Failure(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {count} source records to {args.out}")


def register_links(sub) -> None:  # type: ignore[no-untyped-def]
    p = _command(sub, "links", "write source,source_id,contactpoint_id,state for every record",
                 _links)
    p.add_argument("--out", required=True, metavar="FILE.csv")
    add_by(p)


# -- keys ------------------------------------------------------------------------------------

def _keys_rotate(args: argparse.Namespace) -> None:
    from contactpoint.crypto.rotation import rotate_keys  # noqa: PLC0415

    progress = Progress("keys re-wrapped", quiet=args.quiet)
    report = rotate_keys(by=operator_name(args), progress=progress)
    progress.finish()
    print(f"re-wrapped {report.rewrapped} keys; retired {', '.join(report.retired) or 'none'}")


def register_keys(sub) -> None:  # type: ignore[no-untyped-def]
    p = sub.add_parser("keys", help="key management")
    ksub = p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    r = _command(ksub, "rotate",
                 "re-wrap every data key under a new key-encryption key, online", _keys_rotate)
    add_by(r)
    _quiet(r)


# -- organisations, users, reference data ----------------------------------------------------

def _org_add(args: argparse.Namespace) -> None:
    from contactpoint.access import services  # noqa: PLC0415

    try:
        org, created = services.add_organisation(code=args.code, name=args.name,
                                                 type=args.type, authority=args.authority,
                                                 by=operator_name(args))
    except services.AccessError as exc:
        raise Usage(str(exc)) from None
    print(f"{'added' if created else 'updated'} organisation {org.code}")


def _user_add(args: argparse.Namespace) -> None:
    from contactpoint.access import services  # noqa: PLC0415

    try:
        user, password = services.add_user(username=args.username, org_code=args.org,
                                           role=args.role, email=args.email,
                                           by=operator_name(args))
    except services.AccessError as exc:
        raise Usage(str(exc)) from None
    print(f"added user {user.username} ({user.role}) in {user.organisation.code}")
    print(f"one-time password (shown once; changed at first sign-in): {password}")


def register_org(sub) -> None:  # type: ignore[no-untyped-def]
    p = sub.add_parser("org", help="organisations")
    osub = p.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    a = _command(osub, "add", "add or update an accredited organisation", _org_add)
    a.add_argument("--code", required=True)
    a.add_argument("--name", required=True)
    a.add_argument("--type", required=True, choices=ORGANISATION_TYPES)
    a.add_argument("--authority", metavar="LA_CODE")
    add_by(a)


def register_user(sub) -> None:  # type: ignore[no-untyped-def]
    p = sub.add_parser("user", help="user accounts")
    usub = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    a = _command(usub, "add", "add a named user to an organisation", _user_add)
    a.add_argument("--username", required=True)
    a.add_argument("--org", required=True, metavar="CODE")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--email")
    add_by(a)


def _reference_load(args: argparse.Namespace) -> None:
    from contactpoint.access.reference import load_reference  # noqa: PLC0415

    try:
        counts = load_reference(Path(args.dir), by=operator_name(args))
    except (OSError, ValueError) as exc:
        raise Failure(str(exc)) from None
    print(", ".join(f"{name}: {n}" for name, n in counts.items()))


def register_reference(sub) -> None:  # type: ignore[no-untyped-def]
    p = sub.add_parser("reference", help="reference data (authorities, organisations, postcodes)")
    rsub = p.add_subparsers(dest="reference_command", required=True, metavar="ACTION")
    a = _command(rsub, "load", "load local_authorities.csv, organisations.csv and "
                 "postcode_districts.csv from a folder", _reference_load)
    a.add_argument("dir", metavar="DIR")
    add_by(a)


# -- serve and demo --------------------------------------------------------------------------

def _serve(args: argparse.Namespace) -> None:
    from contactpoint.web.server import serve  # noqa: PLC0415

    serve(args.host, args.port)


def register_serve(sub) -> None:  # type: ignore[no-untyped-def]
    p = _command(sub, "serve", "serve the web app and API", _serve)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)


def _demo(args: argparse.Namespace) -> None:
    from contactpoint.lifecycle.demo import demo_codes, prepare_demo  # noqa: PLC0415
    from contactpoint.web.server import serve  # noqa: PLC0415

    if args.codes:
        for line in demo_codes():
            print(line)
        return
    for line in prepare_demo(children=args.children, quiet=args.quiet):
        print(line, flush=True)
    if not args.no_serve:
        # Security keys (WebAuthn) work on a name, never an IP address: say localhost.
        shown = "localhost" if args.host == "127.0.0.1" else args.host
        print(f"Serving on http://{shown}:{args.port} (Ctrl-C to stop)", flush=True)
        serve(args.host, args.port)


def register_demo(sub) -> None:  # type: ignore[no-untyped-def]
    p = _command(sub, "demo", "prepare ./var with a synthetic population and demo accounts, "
                 "then serve", _demo)
    p.add_argument("--children", type=_positive, default=2000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-serve", action="store_true", help="prepare only")
    p.add_argument("--codes", action="store_true",
                   help="print the demo accounts' current authenticator codes, and stop")
    _quiet(p)


# -- bench -----------------------------------------------------------------------------------

def _bench(args: argparse.Namespace) -> None:
    from contactpoint.bench.load import run_load_benchmark  # noqa: PLC0415

    run_load_benchmark(sizes=args.children, engines=args.engine, out=sys.stdout,
                       work_dir=Path(args.work_dir) if args.work_dir else None,
                       initial=args.initial)


def register_bench(sub) -> None:  # type: ignore[no-untyped-def]
    p = _command(sub, "bench", "load benchmark: records/s, peak memory, bytes per child",
                 _bench, django=False)
    p.add_argument("--children", type=_positive, action="append",
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


def register_bench_delta(sub) -> None:  # type: ignore[no-untyped-def]
    p = _command(sub, "bench-delta", "daily-delta load speed: load a delta (synth-delta) "
                 "into the index the environment points at; records/s and peak memory",
                 _bench_delta)
    p.add_argument("--feeds", required=True, metavar="DELTA_DIR",
                   help="the delta's files, DELTA_DIR/<source>.jsonl, each loaded as ingest does")
    p.add_argument("--today", type=_date_arg, default=None,
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


def register_bench_match(sub) -> None:  # type: ignore[no-untyped-def]
    from contactpoint.bench import TODAY  # noqa: PLC0415

    p = _command(sub, "bench-match", "matching accuracy: Splink's (and ours, with --links) "
                 "precision, recall and wrong merges against the synthetic truth",
                 _bench_match, django=False)
    p.add_argument("--children", type=_positive, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--work-dir", required=True, metavar="DIR",
                   help="feeds in DIR/feeds, Splink's output in DIR/splink")
    p.add_argument("--links", metavar="FILE",
                   help="`contactpoint links` output after loading DIR/feeds: scored beside")
    p.add_argument("--engine", action="append", choices=["sqlite", "postgres"],
                   help="load the feeds with our loader on this engine (repeatable): an "
                   "initial load then a delta of 10,000 changed records, timed, then scored")
    p.add_argument("--today", type=_date_arg, default=TODAY,
                   help=f"the feeds' date, as ingest --today (default {TODAY.isoformat()})")


# -- sources ---------------------------------------------------------------------------------

def _source_list(args: argparse.Namespace) -> None:
    from contactpoint.feeds.models import SourceSystem  # noqa: PLC0415

    for source in SourceSystem.objects.select_related("authority").order_by("trust_rank",
                                                                            "name"):
        authority = source.authority.code if source.authority else "-"
        print(f"{source.trust_rank:>5}  {source.name:<30} {authority}")


def _source_set(args: argparse.Namespace) -> None:
    from contactpoint.errors import BadRequest, NotFound  # noqa: PLC0415
    from contactpoint.feeds.sources import set_source  # noqa: PLC0415

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


def register_source(sub) -> None:  # type: ignore[no-untyped-def]
    p = sub.add_parser("source", help="source systems: trust order and authority")
    ssub = p.add_subparsers(dest="source_command", required=True, metavar="ACTION")
    _command(ssub, "list", "source systems by trust rank (lower is more trusted)",
             _source_list)
    s = _command(ssub, "set", "set a source's trust rank or authority and re-derive its "
                 "children", _source_set)
    s.add_argument("name", metavar="NAME")
    s.add_argument("--trust-rank", type=int, metavar="N",
                   help="0 (most trusted) to 1000; ties at the same recorded_at go to the lower")
    s.add_argument("--authority", metavar="LA_CODE",
                   help="the local authority a source belongs to (councils' own systems)")
    add_by(s)
    _quiet(s)


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


def register_bench_search(sub) -> None:  # type: ignore[no-untyped-def]
    p = _command(sub, "bench-search", "search speed through the HTTP API with concurrent "
                 "clients, on the index the environment points at", _bench_search)
    p.add_argument("--feeds", required=True, metavar="DIR",
                   help="the feed files the index was loaded from (searches are built "
                   "from them)")
    p.add_argument("--clients", type=_positive, default=20)
    p.add_argument("--seconds", type=_positive, default=30)
    p.add_argument("--warmup", type=_positive, default=5)
    p.add_argument("--workers", type=_positive, default=None,
                   help="gunicorn worker processes (default CONTACTPOINT_WEB_WORKERS or 2)")
    p.add_argument("--rate", type=_positive, default=None, metavar="PER_SECOND",
                   help="pace the clients to send this many searches a second in all, and "
                   "measure latency at that load (default: closed loop, each client "
                   "searches again as soon as answered)")
    p.add_argument("--trail-only", action="store_true",
                   help="skip the first run, against a server whose audit hook only logs, "
                   "that the trail's cost is measured against")


REGISTRY = [register_init, register_synth, register_synth_delta, register_ingest,
            register_initial_load,
            register_links, register_keys, register_org, register_user, register_reference,
            register_serve, register_demo, register_bench, register_bench_delta,
            register_bench_match, register_bench_search, register_source]

# Commands with modules of their own: the matcher's (which imports this one's helpers),
# and API clients and tokens (which import from this one lazily).
from contactpoint.cli import audit as _audit  # noqa: E402
from contactpoint.cli import matching as _matching  # noqa: E402
from contactpoint.cli import tokens as _tokens  # noqa: E402

REGISTRY += [*_matching.REGISTRY, _tokens.register_client, _tokens.register_token,
             _audit.register_audit]
