"""`contactpoint demo` (what `make run` runs): a ready-to-try installation under ./var.

Idempotent: the synthetic feeds are written once (same seed, same files) and loading
the same file twice changes nothing; demo accounts are created once and their one-time
passwords kept in var/demo-accounts.json (mode 0600) so they can be printed again.
Never run this against a real deployment: it creates accounts with known passwords.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import orjson
from django.conf import settings

from contactpoint.access import services
from contactpoint.access.models import Organisation, OrganisationType, User
from contactpoint.access.reference import load_reference
from contactpoint.cli.progress import Progress
from contactpoint.feeds.loader import ingest_file
from contactpoint.lifecycle.setup import initialise

DEMO_SEED = 2026
NATIONAL_CODE = "NATIONAL:CP"


def _feeds(children: int, quiet: bool) -> Path:
    from contactpoint.synth import generate  # noqa: PLC0415

    folder = settings.CONTACTPOINT.data_dir / f"demo-feeds-{children}-{DEMO_SEED}"
    if not (folder / "truth.csv").exists():
        generate(children, DEMO_SEED, folder, progress=Progress("children", quiet=quiet))
    return folder


def _accounts(authority: Organisation) -> dict[str, dict[str, str]]:
    path = settings.CONTACTPOINT.data_dir / "demo-accounts.json"
    saved: dict[str, dict[str, str]] = orjson.loads(path.read_bytes()) if path.exists() else {}
    national, _ = services.add_organisation(code=NATIONAL_CODE, name="ContactPoint national team",
                                            type=OrganisationType.NATIONAL_PARTNER)
    school = (Organisation.objects.filter(authority=authority, type=OrganisationType.SCHOOL)
              .order_by("code").first() or authority)
    wanted = [
        ("demo-practitioner", school, "practitioner"),
        ("demo-manager", authority, "management_team"),
        ("demo-national", national, "national_admin"),
        ("demo-auditor", national, "auditor"),
    ]
    for username, org, role in wanted:
        if username in saved and User.objects.filter(username=username).exists():
            continue
        User.objects.filter(username=username).delete()
        _, password = services.add_user(username=username, org_code=org.code, role=role)
        saved[username] = {"password": password, "role": role, "organisation": org.name}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(orjson.dumps(saved, option=orjson.OPT_INDENT_2))
    return saved


def prepare_demo(children: int = 2000, quiet: bool = False) -> Iterator[str]:
    yield from initialise()
    folder = _feeds(children, quiet)
    counts = load_reference(folder / "reference")
    yield "reference data: " + ", ".join(f"{n} {name}" for name, n in counts.items())
    for feed in sorted(folder.glob("*.jsonl")):
        if feed.name.endswith(".rejects.jsonl"):  # the loader's own output beside each feed
            continue
        summary = ingest_file(feed.stem, feed, progress=Progress(feed.name, quiet=quiet))
        yield f"{feed.name}: {summary.line()}"
    authority = (Organisation.objects.filter(type=OrganisationType.LOCAL_AUTHORITY)
                 .order_by("code").first())
    if authority is None:
        raise RuntimeError("the synthetic reference data named no local authority")
    accounts = _accounts(authority)
    yield ""
    yield "Demo sign-in details (synthetic data only; never use these on a real deployment):"
    for username, account in accounts.items():
        yield (f"  {account['role']:<16} username {username:<18} password {account['password']}"
               f"   ({account['organisation']})")
