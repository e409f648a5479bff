"""The stored trail: sequenced in order, signed, verified; tampering of each kind is named.

Tampering is done as an attacker with the database's owner rights would: the append-only
triggers are dropped first (inside the test's transaction, so they come back after it).
"""

from __future__ import annotations

import base64
import dataclasses
import os

import pytest
from django.db import connection

from contactpoint.audit import guard, hooks, parallel, trail
from contactpoint.audit.checkpoint import parse_checkpoint, verify_checkpoint
from contactpoint.audit.merkle import TreeBuilder
from contactpoint.audit.models import Entry, Head, Leaf, Pending, SignedCheckpoint
from contactpoint.cli.main import main
from contactpoint.crypto.keystore import get_keystore
from contactpoint.identity.identifiers import format_contactpoint_id, new_contactpoint_id
from databases import ALL_DATABASES, both_databases

pytestmark = both_databases

CHILD = new_contactpoint_id()


def _write(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        hooks.record("child:search", actor=hooks.operator("tester"),
                     personal={"criteria": {"family_name": f"Name{i}"}},
                     details={"results": [CHILD] if i % 3 == 0 else []})


@pytest.fixture
def log(settings, tmp_path):
    """30 entries in the log, checkpoints signed at 10, 20 and 30."""
    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT, data_dir=tmp_path)
    get_keystore().create_child_keys([CHILD])
    for _ in range(3):
        _write(10)
        trail.sign_checkpoint()
    assert trail.verify().ok


