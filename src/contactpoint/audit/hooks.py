"""The one audit hook every action calls: who did what, in which organisation, and why.

For now each event is one structured log line on the `contactpoint.audit` logger (JSON
in the message, so a log shipper can parse it), at INFO, which nothing emits by default:
details can carry personal data (a search's names and date of birth) that belong only in
the sealed trail. The next piece of work makes the trail
tamper-evident behind this same signature, so callers never change.

Event names are `scope:resource:action` like permissions (`account:user:suspend`,
`account:signin:failure`). `details` holds what was asked and what was returned; it is
the caller's job to keep secrets (passwords, codes, TOTP keys) out of it.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

import orjson

logger = logging.getLogger("contactpoint.audit")

EVENT_NAME = re.compile(r"^[a-z][a-z_-]*(:[a-z][a-z_-]*){1,3}$")


def _name(thing: Any) -> str | None:
    """A user or organisation as the audit trail names it: username or code, never a pk."""
    if thing is None:
        return None
    for attribute in ("username", "code"):
        value = getattr(thing, attribute, None)
        if value:
            return str(value)
    return str(thing)


def operator(name: str) -> str:
    """An operator at the command line, as the trail names them: `operator:<name>`.

    Operators act on the installation, not through an account, so their name (given
    with `--by`, or the name they are logged in to the machine as) cannot be mistaken
    for a username.
    """
    return f"operator:{name}"


def record(event: str, *, actor: Any, organisation: Any = None, reason: str | None = None,
           subject: Any = None, details: dict[str, Any] | None = None,
           personal: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record one audited event and return the entry as written.

    `actor` is the person (or API client) acting, or None when nobody is known yet (a
    failed sign-in for a username that does not exist). `organisation` defaults to the
    actor's. `subject` is what was acted on (a user, an organisation, a child's id).
    `personal` is what was asked that is itself personal data (a search's names and date
    of birth, a shield's reason): the audit trail must keep it, sealed, but a log line
    must never carry it, so until that trail exists only its keys are written.
    """
    if not EVENT_NAME.match(event):
        raise ValueError(f"audit event names are scope:resource:action, not {event!r}")
    if organisation is None:
        organisation = getattr(actor, "organisation", None)
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "event": event,
        "actor": _name(actor),
        "organisation": _name(organisation),
        "reason": reason,
        "subject": _name(subject),
        "details": details or {},
    }
    if personal:
        entry["personal"] = sorted(personal)  # withheld from the log: see the docstring
    logger.info(orjson.dumps(entry, default=str).decode())
    return entry
