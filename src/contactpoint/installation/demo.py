"""`contactpoint demo` (what `make run` runs): a ready-to-try installation under ./var.

Idempotent: the synthetic feeds are written once (same seed, same files) and loading
the same file twice changes nothing; demo accounts are created once and their passwords
and authenticator keys kept in var/demo-accounts.json (mode 0600) so they can be
printed again. Never run this against a real deployment: it creates accounts with known
passwords and second-factor keys.

Demo-only shortcuts: the ready accounts skip the first-sign-in password change and come
with an authenticator app already set up, its key printed (add it to any authenticator
app, or print the current codes with `contactpoint demo --codes`). One account,
demo-newstarter, goes through the real first sign-in: new password, then set-up.

Whatever it changes is audited as any operator's change is, in the name
`operator:contactpoint demo`: the reference data and feeds it loads, and each demo
account made (and the app set up for it, or the account it replaces).
"""

from __future__ import annotations

import os
from base64 import b32decode
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import orjson
from django.conf import settings
from django.db import transaction
from django_otp.oath import TOTP

from contactpoint.access import second_factors, services
from contactpoint.access.models import AuthenticatorApp, Organisation, OrganisationType, User
from contactpoint.audit import hooks as audit
from contactpoint.installation.reference import load_reference
from contactpoint.installation.setup import initialise
from contactpoint.loading.loader import ingest_file

DEMO_SEED = 2026
NATIONAL_CODE = "NATIONAL:CP"
#: The account that shows the real first sign-in (one-time password, then set-up).
NEW_STARTER = "demo-newstarter"
#: Who the audit trail says made the demo's changes: `operator:contactpoint demo`.
BY = "contactpoint demo"

class Reporter(Protocol):
    """Told how much is done (and of how many, when known), as a terminal's progress line is."""

    def __call__(self, done: int, total: int | None = None) -> None: ...


#: Given a label, what to report progress to (or None for no progress).
ProgressFor = Callable[[str], Reporter | None]


def _no_progress(label: str) -> None:
    return None


def _feeds(children: int, progress_for: ProgressFor) -> Path:
    from contactpoint.synth import generate  # noqa: PLC0415

    folder = settings.CONTACTPOINT.data_dir / f"demo-feeds-{children}-{DEMO_SEED}"
    if not (folder / "truth.csv").exists():
        generate(children, DEMO_SEED, folder, progress=progress_for("children"))
    return folder


def _accounts_file() -> Path:
    return settings.CONTACTPOINT.data_dir / "demo-accounts.json"


def _ready(username: str, password: str) -> dict[str, str]:
    """Demo only: the password stays as printed and an authenticator app is set up."""
    user = User.objects.get(username=username)
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    device = AuthenticatorApp.objects.create(user=user, name=second_factors.APP_NAME,
                                             confirmed=True)
    audit.record("account:second-factor:add", actor=audit.operator(BY), subject=user,
                 details={"kind": "app", "demo": True})
    return {"totp_key": second_factors.totp_secret(device), "otpauth": device.config_url}


@transaction.atomic
def _accounts(authority: Organisation) -> dict[str, dict[str, str]]:
    path = _accounts_file()
    saved: dict[str, dict[str, str]] = orjson.loads(path.read_bytes()) if path.exists() else {}
    national, _ = services.add_organisation(code=NATIONAL_CODE, name="ContactPoint national team",
                                            type=OrganisationType.NATIONAL_PARTNER, by=BY)
    school = (Organisation.objects.filter(authority=authority, type=OrganisationType.SCHOOL)
              .order_by("code").first() or authority)
    wanted = [
        ("demo-practitioner", school, "practitioner"),
        ("demo-manager", authority, "management_team"),
        ("demo-national", national, "national_admin"),
        ("demo-auditor", national, "auditor"),
        (NEW_STARTER, school, "practitioner"),
    ]
    for username, org, role in wanted:
        ready = username != NEW_STARTER
        current = saved.get(username, {})
        if (User.objects.filter(username=username).exists()
                and (not ready or "totp_key" in current)):
            continue
        replaced = User.objects.filter(username=username).first()
        if replaced is not None:  # made before its details were kept: made afresh
            audit.record("account:user:delete", actor=audit.operator(BY), subject=replaced,
                         details={"demo": True})
            replaced.delete()
        _, password = services.add_user(username=username, org_code=org.code, role=role,
                                        by=BY)
        saved[username] = {"password": password, "role": role, "organisation": org.name}
        if ready:
            saved[username].update(_ready(username, password))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(orjson.dumps(saved, option=orjson.OPT_INDENT_2))
    return saved


def _one_time_password_works(username: str, password: str) -> bool:
    """Is this still the account's one-time password? Not once its holder has chosen
    their own, or been given a set-up link."""
    user = User.objects.filter(username=username).first()
    return (user is not None and user.must_change_password
            and user.check_password(password))


def _account_lines(username: str, account: dict[str, str]) -> Iterator[str]:
    """What a demo account signs in with, as true now as when it was made."""
    if "totp_key" in account:
        yield (f"  {account['role']:<16} username {username:<18} password "
               f"{account['password']}   ({account['organisation']})")
        yield f"  {'':<16} authenticator key {account['totp_key']}"
    elif _one_time_password_works(username, account["password"]):
        yield (f"  {account['role']:<16} username {username:<18} one-time password "
               f"{account['password']}   ({account['organisation']})")
        yield f"  {'':<16} first sign-in: choose a new password, then set up an app"
    else:
        yield (f"  {account['role']:<16} username {username:<18} has signed in already: "
               "their one-time password no longer works")
        yield (f"  {'':<16} to try the first sign-in again, sign in as demo-manager and "
               f"give them a set-up link (Users, {username})")


def demo_codes() -> Iterator[str]:
    """The code each ready demo account's authenticator app would show now (demo only)."""
    saved = orjson.loads(_accounts_file().read_bytes()) if _accounts_file().exists() else {}
    for username, account in saved.items():
        key = account.get("totp_key")
        if key:
            text = key.replace(" ", "")
            code = TOTP(b32decode(text + "=" * (-len(text) % 8))).token()
            yield f"  {username:<18} {code:06d}"


def prepare_demo(children: int = 2000, progress_for: ProgressFor = _no_progress
                 ) -> Iterator[str]:
    yield from initialise()
    folder = _feeds(children, progress_for)
    counts = load_reference(folder / "reference", by=BY)
    yield "reference data: " + ", ".join(f"{n} {name}" for name, n in counts.items())
    for feed in sorted(folder.glob("*.jsonl")):
        if feed.name.endswith(".rejects.jsonl"):  # the loader's own output beside each feed
            continue
        summary = ingest_file(feed.stem, feed, progress=progress_for(feed.name),
                              by=BY)
        yield f"{feed.name}: {summary.line()}"
    authority = (Organisation.objects.filter(type=OrganisationType.LOCAL_AUTHORITY)
                 .order_by("code").first())
    if authority is None:
        raise RuntimeError("the synthetic reference data named no local authority")
    accounts = _accounts(authority)
    yield ""
    yield "Demo sign-in details (synthetic data only; never use these on a real deployment):"
    for username, account in accounts.items():
        yield from _account_lines(username, account)
    yield ("Second factor (demo only): add an account's authenticator key to any authenticator "
           "app, or run `.venv/bin/contactpoint demo --codes` for the codes right now.")