def _tamper(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        for statement in guard.remove_sql(connection):
            cursor.execute(statement)
        cursor.execute(sql, params or [])


def _entry_at(seq: int) -> int:
    return Leaf.objects.get(seq=seq).entry_id


def test_pending_entries_are_placed_in_order_and_the_head_keeps_the_root(log):
    seqs = list(Leaf.objects.order_by("seq").values_list("seq", "entry_id"))
    assert [s for s, _ in seqs] == list(range(30))
    assert [e for _, e in seqs] == sorted(e for _, e in seqs)
    assert not Pending.objects.exists()
    head = Head.objects.get(pk=1)
    tree = TreeBuilder.resume(head.size, bytes(head.frontier))
    latest = SignedCheckpoint.objects.order_by("-size").first()
    assert (tree.size, tree.root()) == (latest.size, bytes(latest.root))


def test_a_checkpoint_is_signed_text_that_the_published_key_opens_and_is_kept_as_a_file(
        log, tmp_path):
    text = (tmp_path / "audit" / "checkpoint").read_text()
    checked = verify_checkpoint(text, trail.verifier_key(), origin=trail.origin())
    assert checked.size == 30
    assert (tmp_path / "audit" / "checkpoints" / f"{30:012d}").read_text() == text
    lines = text.split("\n")
    assert lines[:2] == [trail.origin(), "30"]
    assert base64.b64decode(lines[2]) == checked.root
    assert lines[3] == ""
    assert lines[4].startswith(f"\u2014 {trail.origin()} ")


def test_an_honest_trail_verifies_with_entries_not_yet_signed(log):
    _write(4)
    trail.sequence()
    found = trail.verify()
    assert found.ok
    assert "34 entries, 3 signed checkpoints" in found.describe()


def test_an_altered_entry_is_named(log):
    _tamper("UPDATE audit_entry SET actor = %s WHERE id = %s", ["operator:someone", _entry_at(12)])
    found = trail.verify()
    assert not found.ok
    assert (found.log.problem, found.log.first_bad) == ("altered", 12)


def test_altered_sealed_content_is_named(log):
    _tamper("UPDATE audit_entry SET sealed = %s WHERE id = %s",
            [b"\x01\x00\x00forged", _entry_at(7)])
    assert (trail.verify().log.problem, trail.verify().log.first_bad) == ("altered", 7)


def test_an_entry_altered_with_its_stored_hash_is_caught_by_the_checkpoint(log):
    entry = Entry.objects.get(pk=_entry_at(15))
    _tamper("UPDATE audit_entry SET event = %s WHERE id = %s", ["child:record:view", entry.pk])
    entry.refresh_from_db()
    columns = [getattr(entry, c) for c in trail.COLUMNS]
    from contactpoint.audit.merkle import leaf_hash  # noqa: PLC0415

    _tamper("UPDATE audit_leaf SET leaf_hash = %s WHERE seq = 15",
            [leaf_hash(trail.leaf_data(15, columns, Leaf.objects.get(seq=15).links))])
    found = trail.verify().log
    assert found.problem == "mismatch"
    assert found.earliest <= 15 <= found.first_bad
    assert (found.earliest, found.first_bad) == (10, 19)


def test_a_deleted_entry_is_named(log):
    _tamper("DELETE FROM audit_leaf WHERE seq = 5")
    found = trail.verify().log
    assert (found.problem, found.first_bad) == ("missing", 5)


def test_an_entry_removed_from_under_its_leaf_is_named(log):
    _tamper("DELETE FROM audit_entry WHERE id = %s", [_entry_at(21)])
    found = trail.verify().log
    assert (found.problem, found.first_bad) == ("altered", 21)


def test_an_inserted_entry_is_named(log):
    # Make room at 8 by moving every later leaf up one, then put a forged entry there.
    with connection.cursor() as cursor:
        for statement in guard.remove_sql(connection):
            cursor.execute(statement)
        for seq in range(29, 7, -1):
            cursor.execute("UPDATE audit_leaf SET seq = %s WHERE seq = %s", [seq + 1, seq])
    forged = Entry.objects.create(at=Entry.objects.get(pk=_entry_at(7)).at, event="child:search",
                                  actor="operator:tester", details="{}")
    forged.refresh_from_db()
    columns = [getattr(forged, c) for c in trail.COLUMNS]
    from contactpoint.audit.merkle import leaf_hash  # noqa: PLC0415

    Leaf.objects.create(seq=8, entry=forged, links="",
                        leaf_hash=leaf_hash(trail.leaf_data(8, columns, "")))
    found = trail.verify().log
    assert (found.problem, found.first_bad) == ("inserted", 8)


def test_a_duplicated_sequence_number_is_named(log):
    _tamper("DELETE FROM audit_leaf WHERE seq = 29")
    forged = Entry.objects.create(at=Entry.objects.get(pk=_entry_at(28)).at,
                                  event="child:search", actor="operator:tester", details="{}")
    _tamper("UPDATE audit_leaf SET seq = 29 WHERE seq = 28")
    Leaf.objects.create(seq=28, entry=forged, leaf_hash=b"\x00" * 32)
    found = trail.verify().log
    assert (found.problem, found.first_bad) == ("altered", 28)


def test_reordered_entries_are_named(log):
    first, second = _entry_at(3), _entry_at(4)
    _tamper("UPDATE audit_leaf SET entry_id = -1 WHERE seq = 3")
    _tamper("UPDATE audit_leaf SET entry_id = %s WHERE seq = 4", [first])
    _tamper("UPDATE audit_leaf SET entry_id = %s WHERE seq = 3", [second])
    found = trail.verify().log
    assert (found.problem, found.first_bad) == ("reordered", 3)
    assert "entry 4" in found.detail


def test_a_deletion_hidden_by_renumbering_is_named(log):
    with connection.cursor() as cursor:
        for statement in guard.remove_sql(connection):
            cursor.execute(statement)
        cursor.execute("DELETE FROM audit_leaf WHERE seq = 13")
        for seq in range(14, 30):
            cursor.execute("UPDATE audit_leaf SET seq = %s WHERE seq = %s", [seq - 1, seq])
    found = trail.verify().log
    assert (found.problem, found.first_bad) == ("missing", 13)


def test_a_truncated_trail_is_named(log):
    _tamper("DELETE FROM audit_leaf WHERE seq >= 25")
    found = trail.verify().log
    assert (found.problem, found.first_bad) == ("truncated", 25)


def test_an_entry_that_never_reached_the_log_is_reported(log):
    _tamper("DELETE FROM audit_pending")
    Entry.objects.create(at=Entry.objects.first().at, event="child:search", details="{}")
    _tamper("DELETE FROM audit_pending")
    found = trail.verify()
    assert not found.ok
    assert "neither in the log nor waiting" in found.describe()


def test_a_forged_checkpoint_is_refused(log):
    other = parse_checkpoint(SignedCheckpoint.objects.get(size=20).text)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: PLC0415

    from contactpoint.audit.checkpoint import sign_checkpoint  # noqa: PLC0415

    forged = sign_checkpoint(trail.origin(), 20, other.root, Ed25519PrivateKey.generate(),
                             trail.origin())
    SignedCheckpoint.objects.create(size=20, root=other.root, text=forged,
                                    signed_at=SignedCheckpoint.objects.first().signed_at)
    found = trail.verify()
    assert not found.ok
    assert "bad checkpoint" in found.describe()


def test_since_checks_that_today_extends_a_checkpoint_kept_earlier(log):
    kept = SignedCheckpoint.objects.get(size=20).text
    _write(5)
    trail.sign_checkpoint()
    assert trail.verify(since=kept).ok
    # A kept checkpoint the stored log does not extend: the log was rewritten since.
    _tamper("UPDATE audit_entry SET actor = %s WHERE id = %s", ["operator:x", _entry_at(2)])
    _tamper("DELETE FROM audit_checkpoint")
    found = trail.verify(since=kept)
    assert not found.ok
    assert found.log.first_bad == 2


def test_verifying_garbage_reports_and_never_crashes(log):
    # SQLite keeps whatever it is given; PostgreSQL only a time, so a strange one.
    garbage = "not a time" if connection.vendor == "sqlite" else "0001-01-01 00:00:00+00"
    _tamper("UPDATE audit_entry SET at = %s WHERE id = %s", [garbage, _entry_at(6)])
    found = trail.verify()
    assert not found.ok
    assert found.log.first_bad == 6


def test_the_database_refuses_to_change_or_remove_entries(log):
    from django.db import DatabaseError, transaction  # noqa: PLC0415

    entry_id = _entry_at(0)
    statements = [("UPDATE audit_entry SET actor = 'x' WHERE id = %s", [entry_id]),
                  ("DELETE FROM audit_entry WHERE id = %s", [entry_id]),
                  ("UPDATE audit_leaf SET seq = 99 WHERE seq = 0", []),
                  ("DELETE FROM audit_leaf WHERE seq = 0", []),
                  ("DELETE FROM audit_checkpoint", []),
                  ("DELETE FROM audit_entry_child", [])]
    if connection.vendor == "postgresql":
        statements += [(f"TRUNCATE {table}", []) for table in guard.APPEND_ONLY]
    for sql, params in statements:
        with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
              connection.cursor() as cursor):
            cursor.execute(sql, params)
    assert Entry.objects.filter(pk=entry_id, actor="operator:tester").exists()


