"""`contactpoint keys rotate`: a new key-encryption key, every key re-wrapped, audited.

The re-wrapping happens in the key store's own small transactions (KeyStore.rotate),
in another database from the audit trail, so the two cannot commit as one: the
rotation is audited once it has finished, with what it did. One that dies part-way is
finished, and then audited, by running it again.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import RotationReport, get_keystore


def rotate_keys(*, by: str, progress: Callable[[int, int], None] | None = None,
                batch_size: int = 2000) -> RotationReport:
    """Rotate the key-encryption key (`by`: the operator) and audit what was done."""
    report = get_keystore().rotate(batch_size=batch_size, progress=progress)
    with transaction.atomic():
        audit.record("crypto:keys:rotate", actor=audit.operator(by),
                     details={"rewrapped": report.rewrapped, "retired": report.retired})
    return report
