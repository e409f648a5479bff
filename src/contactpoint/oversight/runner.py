"""Running the misuse rules over the trail as it grows: each entry read once, each alert
raised once, however many processes run them.

`run()` places what is waiting in the trail (`trail.sequence`), then reads on from where
the rules last got to (`RuleProgress.last_seq`) in batches. The rules only read, so a
batch is read and judged outside any transaction (a SQLite write transaction would hold
every search's audit entry back meanwhile); its alerts are then raised in one short
transaction that takes the rules' lock (the dialect's writers' lock: an advisory lock
on PostgreSQL; SQLite's transactions already take turns) and the progress row, and only
if the progress is still where the batch began. So of two runners (the web app's
workers, `contactpoint alerts run`) reading the same entries, one raises their alerts
and the other drops its findings and reads on from where the first got to. An alert's
key is unique besides, so a finding made again (a window counted again as it grows)
never raises a second alert.
The alerts, their `oversight:alert:raise` entries and the progress are written
together: a runner killed halfway leaves none of them, and the next run reads that
batch again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from contactpoint.audit import hooks, trail
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.db.dialect import dialect_for
from contactpoint.identity.models import Child
from contactpoint.oversight.models import Alert, RuleProgress
from contactpoint.oversight.rules import RULES
from contactpoint.oversight.rules.base import Context, Finding, Thresholds, read_batch

#: The lock the rules' runners take turns on ("CPAl"); the index's is "Cont".
RULES_LOCK = 0x4350416C
#: Entries read per transaction.
BATCH = 500


@dataclass(frozen=True)
class RunReport:
    read: int
    raised: list[Alert]


def run(*, batch: int = BATCH, keys: KeyStore | None = None) -> RunReport:
    """Apply every rule to the entries the rules have not read yet."""
    keys = keys or get_keystore()
    thresholds = Thresholds.from_settings()
    trail.sequence()
    RuleProgress.objects.bulk_create([RuleProgress(id=1)], ignore_conflicts=True)
    read, raised = 0, []
    while True:
        done, alerts = _batch(batch, Context(thresholds, keys))
        if done is None:  # another runner read these first: read on from where it got to
            continue
        read += done
        raised += alerts
        if done < batch:
            return RunReport(read, raised)


def _batch(size: int, context: Context) -> tuple[int | None, list[Alert]]:
    """Read the next batch and apply the rules outside any transaction (they only read:
    on SQLite a write transaction would hold every writer back meanwhile), then raise
    the alerts and move the progress on under the lock, if nobody else has since.
    None: somebody had."""
    last = RuleProgress.objects.values_list("last_seq", flat=True).get(pk=1)
    seen = read_batch(last, size)
    if not seen:
        return 0, []
    findings = [f for check in RULES.values() for f in check(seen, context)]
    with transaction.atomic():
        dialect_for(connection).lock_writers(connection, RULES_LOCK)
        progress = RuleProgress.objects.select_for_update().get(pk=1)
        if progress.last_seq != last:
            return None, []
        raised = _raise(findings, context)
        progress.last_seq, progress.ran_at = seen[-1].seq, timezone.now()
        progress.save()
    return len(seen), raised


def _childs_team(cp_id: str | None) -> int | None:
    """The team that shields the child (or, unshielded, its own authority's)."""
    child = Child.objects.filter(contactpoint_id=cp_id).first() if cp_id else None
    if child is None:
        return None
    return child.shield_broker_id if child.shielded else child.local_authority_id


def _raise(findings: list[Finding], context: Context) -> list[Alert]:
    """An alert for each finding whose key has none yet (the first finding of a key in a
    batch wins)."""
    unique = {f.key: f for f in reversed(findings)}
    new_keys = set(unique) - set(Alert.objects.filter(key__in=list(unique))
                                 .values_list("key", flat=True))
    now = timezone.now()
    alerts = []
    for finding in (unique[k] for k in sorted(new_keys)):
        user = context.user(finding.username)
        org = user.organisation if user else None
        authority = (org if org is not None and org.is_local_authority
                     else org.authority if org is not None else None)
        alerts.append(Alert(rule=finding.rule, key=finding.key, user=user,
                            username=finding.username, organisation=org.code if org else None,
                            authority=authority, raised_at=now, summary=finding.summary[:300],
                            evidence=list(finding.evidence), child=finding.child,
                            child_team_id=_childs_team(finding.child)))
    for alert in alerts:  # a few a run: each with its entry in the trail
        alert.save(force_insert=True)
        hooks.record("oversight:alert:raise", actor=None, subject=alert.username,
                     organisation=alert.organisation,
                     details={"alert": alert.pk, "rule": alert.rule,
                              "evidence": alert.evidence})
    return alerts
