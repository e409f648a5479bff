"""Locking an account and slowing an address after repeated failed sign-in steps."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from contactpoint.access import lockout
from contactpoint.access.lockout import ADDRESS_FACTOR, LockoutPolicy
from contactpoint.access.models import SignInFailure
from databases import both_databases


def test_the_policy_locks_at_the_limit():
    policy = LockoutPolicy(5, timedelta(minutes=15))
    assert not policy.locked(4)
    assert policy.locked(5)
    assert not policy.locked(5 * ADDRESS_FACTOR - 1, address=True)
    assert policy.locked(5 * ADDRESS_FACTOR, address=True)


def test_the_configured_policy_is_five_failures_in_fifteen_minutes():
    assert LockoutPolicy.configured() == LockoutPolicy(5, timedelta(minutes=15))


@both_databases
def test_an_account_locks_after_five_failures_and_unlocks_after_the_window():
    start = timezone.now()
    for i in range(5):
        assert not lockout.is_locked("jo.bloggs", "10.0.0.1", now=start)
        lockout.record_failure("jo.bloggs", f"10.0.0.{i}", now=start)
    assert lockout.is_locked("jo.bloggs", "10.9.9.9", now=start)
    assert lockout.is_locked("  JO.BLOGGS ", "10.9.9.9", now=start), "typed differently"
    assert not lockout.is_locked("someone.else", "10.9.9.9", now=start)
    assert not lockout.is_locked("jo.bloggs", "10.9.9.9", now=start + timedelta(minutes=16))


@both_databases
def test_an_address_is_slowed_after_many_failures_across_usernames():
    now = timezone.now()
    for i in range(5 * ADDRESS_FACTOR):
        lockout.record_failure(f"guess{i}", "192.0.2.7", now=now)
    assert lockout.is_locked("another.guess", "192.0.2.7", now=now)
    assert not lockout.is_locked("another.guess", "192.0.2.8", now=now)


@both_databases
def test_usernames_are_not_kept_in_the_clear():
    lockout.record_failure("jo.bloggs", "192.0.2.1")
    keys = list(SignInFailure.objects.values_list("key", flat=True))
    assert not any("jo.bloggs" in key for key in keys)


@both_databases
def test_clearing_an_account_keeps_the_address_count():
    for _ in range(3):
        lockout.record_failure("jo.bloggs", "192.0.2.1")
    lockout.clear_account("jo.bloggs")
    assert SignInFailure.objects.filter(key=lockout.account_key("jo.bloggs")).count() == 0
    assert SignInFailure.objects.filter(key=lockout.address_key("192.0.2.1")).count() == 3
