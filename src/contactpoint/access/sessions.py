"""Which sessions belong to whom, so suspending someone ends all of them at once.

The web app also checks every request (web/sessions.py), so a suspended person is
stopped even if a session escaped this list; deleting the sessions means nothing of
theirs is left to stop.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

from contactpoint.access.models import SignedInSession, User


def _store():  # type: ignore[no-untyped-def]
    return import_module(settings.SESSION_ENGINE).SessionStore


def remember_session(user: User, session_key: str | None, *, replaces: str | None = None) -> None:
    """Note that `session_key` is `user`'s (after sign-in, or after the key was renewed)."""
    if replaces:
        SignedInSession.objects.filter(session_key=replaces).delete()
    # Forget this person's sessions that have expired since (idle timeout, browser closed),
    # so the list stays as short as the sessions they really have.
    store = _store()
    stale = [key for key in SignedInSession.objects.filter(user=user)
             .values_list("session_key", flat=True) if not store().exists(key)]
    SignedInSession.objects.filter(session_key__in=stale).delete()
    if session_key:
        SignedInSession.objects.update_or_create(session_key=session_key,
                                                 defaults={"user": user})


def forget_session(session_key: str | None) -> None:
    if session_key:
        SignedInSession.objects.filter(session_key=session_key).delete()


def end_sessions(user: User) -> int:
    """Delete every session `user` signed in with; returns how many were known."""
    store = _store()
    keys = list(SignedInSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    SignedInSession.objects.filter(user=user).delete()
    return len(keys)
