"""`contactpoint client` and `contactpoint token`: API clients and bearer tokens (docs/api.md)."""

from __future__ import annotations

import argparse
import sys

from contactpoint.cli.base import Subcommands, Usage, add_by, command, operator_name


def _client_add(args: argparse.Namespace) -> None:
    from contactpoint.access import tokens  # noqa: PLC0415
    from contactpoint.access.services import AccessError  # noqa: PLC0415

    try:
        client, new_source = tokens.add_client(name=args.name, source=args.source,
                                               by=operator_name(args))
    except AccessError as exc:
        raise Usage(str(exc)) from None
    note = " (a new source system: check the name)" if new_source else ""
    print(f"added client {client.name} for source {client.source.name}{note}")


def register_client(sub: Subcommands) -> None:

    p = sub.add_parser("client", help="source systems' API clients")
    csub = p.add_subparsers(dest="client_command", required=True, metavar="ACTION")
    a = command(csub, "add", "add a source system's API client (it may load that source only)",
                _client_add)
    a.add_argument("--name", required=True)
    a.add_argument("--source", required=True, metavar="NAME")
    add_by(a)


def _token_create(args: argparse.Namespace) -> None:
    from contactpoint.access import tokens  # noqa: PLC0415
    from contactpoint.access.services import AccessError  # noqa: PLC0415

    operator = operator_name(args)
    try:
        token = tokens.create_token(user=args.user, client=args.client, by=operator,
                                    reason=args.reason, name=args.name)
    except AccessError as exc:
        raise Usage(str(exc)) from None
    # The token alone on stdout, so a script can capture it; it is never shown again.
    print(token)
    if args.user is not None:
        # A token acting for a person is the operator's act, not the person's: say so
        # where the operator reads it (stderr, beside the script's captured token).
        days = tokens.user_token_lifetime().days
        print(f"This token for {args.user} is your act as operator {operator}: it is "
              f"audited in your name, expires in {days} days, and {args.user} and their "
              "management team can see and revoke it.", file=sys.stderr)


def _token_revoke(args: argparse.Namespace) -> None:
    from contactpoint.access import tokens  # noqa: PLC0415
    from contactpoint.access.services import AccessError  # noqa: PLC0415

    try:
        token = tokens.revoke_token(args.prefix, by=operator_name(args))
    except AccessError as exc:
        raise Usage(str(exc)) from None
    holder = (f"user {token.user.username}" if token.user
              else f"client {token.client.name}" if token.client else "no holder")
    print(f"revoked token {token.prefix} of {holder}")


def register_token(sub: Subcommands) -> None:

    p = sub.add_parser("token", help="API bearer tokens")
    tsub = p.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    c = command(tsub, "create", "issue an API token for a user or a client; printed once",
                _token_create)
    holder = c.add_mutually_exclusive_group(required=True)
    holder.add_argument("--user", metavar="USERNAME")
    holder.add_argument("--client", metavar="NAME")
    c.add_argument("--reason", metavar="TEXT",
                   help="why you issue it, for the audit trail (a user's token is your act)")
    c.add_argument("--name", metavar="LABEL",
                   help="what the token is for, shown to its holder (e.g. the system's name)")
    add_by(c)
    r = command(tsub, "revoke", "revoke an API token by its prefix (cp_…)", _token_revoke)
    r.add_argument("prefix", metavar="PREFIX")
    add_by(r)


REGISTRY = [register_client, register_token]
