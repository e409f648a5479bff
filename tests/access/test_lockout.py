"""Locking an account and slowing an address after repeated failed sign-in steps.

Each step is counted before it is checked (`begin_attempt`); the race between many
concurrent steps is tested against a real server in tests/web/test_lockout_race.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from contactpoint.access import lockout
from contactpoint.access.lockout import ADDRESS_FACTOR, LockoutPolicy
from contactpoint.access.models import SignInCount
from databases import both_databases


def _fail(username: str, address: str, **kwargs) -> lockout.Attempt | None:
    """One step let through and then found wrong (its count is kept)."""
    return lockout.begin_attempt(username, address, **kwargs)


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
        assert _fail("jo.bloggs", f"10.0.0.{i}", now=start) is not None
    assert lockout.is_locked("jo.bloggs", "10.9.9.9", now=start)
    assert lockout.is_locked("  JO.BLOGGS ", "10.9.9.9", now=start), "typed differently"
    assert lockout.begin_attempt("jo.bloggs", "10.9.9.9", now=start) is None
    assert not lockout.is_locked("someone.else", "10.9.9.9", now=start)
    later = start + timedelta(minutes=16)
    assert not lockout.is_locked("jo.bloggs", "10.9.9.9", now=later)
    assert lockout.begin_attempt("jo.bloggs", "10.9.9.9", now=later) is not None
    assert lockout.failures("jo.bloggs", now=later) == 1, "the count starts again"


@both_databases
def test_each_attempt_says_how_many_tries_are_left():
    now = timezone.now()
    left = [_fail("jo.bloggs", "192.0.2.1", now=now).left for _ in range(5)]
    assert left == [4, 3, 2, 1, 0]


@both_databases
def test_an_attempt_refused_as_locked_counts_nothing_and_does_not_extend_the_lock():
    start = timezone.now()
    for _ in range(5):
        _fail("jo.bloggs", "192.0.2.1", now=start)
    for minute in range(1, 15):
        assert lockout.begin_attempt("jo.bloggs", "192.0.2.1",
                                     now=start + timedelta(minutes=minute)) is None
    assert lockout.failures("jo.bloggs", now=start) == 5
    after = start + timedelta(minutes=15, seconds=1)
    assert not lockout.is_locked("jo.bloggs", "192.0.2.1", now=after)


@both_databases
def test_a_right_step_gives_its_count_back():
    now = timezone.now()
    _fail("jo.bloggs", "192.0.2.1", now=now)
    attempt = lockout.begin_attempt("jo.bloggs", "192.0.2.1", now=now)
    assert lockout.failures("jo.bloggs", now=now) == 2, "counted before it is checked"
    attempt.succeeded()
    assert lockout.failures("jo.bloggs", now=now) == 1, "only a complete sign-in clears it"
    assert SignInCount.objects.get(key=lockout.address_key("192.0.2.1")).failures == 1


@both_databases
def test_an_address_is_slowed_after_many_failures_across_usernames():
    now = timezone.now()
    for i in range(5 * ADDRESS_FACTOR):
        assert _fail(f"guess{i}", "192.0.2.7", now=now) is not None
    assert lockout.is_locked("another.guess", "192.0.2.7", now=now)
    assert lockout.begin_attempt("another.guess", "192.0.2.7", now=now) is None
    assert lockout.failures("another.guess", now=now) == 0, "a refused attempt counts nothing"
    assert not lockout.is_locked("another.guess", "192.0.2.8", now=now)


@both_databases
def test_usernames_are_not_kept_in_the_clear():
    _fail("jo.bloggs", "192.0.2.1")
    keys = list(SignInCount.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert not any("jo.bloggs" in key for key in keys)


@both_databases
def test_clearing_an_account_keeps_the_address_count():
    for _ in range(3):
        _fail("jo.bloggs", "192.0.2.1")
    lockout.clear_account("jo.bloggs")
    assert lockout.failures("jo.bloggs") == 0
    assert SignInCount.objects.get(key=lockout.address_key("192.0.2.1")).failures == 3


@both_databases
def test_expired_counts_are_forgotten_and_live_ones_kept():
    start = timezone.now()
    _fail("new.one", "192.0.2.2", now=start - timedelta(minutes=1))
    _fail("old.one", "192.0.2.1", now=start - timedelta(minutes=20))
    assert SignInCount.objects.count() == 4
    assert lockout.forget_expired(now=start) == 2
    assert sorted(SignInCount.objects.values_list("key", flat=True)) == sorted(
        [lockout.account_key("new.one"), lockout.address_key("192.0.2.2")])
