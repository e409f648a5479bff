"""Many failed sign-in steps in an hour, on one account or from one client address.

The trail names the account tried (when it exists) and, as a keyed digest, the address
the attempt came from (web/signin.py): addresses are compared without being kept.
An alert about an address names no user, so only the national team sees it.
"""

from __future__ import annotations

from collections import defaultdict

from contactpoint.oversight.rules.base import (
    SIGN_IN_FAILURES,
    Context,
    Finding,
    Seen,
    evidence,
    hour_window,
    in_window,
)

RULE = "failed_sign_ins"


def check(batch: list[Seen], context: Context) -> list[Finding]:
    limits = context.thresholds
    hours = {hour_window(entry.at) for entry in batch if entry.event in SIGN_IN_FAILURES}
    found: list[Finding] = []
    for start, end in sorted(hours):
        failures = in_window(events=SIGN_IN_FAILURES, start=start, end=end)
        by_account: dict[str, list[Seen]] = defaultdict(list)
        by_address: dict[str, list[Seen]] = defaultdict(list)
        for entry in failures:
            if entry.actor:
                by_account[entry.actor].append(entry)
            if entry.details.get("from"):
                by_address[str(entry.details["from"])].append(entry)
        stamp = start.strftime("%Y-%m-%dT%H")
        found += [Finding(RULE, f"{RULE}:account:{who}:{stamp}", who,
                          f"{len(tried)} failed sign-in steps in the hour from "
                          f"{start:%H:00} UTC on {start:%d %B %Y}", evidence(tried))
                  for who, tried in by_account.items()
                  if len(tried) >= limits.failed_sign_ins_account]
        found += [Finding(RULE, f"{RULE}:address:{where}:{stamp}", None,
                          f"{len(tried)} failed sign-in steps from one address, across "
                          f"{len({e.actor for e in tried})} account(s) or unknown usernames, "
                          f"in the hour from {start:%H:00} UTC on {start:%d %B %Y}",
                          evidence(tried))
                  for where, tried in by_address.items()
                  if len(tried) >= limits.failed_sign_ins_address]
    return found


def address_token(address: str) -> str:
    """A client address as the trail keeps it: a keyed digest (hex), comparable by the
    rules, readable by nobody without the blind-index key."""
    from contactpoint.crypto.keystore import get_keystore  # noqa: PLC0415  (needs Django)

    return get_keystore().blind_index.digest("client-address", address.encode()).hex()
