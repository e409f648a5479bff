"""`contactpoint`: the operator's command line (docs/cli.md; contract in shared CONTRACTS.md).

Every command exits 0 on success, 2 on bad usage and 1 on failure, with a one-line
reason on stderr. Django is set up only for commands that need the database.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from contactpoint.cli import commands
from contactpoint.cli.base import Failure, Usage


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contactpoint",
        description="ContactPoint: a national index of children, private by design.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in commands.REGISTRY:
        register(sub)
    return parser


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings")
    import django  # noqa: PLC0415  (not every command needs Django loaded)

    django.setup()


def _seal_what_was_audited() -> None:
    """Place the entries this command wrote in the audit log, and sign a checkpoint if one
    is due: a command run while no web app is serving leaves nothing waiting."""
    from django.db import DatabaseError  # noqa: PLC0415

    from contactpoint.audit import trail  # noqa: PLC0415
    from contactpoint.crypto.keystore import MissingKey  # noqa: PLC0415

    try:
        trail.sequence()
        trail.checkpoint_if_due()
    except (DatabaseError, MissingKey):
        pass  # no schema or no keys yet (before `init`): nothing can have been audited


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int | None] = args.handler
    try:
        if getattr(args, "needs_django", True):
            setup_django()
            try:
                return handler(args) or 0
            finally:
                _seal_what_was_audited()
        return handler(args) or 0
    except Usage as exc:
        print(f"contactpoint {args.command}: {exc}", file=sys.stderr)
        return 2
    except Failure as exc:
        print(f"contactpoint {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"contactpoint {args.command}: interrupted", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
