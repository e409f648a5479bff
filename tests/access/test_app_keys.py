"""Authenticator app keys: sealed at rest, bound to their person, sealed on upgrade."""

from __future__ import annotations

from binascii import unhexlify

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import make_user
from contactpoint.access import app_keys, second_factors
from contactpoint.access.models import AuthenticatorApp
from contactpoint.cli.main import main
from contactpoint.crypto.envelope import DecryptionError
from databases import both_databases
from signing_in import fresh_code, totp_for

pytestmark = both_databases


def stored_key(device: TOTPDevice) -> str:
    """The key column as the database holds it."""
    return TOTPDevice.objects.values_list("key", flat=True).get(pk=device.pk)


def test_a_new_app_is_stored_sealed_and_still_takes_its_codes(keystore):
    user = make_user()
    device = second_factors.start_app_setup(user)
    secret = second_factors.totp_secret(device)
    key = app_keys.key_of(device)
    assert len(key) == 20
    stored = stored_key(device)
    assert stored.startswith("sealed:")
    assert key.hex() not in stored.lower()
    assert secret.replace(" ", "") in device.config_url  # the QR code carries the real key

    assert second_factors.confirm_app(user, totp_for(secret).now()) is not None
    device.refresh_from_db()
    assert second_factors.verify_code(user, fresh_code(secret, device)) is not None
    assert stored_key(device).startswith("sealed:")
    assert second_factors.verify_code(user, "000000") is None


def test_an_app_saved_through_django_otps_own_model_is_sealed_too(keystore):
    """Whichever class writes the row (django-otp's, a test's, an admin's), never in the clear."""
    user = make_user()
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    assert stored_key(device).startswith("sealed:")
    secret = second_factors.totp_secret(device)
    assert second_factors.verify_code(user, totp_for(secret).now()) is not None


def test_a_sealed_key_moved_to_someone_elses_app_does_not_open(keystore):
    mine = second_factors.start_app_setup(make_user())
    theirs = second_factors.start_app_setup(make_user())
    AuthenticatorApp.objects.filter(pk=theirs.pk).update(key=stored_key(mine))
    with pytest.raises(DecryptionError):
        app_keys.key_of(AuthenticatorApp.objects.get(pk=theirs.pk))


def test_a_key_too_long_to_seal_is_refused_rather_than_cut(keystore):
    with pytest.raises(ValueError, match="too long"):
        app_keys.seal_app_key(1, bytes(26))


def test_init_seals_keys_stored_in_the_clear_and_they_keep_working(keystore, capsys):
    """An upgrade: apps set up before keys were sealed keep their keys, now sealed."""
    user = make_user()
    device = AuthenticatorApp.objects.create(user=user, name="Authenticator app", confirmed=True)
    plain = "3132333435363738393031323334353637383930"
    # Written as an older version wrote it: past save(), so past the sealing.
    AuthenticatorApp.objects.filter(pk=device.pk).update(key=plain)
    secret = second_factors.totp_secret(AuthenticatorApp.objects.get(pk=device.pk))
    assert secret.replace(" ", "") == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert "sealed 1 authenticator app key(s)" in out
    device.refresh_from_db()
    assert device.key.startswith("sealed:")
    assert app_keys.key_of(device) == unhexlify(plain)
    assert second_factors.verify_code(user, totp_for(secret).now()) is not None

    assert main(["init"]) == 0
    assert "authenticator app key" not in capsys.readouterr().out  # nothing left to seal
