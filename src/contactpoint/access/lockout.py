"""Locking an account, and slowing a client address, after repeated failed sign-in steps.

Why a small model rather than django-axes: failures must be counted across both steps
of signing in (the password, then the code or security key), and axes sees only the
password step (it hooks `authenticate()`); the rule itself is a few lines, and this
keeps no username in the clear. Both the password and the second-factor steps call
`record_failure`, and only a complete sign-in (both factors) clears an account's count,
so knowing the password does not buy unlimited guesses at the code.

The answer while locked is the same whether or not the username exists: failures are
counted for any username typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from contactpoint.access.models import SignInFailure

#: A client address may fail this many times the account limit before it is slowed:
#: several people behind one council's address mistype too, an attacker trying many
#: usernames from one address should still be stopped.
ADDRESS_FACTOR = 4


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int
    window: timedelta

    @classmethod
    def configured(cls) -> LockoutPolicy:
        config = settings.CONTACTPOINT
        return cls(config.signin_max_failures, timedelta(minutes=config.signin_lockout_minutes))

    def locked(self, failures: int, *, address: bool = False) -> bool:
        """Pure: is a key with this many failures inside the window locked?"""
        return failures >= self.max_failures * (ADDRESS_FACTOR if address else 1)


def account_key(username: str) -> str:
    typed = username.strip().casefold()
    digest = salted_hmac("contactpoint.signin.account", typed, algorithm="sha256").hexdigest()
    return f"account:{digest[:40]}"


def address_key(address: str | None) -> str:
    return f"address:{(address or 'unknown')[:64]}"


def _count(key: str, since: datetime) -> int:
    return SignInFailure.objects.filter(key=key, at__gt=since).count()


def is_locked(username: str, address: str | None, *, now: datetime | None = None,
              policy: LockoutPolicy | None = None) -> bool:
    """Whether this username, or this client address, has failed too often lately."""
    policy = policy or LockoutPolicy.configured()
    since = (now or timezone.now()) - policy.window
    return (policy.locked(_count(account_key(username), since))
            or policy.locked(_count(address_key(address), since), address=True))


def record_failure(username: str, address: str | None, *, now: datetime | None = None) -> None:
    """Count one failed step against the username and the address; forget expired ones."""
    now = now or timezone.now()
    window = LockoutPolicy.configured().window
    SignInFailure.objects.filter(at__lte=now - window).delete()
    SignInFailure.objects.bulk_create([
        SignInFailure(key=account_key(username), at=now),
        SignInFailure(key=address_key(address), at=now),
    ])


def clear_account(username: str) -> None:
    """A complete sign-in (both factors) forgets the account's failures, not the address's."""
    SignInFailure.objects.filter(key=account_key(username)).delete()
