"""The sequencer's side of per-child chaining (chain.py): each child's previous entry.

Called by `trail.sequence` inside its transaction, which holds the one `Head` row, so
sequencers never interleave and a child's chain has one order: the log's. The links
of a batch cost two statements (read the batch's children's heads; write them back)
and one more the first time a child with entries from before chaining is met; the
requests that write entries do nothing extra.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from django.db import connection

from contactpoint.audit.models import ChildHead
from contactpoint.crypto.keystore import AUDIT_KEY, KeyStore, get_keystore
from contactpoint.db import bulk

_LABEL = b"contactpoint audit chain salts"


def salt_key(keys: KeyStore | None = None) -> bytes:
    """The secret the chained leaves' salts derive from: the trail's own key, labelled.

    Read once per sequencing batch or verification, so not cached: a cache would outlive
    a key store whose keys were replaced.
    """
    secret = (keys or get_keystore()).system_secret(AUDIT_KEY)
    return hmac.new(secret, _LABEL, hashlib.sha256).digest()


def _earlier(children: list[str]) -> dict[str, int]:
    """The latest entry placed before chaining about each of `children` (if any)."""
    found: dict[str, int] = {}
    step = 500
    with connection.cursor() as cursor:
        for start in range(0, len(children), step):
            which, params = bulk.one_of(connection, children[start : start + step])
            cursor.execute("SELECT c.contactpoint_id, MAX(l.seq) FROM audit_entry_child c "  # noqa: S608
                           "JOIN audit_leaf l ON l.entry_id = c.entry_id "
                           f"WHERE c.contactpoint_id {which} GROUP BY c.contactpoint_id",
                           params)
            found.update({cp_id: int(seq) for cp_id, seq in cursor.fetchall()})
    return found


class Links:
    """The batch's links: ask `prevs` for each entry in log order, then `save`."""

    def __init__(self, children: Sequence[str], chained_from: int) -> None:
        wanted = list(dict.fromkeys(children))
        self.known = dict(bulk.select_in(ChildHead, ["contactpoint_id", "seq"],
                                         "contactpoint_id", wanted))
        missing = [c for c in wanted if c not in self.known]
        earlier = _earlier(missing) if missing and chained_from > 0 else {}
        self.latest: dict[str, int | None] = {c: self.known.get(c, earlier.get(c))
                                              for c in wanted}
        self.changed: set[str] = set()

    def prevs(self, seq: int, children: Sequence[str]) -> list[int | None]:
        """The previous entry about each child of the entry now placed at `seq`."""
        found = []
        for child in children:
            found.append(self.latest.get(child))
            self.latest[child] = seq
            self.changed.add(child)
        return found

    def save(self) -> None:
        """Write each changed child's latest entry back (under the caller's lock)."""
        updates = [(c, self.latest[c]) for c in self.changed if c in self.known]
        new = [(c, self.latest[c]) for c in self.changed if c not in self.known]
        bulk.update_rows(ChildHead, ["seq"], updates)
        bulk.append_rows(ChildHead, ["contactpoint_id", "seq"], new)
