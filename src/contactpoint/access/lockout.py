"""Locking an account, and slowing a client address, after repeated failed sign-in steps.

Why a small model rather than django-axes: failures must be counted across both steps
of signing in (the password, then the code or security key), and axes sees only the
password step (it hooks `authenticate()`); the rule itself is a few lines, and this
keeps no username in the clear. Both the password and the second-factor steps go
through `begin_attempt`, and only a complete sign-in (both factors) clears an account's
count, so knowing the password does not buy unlimited guesses at the code.

An attempt is counted BEFORE the password or code is checked, by one conditional
UPDATE per key ("add one where fewer than the limit"), so concurrent guesses cannot all
pass a check made before any of them is recorded: the database lets exactly as many
through as the limit allows, on SQLite (whose write transactions run one at a time) and
on PostgreSQL (where the UPDATE takes the row's lock and re-checks its condition once a
concurrent one commits). A step that then succeeds gives its count back
(`Attempt.succeeded`); one that fails keeps it.

The answer while locked is the same whether or not the username exists: attempts are
counted for any username typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.crypto import salted_hmac

from contactpoint.access.models import SignInCount

#: A client address may fail this many times the account limit before it is slowed:
#: several people behind one council's address mistype too, an attacker trying many
#: usernames from one address should still be stopped.
ADDRESS_FACTOR = 4

#: `last_at` of a key's row before its first attempt: long expired.
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int
    window: timedelta

    @classmethod
    def configured(cls) -> LockoutPolicy:
        config = settings.CONTACTPOINT
        return cls(config.signin_max_failures, timedelta(minutes=config.signin_lockout_minutes))

    def limit(self, *, address: bool = False) -> int:
        return self.max_failures * (ADDRESS_FACTOR if address else 1)

    def locked(self, failures: int, *, address: bool = False) -> bool:
        """Pure: is a key with this many failures inside the window locked?"""
        return failures >= self.limit(address=address)


def account_key(username: str) -> str:
    typed = username.strip().casefold()
    digest = salted_hmac("contactpoint.signin.account", typed, algorithm="sha256").hexdigest()
    return f"account:{digest[:40]}"


def address_key(address: str | None) -> str:
    return f"address:{(address or 'unknown')[:64]}"


@dataclass(frozen=True)
class Attempt:
    """One sign-in step let through, already counted as a failure until it succeeds."""

    username: str
    address: str | None
    #: How many more failed steps this account (or address) may have before it locks,
    #: if this one fails too: 1 means the next failure is the last one let through.
    left: int

    def succeeded(self) -> None:
        """The password or second factor was right: give this attempt's count back.

        One row per statement, each committed at once: a statement holding one row while
        waiting for the other could deadlock with an attempt being counted.
        """
        for key in (account_key(self.username), address_key(self.address)):
            SignInCount.objects.filter(key=key, failures__gt=0).update(
                failures=F("failures") - 1)


class _Locked(Exception):
    """Raised inside the counting transaction to undo the first key's count."""


def _count_one(key: str, limit: int, now: datetime, expired: datetime) -> int | None:
    """Add one to `key`'s failures unless it is at `limit`; the new count, or None if locked.

    Called inside a transaction. A row whose last failure is older than the window starts
    again from one.
    """
    while True:
        fresh = Q(last_at__lte=expired)
        counted = SignInCount.objects.filter(Q(key=key) & (fresh | Q(failures__lt=limit))).update(
            failures=Case(When(fresh, then=Value(1)), default=F("failures") + 1),
            last_at=now,
        )
        if counted:
            return SignInCount.objects.values_list("failures", flat=True).get(key=key)
        if SignInCount.objects.filter(key=key).exists():
            return None
        # Its row was just removed as expired (forget_expired): make it again and retry.
        SignInCount.objects.bulk_create([SignInCount(key=key, failures=0, last_at=_NEVER)],
                                        ignore_conflicts=True)


def begin_attempt(username: str, address: str | None, *, now: datetime | None = None,
                  policy: LockoutPolicy | None = None) -> Attempt | None:
    """Count a sign-in step against the username and the address before it is checked.

    None when either is locked (nothing is counted then, so waiting out the window is
    enough). Otherwise the step's Attempt: call `succeeded()` if the password or code
    turns out right; a wrong one keeps the count.
    """
    policy = policy or LockoutPolicy.configured()
    now = now or timezone.now()
    expired = now - policy.window
    keys = [(account_key(username), policy.limit()),
            (address_key(address), policy.limit(address=True))]
    forget_expired(now=now, window=policy.window)
    # The rows exist before the counting transaction (inserted and committed at once), so
    # that transaction only updates rows and never waits on another's uncommitted insert.
    SignInCount.objects.bulk_create(
        [SignInCount(key=key, failures=0, last_at=_NEVER) for key, _ in keys],
        ignore_conflicts=True)
    left = []
    try:
        with transaction.atomic():
            # Always the account first, then the address: no two attempts wait on each
            # other's rows in opposite orders.
            for key, limit in keys:
                failures = _count_one(key, limit, now, expired)
                if failures is None:
                    raise _Locked
                left.append(limit - failures)
    except _Locked:
        return None
    return Attempt(username, address, min(left))


def is_locked(username: str, address: str | None, *, now: datetime | None = None,
              policy: LockoutPolicy | None = None) -> bool:
    """Whether this username, or this client address, has failed too often lately.

    For steps that check nothing (handing out a security-key challenge); a step that
    checks a password or code calls `begin_attempt`, which answers this and counts at once.
    """
    policy = policy or LockoutPolicy.configured()
    since = (now or timezone.now()) - policy.window
    return (SignInCount.objects.filter(key=account_key(username), last_at__gt=since,
                                       failures__gte=policy.limit()).exists()
            or SignInCount.objects.filter(key=address_key(address), last_at__gt=since,
                                          failures__gte=policy.limit(address=True)).exists())


def failures(username: str, *, now: datetime | None = None) -> int:
    """The account's failed steps inside the window (for the pages' warnings and tests)."""
    since = (now or timezone.now()) - LockoutPolicy.configured().window
    row = SignInCount.objects.filter(key=account_key(username), last_at__gt=since).first()
    return row.failures if row else 0


def forget_expired(*, now: datetime | None = None, window: timedelta | None = None,
                   batch: int = 100) -> int:
    """Remove (up to `batch`) counts of keys whose last failure is older than the window.

    Rows another attempt holds are skipped (on PostgreSQL, SKIP LOCKED), so this never
    waits on, or deadlocks with, an attempt being counted.
    """
    since = (now or timezone.now()) - (window or LockoutPolicy.configured().window)
    with transaction.atomic():
        stale = list(SignInCount.objects.select_for_update(skip_locked=True)
                     .filter(last_at__lte=since).values_list("pk", flat=True)[:batch])
        deleted, _ = SignInCount.objects.filter(pk__in=stale, last_at__lte=since).delete()
    return deleted


def clear_account(username: str) -> None:
    """A complete sign-in (both factors) forgets the account's failures, not the address's."""
    SignInCount.objects.filter(key=account_key(username)).delete()
