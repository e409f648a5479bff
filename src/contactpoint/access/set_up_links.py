"""Set-up links: how a locked-out person gets back in, through their management team.

Someone who has forgotten their password (or lost everything) asks their management
team. A member of the team, from the person's page, issues a set-up link: at once the
person's password, apps and security keys stop working and their sessions end, and the
team member is shown the link once, to give them by a route of their own (in person, by
phone). The link works once, for LINK_LIFETIME: the person chooses a new password (the
same rules as everywhere) and, signing in, must set up a new second factor. There is no
self-service reset by email: an email account is not proof of who someone is, and the
original's users were vetted people a team knows.

The secret is 32 random bytes; only its SHA-256 is kept (as for API tokens, tokens.py).
Each function owns its transaction and calls the audit hook.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from contactpoint.access import lockout, second_factors
from contactpoint.access.models import ApiToken, SetUpLink, User
from contactpoint.access.services import (
    AccessError,
    _reason,
    _require_manager,
    managed_user,
)
from contactpoint.access.sessions import end_sessions
from contactpoint.audit import hooks as audit

LINK_LIFETIME = timedelta(hours=24)
SECRET_BYTES = 32
#: Longer than any secret issued here; longer ones are refused before hashing.
MAX_SECRET_CHARS = 64


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def issue(actor: User, username: str, *, reason: str) -> tuple[str, datetime]:
    """A management team member (or the national team) issues a set-up link for someone
    they manage; returns its secret (the only time it is seen) and when it expires."""
    _require_manager(actor)
    why = _reason(reason)
    user = managed_user(actor, username)
    if user.pk == actor.pk:
        raise AccessError("Ask another member of your team to reset your own password.")
    if user.refusal() is not None:
        raise AccessError(f"Their account is {user.refusal()}: reinstate it first.")
    now = timezone.now()
    # One link at a time: an earlier one still unused stops working now.
    SetUpLink.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    link = SetUpLink.objects.create(user=user, secret_hash=_hash(secret), issued_by=actor,
                                    issued_at=now, expires_at=now + LINK_LIFETIME)
    user.set_unusable_password()
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    removed = second_factors.remove_all(user)
    ended = end_sessions(user)
    # The case-management systems' tokens acting for them go too: whatever the old
    # credentials gave stops now (a reset may follow a compromise); new ones are issued
    # once the person is back in.
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now)
    audit.record("account:set-up-link:issue", actor=actor, subject=user, reason=why,
                 details={"link": link.pk, "expires_at": link.expires_at.isoformat(),
                          "second_factors_removed": removed, "sessions_ended": ended,
                          "tokens_revoked": revoked})
    return secret, link.expires_at


def _spent(link: SetUpLink) -> bool:
    """Used, expired, or for an account that may not sign in."""
    return (link.used_at is not None or link.expires_at <= timezone.now()
            or link.user.refusal() is not None)


def _usable(link: SetUpLink | None) -> SetUpLink | None:
    if link is None:
        return None
    if _spent(link):
        audit.record("account:set-up-link:refused", actor=link.user,
                     details={"link": link.pk, "used": link.used_at is not None})
        return None
    return link


def usable_link(secret: str) -> SetUpLink | None:
    """The link this secret opens, if it is unused, unexpired and its account may sign in."""
    if not secret or len(secret) > MAX_SECRET_CHARS:
        return None
    return _usable(SetUpLink.objects.select_related("user__organisation")
                   .filter(secret_hash=_hash(secret)).first())


def opened(link: SetUpLink) -> None:
    """The person opened their link (the page then keeps it in their session, not the URL)."""
    audit.record("account:set-up-link:open", actor=link.user, details={"link": link.pk})


def set_password(link_id: int, password: str) -> User:
    """The person chooses their new password with a link they opened; it is then used up.

    `link_id` is what the page kept in the session of whoever opened the link. Their next
    step is to set up a second factor (they have none: `issue` removed them). A link
    that can no longer be used is refused, and the refusal audited, after the
    transaction that found it so (which keeps nothing).
    """
    with transaction.atomic():
        link = (SetUpLink.objects.select_for_update(of=("self",))
                .select_related("user__organisation", "issued_by").filter(pk=link_id).first())
        if link is not None and not _spent(link):
            user = link.user
            validate_password(password, user)
            user.set_password(password)
            user.must_change_password = False
            user.save(update_fields=["password", "must_change_password"])
            link.used_at = timezone.now()
            link.save(update_fields=["used_at"])
            lockout.clear_account(user.username)
            audit.record("account:password:reset", actor=user,
                         details={"link": link.pk, "issued_by": link.issued_by.username})
            return user
    _usable(link)
    raise AccessError("This link has expired or has already been used.")


def link_for_session(link_id: object) -> SetUpLink | None:
    """The usable link a session holds (by id), else None."""
    if not isinstance(link_id, int):
        return None
    return _usable(SetUpLink.objects.select_related("user__organisation")
                   .filter(pk=link_id).first())