def test_a_shredded_childs_entries_stop_opening_and_the_trail_still_verifies(log):
    about = list(trail.select(child=CHILD))
    assert about
    assert all(trail.readable(e, None)["details"]["criteria"] for e in about)
    get_keystore().destroy_child_keys([CHILD])
    for entry in about:
        read = trail.readable(entry, None)
        assert "criteria" not in read["details"]
        assert read["children"] == [CHILD]
    others = trail.select().exclude(pk__in=[e.pk for e in about])
    assert all("criteria" in trail.readable(e, None)["details"] for e in others)
    assert trail.verify().ok


def test_the_commands_answer_as_the_contract_says(log, capsys, tmp_path):
    assert main(["audit", "verify"]) == 0
    assert "30 entries" in capsys.readouterr().out
    assert main(["audit", "key"]) == 0
    assert capsys.readouterr().out.startswith(f"{trail.origin()}+")
    assert main(["audit", "checkpoint"]) == 0
    printed = capsys.readouterr().out
    kept = tmp_path / "kept.txt"
    kept.write_text(printed)
    assert verify_checkpoint(printed, trail.verifier_key()).size == 30
    assert main(["audit", "verify", "--since", str(kept)]) == 0
    capsys.readouterr()
    _tamper("DELETE FROM audit_leaf WHERE seq = 17")
    assert main(["audit", "verify"]) == 1
    assert "entry 17" in capsys.readouterr().err
    assert main(["audit", "verify", "--since", str(tmp_path / "absent")]) == 2


def test_export_writes_entries_decrypted_for_the_operator(log, capsys, tmp_path):
    import orjson  # noqa: PLC0415

    out = tmp_path / "out.jsonl"
    assert main(["audit", "export", "--child", format_contactpoint_id(CHILD), "--out", str(out),
                 "--by", "auditor.amy"]) == 0
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert len(lines) == 13  # 12 searches that found the child, and this export
    assert lines[-1]["event"] == "audit:trail:export"
    assert {"seq", "at", "event", "actor", "organisation", "role", "reason", "subject",
            "details"} <= set(lines[0])
    assert lines[0]["details"]["criteria"] == {"family_name": "Name0"}
    [asked] = trail.select(event="audit:trail:export")
    assert asked.actor == "operator:auditor.amy"
    assert main(["audit", "export", "--child", "12", "--out", str(out)]) == 2
    assert main(["audit", "export", "--since", "2026-02-01", "--until", "2026-01-01",
                 "--out", str(out)]) == 2


@pytest.mark.skipif(os.environ.get("CONTACTPOINT_TEST_ENGINE") != "postgres",
                    reason="forked workers need the entries committed to a server database")
@pytest.mark.django_db(transaction=True, databases=ALL_DATABASES)
def test_worker_processes_find_the_same_as_one_pass(settings, tmp_path, monkeypatch, keystore):
    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT, data_dir=tmp_path)
    monkeypatch.setattr(parallel, "RANGE", 8)  # ranges of 8 entries, checkpoints every 10
    for _ in range(3):
        _write(10)
        trail.sign_checkpoint()
    assert trail.verify(workers=2).ok
    assert trail.verify(workers=2).log.size == 30
    with connection.cursor() as cursor:
        for statement in guard.remove_sql(connection):
            cursor.execute(statement)
    try:
        _tamper("UPDATE audit_entry SET actor = %s WHERE id = %s", ["x", _entry_at(16)])
        found = trail.verify(workers=2).log
        assert (found.problem, found.first_bad) == ("altered", 16)
        _tamper("DELETE FROM audit_leaf WHERE seq = 13")
        found = trail.verify(workers=2).log
        assert (found.problem, found.first_bad) == ("missing", 13)
        _tamper("DELETE FROM audit_leaf WHERE seq >= 6")
        found = trail.verify(workers=2).log
        assert (found.problem, found.first_bad) == ("truncated", 6)
    finally:
        with connection.cursor() as cursor:
            for statement in guard.install_sql(connection):
                cursor.execute(statement, None)
