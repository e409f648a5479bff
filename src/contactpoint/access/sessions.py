"""Sessions: sealed at rest, and known by whom, so suspending someone ends all of them.

`SessionStore` (SESSION_ENGINE) is Django's database store with the whole session
sealed: Django only signs it, so a session row would show to anyone who reads the
database the ContactPoint IDs a person opened, the reasons they gave in their own
words, the page they were going to. Sealing the whole payload, rather than moving
chosen values to a table of their own, covers every value a session holds now or will
hold, and what it holds still goes with the row when the person signs out or the
session ends.

The web app also checks every request (web/sessions.py), so a suspended person is
stopped even if a session escaped the list of whose sessions are whose; deleting the
sessions means nothing of theirs is left to stop.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.db import transaction

from contactpoint.access.models import SignedInSession, User
from contactpoint.crypto import envelope
from contactpoint.crypto.keystore import SESSION_KEY, get_keystore
from contactpoint.crypto.purposes import Purpose

PURPOSE = Purpose.SESSION


class SessionStore(db.SessionStore):
    """Django's database sessions, each sealed (AES-256-GCM) under the service's session key.

    The session key is wrapped under the master key file like every other key. A session
    is bound to its own id, so a sealed session copied onto another row does not open.
    """

    def encode(self, session_dict: dict[str, Any]) -> str:
        if self._session_key is None:  # Django names the session before it encodes it
            raise RuntimeError("a session is sealed only once it has a key")
        return envelope.seal_text(_cipher(), _owner(self._session_key), PURPOSE,
                                  self.serializer().dumps(session_dict))

    def decode(self, session_data: str | bytes) -> dict[str, Any]:
        """The session, or an empty one (signed out) if it does not open."""
        try:
            if isinstance(session_data, bytes):  # Django's signature allows either
                session_data = session_data.decode()
            opened = envelope.open_text(_cipher(), _owner(self._session_key or ""), PURPOSE,
                                        session_data)
            return self.serializer().loads(opened)
        except (envelope.DecryptionError, ValueError):
            logging.getLogger("django.security.SuspiciousSession").warning(
                "a session did not open under the session key")
            return {}


def _cipher() -> AESGCM:
    return get_keystore().system_cipher(SESSION_KEY)


def _owner(session_key: str) -> str:
    return f"session:{session_key}"


@transaction.atomic
def seal_stored_sessions() -> int:
    """Seal the sessions stored only signed (before sessions were sealed); how many.

    Run by `contactpoint init`, so an upgrade signs nobody out and leaves nothing in the
    clear. A row that no longer opens as Django's signed form is deleted (signed out).
    """
    resealed = 0
    for row in Session.objects.select_for_update().exclude(
            session_data__startswith=envelope.TEXT_PREFIX):
        data = SessionBase.decode(SessionStore(row.session_key), row.session_data)
        if data:
            row.session_data = SessionStore(row.session_key).encode(data)
            row.save(update_fields=["session_data"])
            resealed += 1
        else:
            row.delete()
    return resealed


def _store() -> type[SessionBase]:
    return import_module(settings.SESSION_ENGINE).SessionStore


def remember_session(user: User, session_key: str | None, *, replaces: str | None = None) -> None:
    """Note that `session_key` is `user`'s (after sign-in, or after the key was renewed)."""
    if replaces:
        SignedInSession.objects.filter(session_key=replaces).delete()
    # Forget this person's sessions that have expired since (idle timeout, browser closed),
    # so the list stays as short as the sessions they really have; and delete everyone's
    # expired sessions, with what they held (one indexed delete, at each sign-in).
    store = _store()
    store.clear_expired()
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
