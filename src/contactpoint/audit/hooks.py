"""The one audit hook every action calls: who, what, why, what was asked and returned.

For now each event is a structured line on the "contactpoint.audit" logger, at INFO,
which nothing emits by default: the details carry personal data (a search's names and
date of birth) and belong only in the sealed, tamper-evident trail the audit issue
builds behind this same function, without touching the callers. Tests capture it.
Event names are `scope:resource:action` strings (`child:search`, `child:record:view`).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

log = logging.getLogger("contactpoint.audit")


def record(event: str, *, actor: Any, organisation: Any = None, reason: str | None = None,
           subject: str | None = None, details: dict[str, Any] | None = None) -> None:
    """Record one audited event. `subject` is the ContactPoint ID acted on, if any."""
    username = getattr(actor, "username", None) or str(actor)
    org = organisation if organisation is not None else getattr(actor, "organisation", None)
    entry = {"event": event, "actor": username,
             "organisation": getattr(org, "code", org), "reason": reason,
             "subject": subject, "details": details or {}}
    log.info("%s", orjson.dumps(entry, default=str).decode())
