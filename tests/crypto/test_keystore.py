import os
import stat

import pytest

from contactpoint.crypto import envelope, keyring
from contactpoint.crypto.keystore import KeyStore, MissingKey
from contactpoint.crypto.models import DataKey, SystemKey
from contactpoint.crypto.purposes import Purpose
from contactpoint.identity import store
from databases import both_databases

pytestmark = both_databases


def test_master_key_file_is_private_and_init_is_idempotent(tmp_path):
    path = tmp_path / "master.key"
    ring, created = keyring.create(path)
    assert created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = keyring.create(path)
    assert not created_again
    assert again == ring


def test_world_readable_master_key_is_refused(tmp_path):
    path = tmp_path / "master.key"
    keyring.create(path)
    os.chmod(path, 0o644)
    with pytest.raises(keyring.KeyringError, match="readable by others"):
        keyring.load(path)


def test_child_keys_round_trip_and_are_unique(keystore):
    keys = keystore.create_child_keys(["1000000001", "1000000002"])
    keystore.forget_cache()
    again = keystore.child_keys(["1000000001", "1000000002"])
    blob = envelope.seal(keys["1000000001"], "1000000001", Purpose.CHILD_RECORD, b"hello")
    assert envelope.open_sealed(again["1000000001"], "1000000001", Purpose.CHILD_RECORD,
                                blob) == b"hello"
    with pytest.raises(envelope.DecryptionError):
        envelope.open_sealed(again["1000000002"], "1000000001", Purpose.CHILD_RECORD, blob)


def test_blob_bound_to_its_owner_and_purpose(keystore):
    key = keystore.create_child_keys(["1000000003"])["1000000003"]
    blob = envelope.seal(key, "1000000003", Purpose.CHILD_RECORD, b"x")
    with pytest.raises(envelope.DecryptionError):
        envelope.open_sealed(key, "1000000004", Purpose.CHILD_RECORD, blob)
    with pytest.raises(envelope.DecryptionError):
        envelope.open_sealed(key, "1000000003", Purpose.SHIELD_REASON, blob)


def test_destroyed_key_cannot_be_had_again(keystore):
    keystore.create_child_keys(["1000000005"])
    assert keystore.destroy_child_keys(["1000000005"]) == 1
    keystore.forget_cache()
    with pytest.raises(MissingKey):
        keystore.child_key("1000000005")


def test_rotation_rewraps_every_key_and_retires_the_old_kek(tmp_path, keystore, settings):
    path = tmp_path / "master.key"
    path.write_bytes(settings.CONTACTPOINT.master_key_file.read_bytes())
    os.chmod(path, 0o600)
    store = KeyStore(path)
    old_ring = keyring.load(path)
    keys = store.create_child_keys([f"20000000{i:02d}" for i in range(25)])
    token_before = store.blind_index.token("nhs", "9434765919")

    report = store.rotate(batch_size=7)

    new_ring = keyring.load(path)
    assert new_ring.active_id != old_ring.active_id
    assert list(new_ring.keys) == [new_ring.active_id]
    assert report.retired == [old_ring.active_id]
    assert report.rewrapped >= 26
    assert not DataKey.objects.exclude(kek_id=new_ring.active_id).exists()
    assert not SystemKey.objects.exclude(kek_id=new_ring.active_id).exists()
    fresh = KeyStore(path)
    blob = envelope.seal(keys["2000000003"], "2000000003", Purpose.CHILD_RECORD, b"kept")
    assert envelope.open_sealed(fresh.child_key("2000000003"), "2000000003",
                                Purpose.CHILD_RECORD, blob) == b"kept"
    assert fresh.blind_index.token("nhs", "9434765919") == token_before


def test_only_the_taken_ids_of_a_batch_are_drawn_again(keystore, monkeypatch):
    """At national scale most batches draw a taken id: the batch keeps the rest."""
    keystore.create_child_keys(["1111111116", "3333333331"])
    draws = iter(["1111111116", "2222222224", "3333333331", "4444444448",
                  "2222222224", "5555555553", "6666666669"])
    monkeypatch.setattr(store, "new_contactpoint_id", lambda: next(draws))
    inserts = []
    create = keystore.create_child_keys
    monkeypatch.setattr(keystore, "create_child_keys",
                        lambda owners: inserts.append(list(owners)) or create(owners))
    assert store.reserve_children(keystore, 4) == ["2222222224", "4444444448",
                                                   "5555555553", "6666666669"]
    # One insert, of fresh ids only: no batch refused by the key store and drawn anew.
    assert inserts == [["2222222224", "4444444448", "5555555553", "6666666669"]]


def test_an_id_taken_after_the_lookup_makes_the_batch_start_again(keystore, monkeypatch):
    draws = iter(["1111111116", "2222222224"])
    monkeypatch.setattr(store, "new_contactpoint_id", lambda: next(draws))
    monkeypatch.setattr(keystore, "owners_present", lambda owners: set())
    keystore.create_child_keys(["1111111116"])  # as a concurrent load would, unseen
    assert store.reserve_children(keystore, 1) == ["2222222224"]


def test_a_drawn_id_already_in_use_is_drawn_again(keystore, monkeypatch):
    taken = keystore.create_child_keys(["1111111116"])["1111111116"]
    draws = iter(["1111111116", "2222222224"])
    monkeypatch.setattr(store, "new_contactpoint_id", lambda: next(draws))
    assert store.reserve_children(keystore, 1) == ["2222222224"]
    keystore.forget_cache()
    blob = envelope.seal(taken, "1111111116", Purpose.CHILD_RECORD, b"still mine")
    assert envelope.open_sealed(keystore.child_key("1111111116"), "1111111116",
                                Purpose.CHILD_RECORD, blob) == b"still mine"
