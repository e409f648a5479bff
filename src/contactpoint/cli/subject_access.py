"""`contactpoint sar`: a child's subject access export, and its offline check.

The contract is in shared CONTRACTS.md; docs/subject-access.md says what the export
holds and how `verify` proves it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from contactpoint.cli.base import Failure, Subcommands, Usage, add_by, command, operator_name


def _export(args: argparse.Namespace) -> None:
    from contactpoint.audit import hooks  # noqa: PLC0415
    from contactpoint.errors import NotFound  # noqa: PLC0415
    from contactpoint.identity.identifiers import (  # noqa: PLC0415
        InvalidIdentifier,
        normalise_contactpoint_id,
    )
    from contactpoint.subject_access.export import export  # noqa: PLC0415

    try:
        child = normalise_contactpoint_id(args.contactpoint_id)
    except InvalidIdentifier as exc:
        raise Usage(f"CONTACTPOINT_ID: {exc}") from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise Usage(f"--out: {out} is a file, not a folder")
    try:
        written = export(child, out, actor=hooks.operator(operator_name(args)),
                         approved=frozenset(args.name_organisation or ()))
    except NotFound as exc:
        raise Failure(f"{child}: {exc}") from None
    except OSError as exc:
        raise Failure(f"cannot write to {out}: {exc}") from None
    shielded = " (shielded: organisations named by their kind)" if written.shielded else ""
    print(f"wrote {out / 'sar.json'} and {out / 'sar.html'}: {written.accesses} accesses"
          f"{shielded}")


def _verify(args: argparse.Namespace) -> None:
    from contactpoint.subject_access.verify import Refused, verify_folder  # noqa: PLC0415

    folder = Path(args.folder)
    if not folder.is_dir():
        raise Failure(f"{folder} is not a folder holding an export")
    try:
        found = verify_folder(folder, args.key)
    except Refused as exc:
        raise Failure(str(exc)) from None
    print(found.describe())


def register_sar(sub: Subcommands) -> None:
    p = sub.add_parser("sar", help="subject access exports (docs/subject-access.md)")
    ssub = p.add_subparsers(dest="sar_command", required=True, metavar="ACTION")
    e = command(ssub, "export", "write everything held about a child and every access to "
                "it, with proof: DIR/sar.json and DIR/sar.html", _export)
    e.add_argument("contactpoint_id", metavar="CONTACTPOINT_ID")
    e.add_argument("--out", required=True, metavar="DIR")
    e.add_argument("--name-organisation", action="append", metavar="CODE",
                   help="for a shielded child, name this organisation (approved by the "
                   "management team); repeat for each")
    add_by(e)
    v = command(ssub, "verify", "check offline that an export's accesses are complete and "
                "unaltered against its signed checkpoint", _verify, django=False)
    v.add_argument("folder", metavar="DIR")
    v.add_argument("--key", metavar="VERIFIER_KEY",
                   help="the trail's published verifier key (`contactpoint audit key`); "
                   "without it, the key the export names")


REGISTRY = [register_sar]
