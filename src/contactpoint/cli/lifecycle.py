"""`contactpoint retention run`: archive and purge what is due (lifecycle.retention)."""

from __future__ import annotations

import argparse

from contactpoint.cli.base import Subcommands, command, date_arg


def _retention_run(args: argparse.Namespace) -> None:
    from contactpoint.lifecycle.retention import run  # noqa: PLC0415

    for line in run(args.today).lines():
        print(line, flush=True)


def register_retention(sub: Subcommands) -> None:
    p = sub.add_parser("retention", help="records' lifecycle: archive at 18, purge later")
    rsub = p.add_subparsers(dest="retention_command", required=True, metavar="ACTION")
    r = command(rsub, "run", "archive, purge, expire: whatever is due today (idempotent)",
                _retention_run)
    r.add_argument("--today", type=date_arg, default=None, metavar="YYYY-MM-DD",
                   help="the day to apply the rules as of (default: today)")


REGISTRY = [register_retention]
