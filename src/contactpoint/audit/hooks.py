"""The one audit hook every action calls: who did what, in which organisation, and why.

Each call writes one `models.Entry` in the database, in the caller's transaction: if
the entry cannot be written the action fails with it, and a crash loses both or
neither. The reason and anything personal are sealed (`sealing.py`); who, when, which
organisation, the event and the children's ContactPoint IDs stay readable. The
sequencer (`trail.sequence`) then gives the entry its place in the Merkle log. A log
line without the sealed parts also goes to the `contactpoint.audit` logger at INFO,
which nothing emits by default.

Event names are `scope:resource:action` like permissions (`account:user:suspend`,
`account:signin:failure`). `details` holds what was asked and what was returned; it is
the caller's job to keep secrets (passwords, codes, TOTP keys) out of it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import orjson
from django.db import connections, router, transaction
from django.utils import timezone

from contactpoint.db.dialect import dialect_for

logger = logging.getLogger("contactpoint.audit")

CONTACTPOINT_ID = re.compile(r"^[1-9][0-9]{9}$")
EVENT_NAME = re.compile(r"^[a-z][a-z_-]*(:[a-z][a-z_-]*){1,3}$")


def _name(thing: Any) -> str | None:
    """A user or organisation as the audit trail names it: username or code, never a pk."""
    if thing is None:
        return None
    if getattr(getattr(thing, "_meta", None), "model_name", None) == "apiclient":
        return f"client:{thing.name}"
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


def _children(subject: str | None, details: dict[str, Any], more: Iterable[str] | None
              ) -> list[str]:
    """The ContactPoint IDs an entry concerns: its subject, a search's results, any more."""
    found = [subject] if subject and CONTACTPOINT_ID.match(subject) else []
    found += [str(r) for r in details.get("results") or () if CONTACTPOINT_ID.match(str(r))]
    found += [str(c) for c in more or () if CONTACTPOINT_ID.match(str(c))]
    return list(dict.fromkeys(found))


#: Where INSERTs chain (PostgreSQL): the entry and its pending mark in one round trip
#: (every search and view writes one; each statement was a wait on the server).
_INSERT = (
    "WITH e AS (INSERT INTO audit_entry (at, event, actor, organisation, role, subject, "
    "children, details, sealed) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id), "
    "p AS (INSERT INTO audit_pending (entry_id) SELECT id FROM e) "
    "SELECT id FROM e")


def _store(entry: Any) -> None:
    """Write the entry and its pending mark (sets `entry.pk`).

    The sequencer indexes it by child when it places it (`trail.sequence`): in bulk,
    a few hundred at a time, rather than a row a child in every request.
    """
    from contactpoint.audit.models import Entry, Pending  # noqa: PLC0415

    connection = connections[router.db_for_write(Entry)]
    if dialect_for(connection).chains_inserts:
        with connection.cursor() as cursor:
            cursor.execute(_INSERT, [entry.at, entry.event, entry.actor, entry.organisation,
                                     entry.role, entry.subject, entry.children, entry.details,
                                     entry.sealed])
            (entry.pk,) = cursor.fetchone()
        return
    with transaction.atomic(savepoint=False):
        entry.save(force_insert=True)
        Pending.objects.create(entry_id=entry.pk)


def record(event: str, *, actor: Any, organisation: Any = None, reason: str | None = None,
           subject: Any = None, details: dict[str, Any] | None = None,
           personal: dict[str, Any] | None = None,
           children: Iterable[str] | None = None) -> dict[str, Any]:
    """Write one audited event to the trail, in the caller's transaction, and return it.

    `actor` is the person (or API client) acting, or None when nobody is known yet (a
    failed sign-in for a username that does not exist). `organisation` defaults to the
    actor's. `subject` is what was acted on (a user, an organisation, a child's id).
    `reason` and `personal` (what was asked that is itself personal data: a search's
    names and date of birth, free text) are sealed; `details` is kept readable and must
    hold nothing personal. The children an entry concerns are its subject when that is
    a ContactPoint ID, `details["results"]`, and `children`.
    """
    from contactpoint.audit import sealing  # noqa: PLC0415  (the key store needs Django)
    from contactpoint.audit.models import Entry  # noqa: PLC0415
    from contactpoint.crypto.keystore import get_keystore  # noqa: PLC0415

    if not EVENT_NAME.match(event):
        raise ValueError(f"audit event names are scope:resource:action, not {event!r}")
    if organisation is None:
        organisation = getattr(actor, "organisation", None)
    details = details or {}
    subject_name = _name(subject)
    concerns = _children(subject_name, details, children)
    content = {**({"reason": reason} if reason else {}), **(personal or {})}
    role = getattr(actor, "role", None)
    entry = Entry(
        at=timezone.now(), event=event, actor=_name(actor), organisation=_name(organisation),
        role=str(role) if role else None, subject=subject_name, children=" ".join(concerns),
        details=orjson.dumps(details, default=str, option=orjson.OPT_SORT_KEYS).decode(),
        sealed=sealing.seal(content, concerns, get_keystore()) if content else None,
    )
    _store(entry)
    line = {"id": entry.pk, "at": entry.at.isoformat(timespec="milliseconds"), "event": event,
            "actor": entry.actor, "organisation": entry.organisation, "role": entry.role,
            "subject": entry.subject, "children": concerns, "details": details}
    if logger.isEnabledFor(logging.INFO):
        logger.info(orjson.dumps(line, default=str).decode())
    return {**line, "reason": reason, "personal": personal or {}}
