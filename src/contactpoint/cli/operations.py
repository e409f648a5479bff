"""The operator's own commands: set up (`init`), rotate keys, serve, the demo."""

from __future__ import annotations

import argparse

from contactpoint.cli.base import Subcommands, add_by, command, operator_name, positive, quiet
from contactpoint.cli.progress import Progress

# -- init ------------------------------------------------------------------------------------

def _init(args: argparse.Namespace) -> None:
    from contactpoint.installation.setup import initialise  # noqa: PLC0415

    for line in initialise():
        print(line)


def register_init(sub: Subcommands) -> None:
    command(sub, "init", "create or upgrade the schema and key material (idempotent)", _init)


# -- keys ------------------------------------------------------------------------------------

def _keys_rotate(args: argparse.Namespace) -> None:
    from contactpoint.installation.keys import rotate_keys  # noqa: PLC0415

    progress = Progress("keys re-wrapped", quiet=args.quiet)
    report = rotate_keys(by=operator_name(args), progress=progress)
    progress.finish()
    print(f"re-wrapped {report.rewrapped} keys; retired {', '.join(report.retired) or 'none'}")


def register_keys(sub: Subcommands) -> None:
    p = sub.add_parser("keys", help="key management")
    ksub = p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    r = command(ksub, "rotate",
                "re-wrap every data key under a new key-encryption key, online", _keys_rotate)
    add_by(r)
    quiet(r)


# -- serve and demo --------------------------------------------------------------------------

def _serve(args: argparse.Namespace) -> None:
    from contactpoint.web.server import serve  # noqa: PLC0415

    serve(args.host, args.port)


def register_serve(sub: Subcommands) -> None:
    p = command(sub, "serve", "serve the web app and API", _serve)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)


def _demo(args: argparse.Namespace) -> None:
    from contactpoint.installation.demo import demo_codes, prepare_demo  # noqa: PLC0415
    from contactpoint.web.server import serve  # noqa: PLC0415

    if args.codes:
        for line in demo_codes():
            print(line)
        return
    for line in prepare_demo(children=args.children,
                             progress_for=lambda label: Progress(label, quiet=args.quiet)):
        print(line, flush=True)
    if not args.no_serve:
        # Security keys (WebAuthn) work on a name, never an IP address: say localhost.
        shown = "localhost" if args.host == "127.0.0.1" else args.host
        print(f"Serving on http://{shown}:{args.port} (Ctrl-C to stop)", flush=True)
        serve(args.host, args.port)


def register_demo(sub: Subcommands) -> None:
    p = command(sub, "demo", "prepare ./var with a synthetic population and demo accounts, "
                "then serve", _demo)
    p.add_argument("--children", type=positive, default=2000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-serve", action="store_true", help="prepare only")
    p.add_argument("--codes", action="store_true",
                   help="print the demo accounts' current authenticator codes, and stop")
    quiet(p)


REGISTRY = [register_init, register_keys, register_serve, register_demo]
