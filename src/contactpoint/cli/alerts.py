"""`contactpoint alerts`: run the misuse rules now, and list the alerts (CONTRACTS.md)."""

from __future__ import annotations

import argparse

import orjson

from contactpoint.cli.base import Subcommands, add_by, command, operator_name


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


REGISTRY = [register_alerts]
