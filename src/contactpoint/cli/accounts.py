"""Who may use ContactPoint: organisations, users, and the reference data they come from."""

from __future__ import annotations

import argparse
from pathlib import Path

from contactpoint.access.vocabulary import ORGANISATION_TYPES, ROLES
from contactpoint.cli.base import Failure, Subcommands, Usage, add_by, command, operator_name

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
    from django.db import transaction  # noqa: PLC0415

    from contactpoint.access import services  # noqa: PLC0415
    from contactpoint.oversight import own_details  # noqa: PLC0415

    try:
        own = own_details.check_own_details(args.name, args.home_postcode)
        with transaction.atomic():  # the account and its sealed details, or neither
            user, password = services.add_user(username=args.username, org_code=args.org,
                                               role=args.role, email=args.email,
                                               by=operator_name(args))
            own_details.set_own_details(user, own)
    except (services.AccessError, own_details.OwnDetailsError) as exc:
        raise Usage(str(exc)) from None
    organisation = user.organisation.code if user.organisation else args.org
    print(f"added user {user.username} ({user.role}) in {organisation}")
    print(f"one-time password (shown once; changed at first sign-in): {password}")


def register_org(sub: Subcommands) -> None:
    p = sub.add_parser("org", help="organisations")
    osub = p.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    a = command(osub, "add", "add or update an accredited organisation", _org_add)
    a.add_argument("--code", required=True)
    a.add_argument("--name", required=True)
    a.add_argument("--type", required=True, choices=ORGANISATION_TYPES)
    a.add_argument("--authority", metavar="LA_CODE")
    add_by(a)


def register_user(sub: Subcommands) -> None:
    p = sub.add_parser("user", help="user accounts")
    usub = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    a = command(usub, "add", "add a named user to an organisation", _user_add)
    a.add_argument("--username", required=True)
    a.add_argument("--org", required=True, metavar="CODE")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--email")
    a.add_argument("--name", metavar='"GIVEN FAMILY"',
                   help="the person's own name, kept encrypted: misuse alerts notice them "
                        "looking up their own family")
    a.add_argument("--home-postcode", metavar="PC",
                   help="the person's home postcode, kept encrypted, for the same alerts")
    add_by(a)


def _reference_load(args: argparse.Namespace) -> None:
    from contactpoint.installation.reference import load_reference  # noqa: PLC0415

    try:
        counts = load_reference(Path(args.dir), by=operator_name(args))
    except (OSError, ValueError) as exc:
        raise Failure(str(exc)) from None
    print(", ".join(f"{name}: {n}" for name, n in counts.items()))


def register_reference(sub: Subcommands) -> None:
    p = sub.add_parser("reference", help="reference data (authorities, organisations, postcodes)")
    rsub = p.add_subparsers(dest="reference_command", required=True, metavar="ACTION")
    a = command(rsub, "load", "load local_authorities.csv, organisations.csv and "
                "postcode_districts.csv from a folder", _reference_load)
    a.add_argument("dir", metavar="DIR")
    add_by(a)


REGISTRY = [register_org, register_user, register_reference]
