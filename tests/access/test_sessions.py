"""Sessions sealed at rest: nothing a session holds is readable from its row, and what it
holds goes with it (sign-out, expiry)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.utils import timezone

from accounts import make_user
from contactpoint.access.sessions import SessionStore, remember_session
from contactpoint.cli.main import main
from contactpoint.web.children import (
    REASONS_SESSION_KEY,
    _remember,
    forget_reason,
    remembered_reason,
)
from databases import both_databases
from signing_in import ready_user, sign_in

pytestmark = both_databases

SECRET_PAGE = "/children/1234567890/?about=Harrogate"


def row_of(session_key: str) -> str:
    return Session.objects.values_list("session_data", flat=True).get(session_key=session_key)


def test_a_session_row_is_sealed_and_opens_only_as_itself(keystore):
    session = SessionStore()
    session["next"] = SECRET_PAGE
    session.create()
    stored = row_of(session.session_key)
    assert stored.startswith("sealed:")
    assert db.SessionStore(session.session_key).load() == {}  # Django's own reading: nothing
    assert SessionStore(session.session_key).load() == {"next": SECRET_PAGE}

    other = SessionStore()
    other.create()
    Session.objects.filter(session_key=other.session_key).update(session_data=stored)
    assert SessionStore(other.session_key).load() == {}  # bound to its own id

    tampered = stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")
    Session.objects.filter(session_key=session.session_key).update(session_data=tampered)
    assert SessionStore(session.session_key).load() == {}


def test_a_renewed_session_key_keeps_what_the_session_holds(keystore):
    session = SessionStore()
    session["next"] = SECRET_PAGE
    session.create()
    old = session.session_key
    session.cycle_key()
    assert session.session_key != old
    assert not Session.objects.filter(session_key=old).exists()
    assert SessionStore(session.session_key).load() == {"next": SECRET_PAGE}


def test_init_seals_sessions_stored_only_signed(keystore, capsys):
    """An upgrade signs nobody out and leaves no session readable."""
    legacy = db.SessionStore()
    legacy["next"] = SECRET_PAGE
    legacy.create()
    assert not row_of(legacy.session_key).startswith("sealed:")
    forged = db.SessionStore()
    forged.create()
    Session.objects.filter(session_key=forged.session_key).update(session_data="not:signed:x")

    assert main(["init"]) == 0
    assert "sealed 1 session(s)" in capsys.readouterr().out
    assert row_of(legacy.session_key).startswith("sealed:")
    assert SessionStore(legacy.session_key).load() == {"next": SECRET_PAGE}
    assert not Session.objects.filter(session_key=forged.session_key).exists()


def test_expired_sessions_go_at_the_next_sign_in(keystore):
    stale = SessionStore()
    stale["next"] = SECRET_PAGE
    stale.set_expiry(timezone.now() - timedelta(seconds=1))
    stale.create()
    live = SessionStore()
    live.create()
    remember_session(make_user(), live.session_key)
    assert not Session.objects.filter(session_key=stale.session_key).exists()
    assert Session.objects.filter(session_key=live.session_key).exists()


def test_signing_out_deletes_the_session_with_the_reasons_it_held(client, keystore):
    user, device = ready_user()
    sign_in(client, user, device)
    key = client.session.session_key
    client.post("/children/1234567890/", {"reason": "other", "reason_detail": "a worry"})
    assert REASONS_SESSION_KEY in SessionStore(key).load()
    client.post("/sign-out/")
    assert not Session.objects.filter(session_key=key).exists()


def test_a_reason_past_its_time_is_dropped_from_the_session(keystore):
    request = HttpRequest()
    request.session = SessionStore()
    _remember(request, "1234567890", "other", "a worry")
    _remember(request, "2345678901", "assessment", None)
    assert remembered_reason(request, "1234567890")["detail"] == "a worry"
    request.session[REASONS_SESSION_KEY]["1234567890"]["until"] = 0
    assert remembered_reason(request, "1234567890") is None
    assert set(request.session[REASONS_SESSION_KEY]) == {"2345678901"}
    forget_reason(request, "2345678901")
    assert request.session[REASONS_SESSION_KEY] == {}
