"""`contactpoint audit`: verify the trail, sign and print checkpoints, export entries.

The contract is in shared CONTRACTS.md; docs/audit.md says what each finds.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from contactpoint.cli.base import (
    Failure,
    Subcommands,
    Usage,
    add_by,
    command,
    date_arg,
    operator_name,
)


def _verify(args: argparse.Namespace) -> None:
    from contactpoint.audit import trail  # noqa: PLC0415

    since = None
    if args.since is not None:
        try:
            since = Path(args.since).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise Usage(f"cannot read the checkpoint {args.since}: {exc}") from None
    found = trail.verify(since)
    if not found.ok:
        raise Failure(found.describe())
    print(found.describe())


def _checkpoint(args: argparse.Namespace) -> None:
    from contactpoint.audit import trail  # noqa: PLC0415

    print(trail.sign_checkpoint().text, end="")


def _key(args: argparse.Namespace) -> None:
    from contactpoint.audit import trail  # noqa: PLC0415

    print(trail.verifier_key())


def _day(value: str) -> datetime:

    return datetime.combine(date_arg(value), time(), tzinfo=UTC)


def _export(args: argparse.Namespace) -> None:
    from contactpoint.audit import trail  # noqa: PLC0415
    from contactpoint.identity.identifiers import (  # noqa: PLC0415
        InvalidIdentifier,
        normalise_contactpoint_id,
    )

    child = None
    if args.child:
        try:
            child = normalise_contactpoint_id(args.child)
        except InvalidIdentifier as exc:
            raise Usage(f"--child: {exc}") from None
    until = args.until + timedelta(days=1) if args.until else None  # the whole day
    if args.since and until and until <= args.since:
        raise Usage("--until is before --since")
    if not Path(args.out).parent.is_dir():
        raise Usage(f"--out: no folder {Path(args.out).parent}")
    count = trail.export(Path(args.out), by=operator_name(args), child=child, user=args.user,
                         organisation=args.organisation, since=args.since, until=until)
    print(f"wrote {count} entries to {args.out}")


def register_audit(sub: Subcommands) -> None:

    p = sub.add_parser("audit", help="the sealed audit trail (docs/audit.md)")
    asub = p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    v = command(asub, "verify", "recompute the whole trail and check every signed checkpoint",
                _verify)
    v.add_argument("--since", metavar="CHECKPOINT_FILE",
                   help="also check that the trail extends this checkpoint, kept earlier")
    command(asub, "checkpoint", "sign a checkpoint of the trail now and print it", _checkpoint)
    command(asub, "key", "print the public key that verifies checkpoints", _key)
    e = command(asub, "export", "write entries, decrypted, as JSON Lines", _export)
    e.add_argument("--child", metavar="ID", help="entries about this ContactPoint ID")
    e.add_argument("--user", metavar="U", help="entries by this username")
    e.add_argument("--organisation", metavar="C", help="entries in this organisation (code)")
    e.add_argument("--since", type=_day, metavar="DATE", help="from this day (YYYY-MM-DD)")
    e.add_argument("--until", type=_day, metavar="DATE", help="to this day, inclusive")
    e.add_argument("--out", required=True, metavar="FILE.jsonl")
    add_by(e)


REGISTRY = [register_audit]
