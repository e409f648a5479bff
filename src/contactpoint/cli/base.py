"""What every command module shares: its exits, how it registers, and common arguments.

A command module defines handlers (`args -> None`, raising `Usage` or `Failure`) and
`register_*` functions that add their subcommands; its `REGISTRY` lists them, and
`commands.REGISTRY` gathers every module's. The work itself lives in the services.
"""

from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Callable
from datetime import date
from typing import TypeAlias

#: What `register_*` functions add their subcommands to.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Handler: TypeAlias = Callable[[argparse.Namespace], None]


class Usage(Exception):
    """Bad usage found after parsing: exit 2."""


class Failure(Exception):
    """The command could not do its work: exit 1."""


def command(sub: Subcommands, name: str, help_text: str, handler: Handler, *,
            django: bool = True) -> argparse.ArgumentParser:
    """Add subcommand `name`, run by `handler`; `django` says whether it needs the database."""
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler, needs_django=django)
    return parser


def quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def date_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date as YYYY-MM-DD") from None


def positive(value: str) -> int:
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
