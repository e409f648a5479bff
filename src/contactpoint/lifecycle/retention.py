"""The retention run: archive records that are due, purge archived records that are due.

`contactpoint retention run [--today YYYY-MM-DD]` calls `run`. Rules: `lifecycle.rules`.

What decides archiving (a date of birth, a date of death) is inside each child's sealed
record, so the archive pass opens the records of active children, a batch at a time,
and keeps nothing derived from them in the clear: a date such as "archive due" would
give away the date of birth (it is that day 18 years on). Only the status dates the run
itself sets (`archived_on`, `purged_on`) are stored beside the status.

Batches are short transactions (`ARCHIVE_BATCH`, `PURGE_BATCH` children): the run holds
no lock for longer than one batch takes. Each batch commits on its own with its audit
entries (one per child archived or purged), so a run killed at any point is carried on
by the next: what was done is not done again, and nothing is half-changed.

Purging a record, in this order:
1. its data key is destroyed in the key store (committed there): from that moment the
   sealed record, source records, involvements, shield reasons, and the personal parts
   of audit entries about the child are unreadable, backups included;
2. in one transaction: its source records (and their blind-index tokens, match
   decisions and review items), involvements and shield history are deleted, and the
   child becomes a tombstone: ContactPoint ID, status `purged`, `archived_on`,
   `purged_on`, nothing personal (no record, no authority, no shield broker).
A run killed between 1 and 2 finds the child still archived and due: it does 2 then.
Children merged into a purged child (their old IDs) are purged with it. The audit
trail keeps its entries about the child; they verify as before (the log commits to the
stored bytes, `audit.sealing`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.identity import sealing
from contactpoint.identity.models import (
    BlindIndexEntry,
    Child,
    ChildStatus,
    Involvement,
    ShieldChange,
    SourceRecord,
)
from contactpoint.identity.store import lock_index
from contactpoint.lifecycle import rules
from contactpoint.matching.models import ReviewItem

ARCHIVE_BATCH = 500
PURGE_BATCH = 100
#: Who the audit trail says acted: the run itself, not a person.
ACTOR = audit.operator("retention")


@dataclass
class RetentionReport:
    today: date
    examined: int = 0
    archived: dict[str, int] = field(default_factory=lambda: {"age": 0, "death": 0})
    purged: int = 0
    #: Active records the run could not open (no data key): left as they are.
    unreadable: int = 0
    #: How long each pass took.
    archive_seconds: float = 0.0
    purge_seconds: float = 0.0

    @property
    def examined_per_second(self) -> float:
        return self.examined / self.archive_seconds if self.archive_seconds else 0.0

    def lines(self) -> list[str]:
        return [
            f"retention run for {self.today.isoformat()}",
            f"examined {self.examined} active children in {self.archive_seconds:.1f} s "
            f"({self.examined_per_second:,.0f} a second)",
            f"archived {sum(self.archived.values())} "
            f"(at 18: {self.archived['age']}, a year after a recorded death: "
            f"{self.archived['death']})",
            f"purged {self.purged} (archived six years or more) in "
            f"{self.purge_seconds:.1f} s",
            *([f"could not open {self.unreadable} active records (no data key): left as "
               "they are"] if self.unreadable else []),
        ]


#: Called after each batch commits (tests stop a run there, as a kill would).
BatchHook = Callable[[str, int], None]


def run(today: date | None = None, *, keys: KeyStore | None = None,
        archive_batch: int = ARCHIVE_BATCH, purge_batch: int = PURGE_BATCH,
        after_batch: BatchHook | None = None) -> RetentionReport:
    """Archive and purge whatever is due on `today` (default: today). Idempotent."""
    today = today or timezone.localdate()
    keys = keys or get_keystore()
    report = RetentionReport(today)
    started = time.perf_counter()
    archive_pass(today, keys, report, archive_batch, after_batch)
    archived = time.perf_counter()
    report.archive_seconds = archived - started
    purge_pass(today, keys, report, purge_batch, after_batch)
    report.purge_seconds = time.perf_counter() - archived
    return report


def archive_pass(today: date, keys: KeyStore, report: RetentionReport, batch_size: int,
                 after_batch: BatchHook | None = None) -> None:
    """Open every active child's record, a batch at a time; archive those due."""
    last = 0
    while True:
        rows = list(Child.objects.filter(status=ChildStatus.ACTIVE, pk__gt=last,
                                         record__isnull=False)
                    .order_by("pk").values_list("pk", "contactpoint_id", "record")
                    [:batch_size])
        if not rows:
            return
        last = rows[-1][0]
        # Opened outside any transaction: nothing is locked while records are read.
        ciphers = keys.child_keys_held(cp_id for _, cp_id, _ in rows)
        due: dict[int, tuple[str, str]] = {}
        for pk, cp_id, sealed in rows:
            cipher = ciphers.get(cp_id)
            if cipher is None or sealed is None:
                report.unreadable += 1
                continue
            when = rules.archive_due(sealing.open_record(cipher, cp_id, bytes(sealed)))
            if when is not None and when[0] <= today:
                due[pk] = (cp_id, when[1])
        report.examined += len(rows)
        if due:
            _archive(due, today, report)
        if after_batch:
            after_batch("archive", len(rows))


