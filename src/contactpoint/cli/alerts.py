"""`contactpoint alerts`: run the misuse rules now, and list the alerts (CONTRACTS.md);
`synth-activity` and `bench-alerts`: a synthetic month to measure them on."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from contactpoint.cli.base import (
    Failure,
    Subcommands,
    Usage,
    add_by,
    command,
    operator_name,
    positive,
    quiet,
)
from contactpoint.cli.progress import Progress


def _run(args: argparse.Namespace) -> None:
    from contactpoint.oversight import runner  # noqa: PLC0415

    report = runner.run()
    print(f"read {report.read} entries of the trail, raised {len(report.raised)} alerts")


def _list(args: argparse.Namespace) -> None:
    from contactpoint.oversight import alerts  # noqa: PLC0415

    found = alerts.list_for_operator(by=operator_name(args), status=args.status)
    items = [alerts.as_item(a) for a in found]
    if args.json:
        print(orjson.dumps(items, option=orjson.OPT_INDENT_2).decode())
        return
    for item in items:
        print(f"{item['id']}\t{item['raised_at']}\t{item['status']}\t{item['rule']}\t"
              f"{item['user'] or '-'}\t{item['organisation'] or '-'}\t{item['summary']}")
    if not items:
        print("no alerts")


def register_alerts(sub: Subcommands) -> None:
    p = sub.add_parser("alerts", help="misuse alerts over the audit trail")
    asub = p.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    command(asub, "run", "apply the misuse rules to the trail now", _run)
    a = command(asub, "list", "misuse alerts, newest first", _list)
    a.add_argument("--status", choices=["open", "closed"])
    a.add_argument("--json", action="store_true",
                   help='[{"id", "rule", "user", "organisation", "raised_at", "status", '
                        '"evidence": [seq...], "summary"}]')
    add_by(a)


def _synth_activity(args: argparse.Namespace) -> None:
    from contactpoint.bench.activity import NotReady, synth_activity  # noqa: PLC0415

    out = Path(args.out)
    if not out.parent.is_dir():
        raise Usage(f"--out: no folder {out.parent}")
    progress = Progress("requests", quiet=args.quiet)
    try:
        month = synth_activity(users=args.users, days=args.days, seed=args.seed, out=out,
                               progress=progress)
    except NotReady as exc:
        raise Failure(str(exc)) from None
    progress.finish()
    print(f"{len(month['users'])} users, {month['days']} days from {month['start']}: "
          f"{month['requests']} requests {month['answers']}; "
          f"{len(month['planted'])} misusers planted; written to {out}")


def _bench_alerts(args: argparse.Namespace) -> None:
    from contactpoint.bench.alerts import run_alerts_benchmark  # noqa: PLC0415

    activity = Path(args.activity)
    if not activity.is_file():
        raise Usage(f"--activity {activity}: no such file (contactpoint synth-activity --out)")
    run_alerts_benchmark(activity, sys.stdout)


def register_synth_activity(sub: Subcommands) -> None:
    p = command(sub, "synth-activity", "a synthetic month of practitioners' use through the "
                "real API, misusers planted, against the index the environment points at",
                _synth_activity)
    p.add_argument("--users", type=positive, default=200)
    p.add_argument("--days", type=positive, default=28)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, metavar="FILE.json",
                   help="what was played and who was planted, for bench-alerts")
    quiet(p)


def register_bench_alerts(sub: Subcommands) -> None:
    p = command(sub, "bench-alerts", "the misuse rules over a synthetic month: alerts "
                "raised, planted misusers caught, false alarms per 1,000 users per week",
                _bench_alerts)
    p.add_argument("--activity", required=True, metavar="FILE.json",
                   help="written by contactpoint synth-activity --out")


REGISTRY = [register_alerts, register_synth_activity, register_bench_alerts]