def _archive(due: dict[int, tuple[str, str]], today: date, report: RetentionReport) -> None:
    with transaction.atomic():
        # Only those still active: another run (or a merge) may have moved on since.
        still = list(Child.objects.select_for_update()
                     .filter(pk__in=list(due), status=ChildStatus.ACTIVE)
                     .values_list("pk", flat=True))
        Child.objects.filter(pk__in=still).update(
            status=ChildStatus.ARCHIVED, archived_on=today, updated_at=timezone.now())
        for pk in sorted(still):
            cp_id, why = due[pk]
            # Why (age or death) is sealed: that a child died is personal.
            audit.record("retention:child:archive", actor=ACTOR, subject=cp_id,
                         details={"archived_on": today.isoformat()},
                         personal={"rule": why})
            report.archived[why] += 1


def purge_pass(today: date, keys: KeyStore, report: RetentionReport, batch_size: int,
               after_batch: BatchHook | None = None) -> None:
    """Purge every archived child archived on or before six years ago."""
    cutoff = rules.purge_cutoff(today)
    while True:
        batch = list(Child.objects.filter(status=ChildStatus.ARCHIVED,
                                          archived_on__lte=cutoff)
                     .order_by("pk").values_list("pk", "contactpoint_id")[:batch_size])
        if not batch:
            return
        purge_children(dict(batch), today, keys, report)
        if after_batch:
            after_batch("purge", len(batch))


def purge_children(children: dict[int, str], today: date, keys: KeyStore,
                   report: RetentionReport) -> None:
    """Destroy these archived children's keys, then leave only their tombstones."""
    merged = dict(Child.objects.filter(merged_into__in=list(children),
                                       status=ChildStatus.MERGED)
                  .values_list("pk", "contactpoint_id"))
    everyone = {**children, **merged}
    keys.destroy_child_keys(everyone.values())
    with transaction.atomic():
        lock_index()
        # Still archived (or merged into one): a second run may have purged them already.
        ids = list(Child.objects.select_for_update().filter(
            pk__in=list(everyone), status__in=[ChildStatus.ARCHIVED, ChildStatus.MERGED])
            .values_list("pk", flat=True))
        erase_data(ids)
        Child.objects.filter(pk__in=ids).update(
            status=ChildStatus.PURGED, purged_on=today, record=None, local_authority=None,
            shield_broker=None, shielded=False, shield_held=False, updated_at=timezone.now())
        for pk in sorted(ids):
            audit.record("retention:child:purge", actor=ACTOR, subject=everyone[pk],
                         details={"purged_on": today.isoformat(),
                                  **({"merged_into_purged": True} if pk in merged else {})})
        report.purged += len([pk for pk in ids if pk in children])


def erase_data(child_ids: list[int]) -> None:
    """Delete everything of these children but their Child rows (in one transaction)."""
    with transaction.atomic():
        ReviewItem.objects.filter(candidate__in=child_ids).delete()
        # Tokens, match decisions and review items of the records go with them (CASCADE).
        SourceRecord.objects.filter(child__in=child_ids).delete()
        BlindIndexEntry.objects.filter(child__in=child_ids).delete()
        # Versions point at their successors (PROTECT): unchain them, then delete.
        Involvement.objects.filter(child__in=child_ids).update(superseded_by=None)
        Involvement.objects.filter(child__in=child_ids).delete()
        ShieldChange.objects.filter(child__in=child_ids).delete()
