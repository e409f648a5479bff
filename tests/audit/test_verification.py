"""verify_log: an honest log passes; each kind of tampering is named by its first bad entry."""

from __future__ import annotations

import pytest

from contactpoint.audit.checkpoint import Checkpoint
from contactpoint.audit.merkle import leaf_hash, root
from contactpoint.audit.verification import Problem, StoredEntry, verify_log

SIZE = 100
#: Checkpoints every 10 entries, as a sequencer signing once a minute would leave them.
EVERY = 10


def _data(seq: int) -> bytes:
    return f'{{"seq": {seq}, "event": "child:search", "ids": ["CP{seq:06d}"]}}'.encode()


def _honest() -> list[StoredEntry]:
    return [StoredEntry(seq=i, data=_data(i), leaf_hash=leaf_hash(_data(i))) for i in range(SIZE)]


def _checkpoints(entries: list[StoredEntry], every: int = EVERY) -> list[tuple[int, bytes]]:
    hashes = [leaf_hash(e.data) for e in entries]
    return [(n, root(hashes[:n])) for n in range(every, len(entries) + 1, every)]


CHECKPOINTS = _checkpoints(_honest())


def test_honest_log_verifies():
    result = verify_log(_honest(), CHECKPOINTS)
    assert result.ok
    assert (result.size, result.sealed, result.checkpoints_matched) == (SIZE, SIZE, 10)
    assert "100 entries verified" in result.describe()


def test_entries_after_the_last_checkpoint_are_reported_as_not_yet_sealed():
    entries = [*_honest(), StoredEntry(SIZE, _data(SIZE), leaf_hash(_data(SIZE)))]
    result = verify_log(entries, CHECKPOINTS)
    assert result.ok
    assert result.size - result.sealed == 1


def test_checkpoint_objects_are_accepted():
    checkpoints = [Checkpoint("origin", size, head) for size, head in CHECKPOINTS]
    assert verify_log(_honest(), checkpoints).ok


def test_streams_from_a_generator():
    assert verify_log((e for e in _honest()), iter(CHECKPOINTS)).ok


def test_altered_entry_is_named():
    entries = _honest()
    entries[37] = StoredEntry(37, b'{"seq": 37, "event": "edited"}', entries[37].leaf_hash)
    result = verify_log(entries, CHECKPOINTS)
    assert (result.problem, result.first_bad, result.exact) == (Problem.ALTERED, 37, True)
    assert result.sealed == 30
    assert result.describe().startswith("altered at entry 37:")


def test_altered_entry_with_its_hash_rewritten_is_bounded_by_the_checkpoints():
    entries = _honest()
    forged = b'{"seq": 37, "event": "edited"}'
    entries[37] = StoredEntry(37, forged, leaf_hash(forged))
    result = verify_log(entries, CHECKPOINTS)
    assert result.problem is Problem.MISMATCH
    assert (result.earliest, result.first_bad, result.exact) == (30, 39, False)
    assert "entry 39 or before (from entry 30)" in result.describe()


def test_unreadable_data_is_named_not_raised():
    entries = _honest()
    entries[5] = StoredEntry(5, None, entries[5].leaf_hash)  # type: ignore[arg-type]
    result = verify_log(entries, CHECKPOINTS)
    assert (result.problem, result.first_bad) == (Problem.ALTERED, 5)


def test_deleted_entry_is_named():
    entries = _honest()
    del entries[42]
    result = verify_log(entries, CHECKPOINTS)
    assert (result.problem, result.first_bad) == (Problem.MISSING, 42)
    assert "entry 42 is missing" in result.detail


def test_deleted_run_of_entries_is_named_from_its_first():
    entries = _honest()
    del entries[42:45]
    result = verify_log(entries, CHECKPOINTS)
    assert (result.problem, result.first_bad) == (Problem.MISSING, 42)
    assert "entries 42 to 44" in result.detail


def test_deleted_and_renumbered_is_bounded_by_the_checkpoints():
    entries = _honest()
    del entries[42]
    entries = [StoredEntry(i, e.data, e.leaf_hash) for i, e in enumerate(entries)]
    result = verify_log(entries, CHECKPOINTS)
    assert result.problem is Problem.MISMATCH
    assert (result.earliest, result.first_bad) == (40, 49)


def test_inserted_entry_is_named():
    entries = _honest()
    forged = b'{"seq": 64, "event": "forged"}'
    entries.insert(65, StoredEntry(64, forged, leaf_hash(forged)))
    result = verify_log(entries, CHECKPOINTS)
    assert (result.problem, result.first_bad) == (Problem.INSERTED, 64)


def test_reordered_storage_is_named():
    # Rows streamed in the order they were stored, two of them swapped.
    entries = _honest()
    entries[20], entries[21] = entries[21], entries[20]
    result = verify_log(entries, CHECKPOINTS)
    assert (result.problem, result.first_bad) == (Problem.REORDERED, 20)


def test_reordered_content_is_named():
    # Rows streamed by sequence number, the contents of two of them swapped.
    entries = _honest()
    a, b = entries[20], entries[23]
    entries[20] = StoredEntry(20, b.data, a.leaf_hash)
    entries[23] = StoredEntry(23, a.data, b.leaf_hash)
    result = verify_log(entries, CHECKPOINTS)
    assert (result.problem, result.first_bad) == (Problem.REORDERED, 20)
    assert "content of entry 23" in result.detail


def test_truncated_log_is_named():
    entries = _honest()[:73]
    result = verify_log(entries, CHECKPOINTS)
    assert (result.problem, result.first_bad) == (Problem.TRUNCATED, 73)
    assert result.sealed == 70
    assert "signed 100" in result.detail


def test_a_kept_checkpoint_the_log_no_longer_extends_is_caught():
    # `audit verify --since FILE`: an outsider kept (size 55, root) before the rewrite.
    kept = (55, root([leaf_hash(e.data) for e in _honest()[:55]]))
    entries = _honest()
    forged = b'{"seq": 12, "event": "rewritten"}'
    entries[12] = StoredEntry(12, forged, leaf_hash(forged))
    # The operator re-signed every checkpoint after rewriting: only the kept one catches it.
    resigned = _checkpoints(entries)
    assert verify_log(entries, resigned).ok
    result = verify_log(entries, [*resigned, kept])
    assert result.problem is Problem.MISMATCH
    assert result.first_bad == 54


def test_first_seq_offsets_the_numbers():
    entries = [StoredEntry(e.seq + 1, e.data, e.leaf_hash) for e in _honest()]
    assert verify_log(entries, CHECKPOINTS, first_seq=1).ok
    del entries[9]
    assert verify_log(entries, CHECKPOINTS, first_seq=1).first_bad == 10


@pytest.mark.parametrize(
    ("checkpoints", "detail"),
    [
        ([(10, b"short")], "not 32 bytes"),
        ([(-1, CHECKPOINTS[0][1])], "size -1"),
        ([CHECKPOINTS[0], (10, CHECKPOINTS[1][1])], "forked"),
    ],
)
def test_unusable_checkpoints_are_reported(checkpoints, detail):
    result = verify_log(_honest(), checkpoints)
    assert result.problem is Problem.BAD_CHECKPOINT
    assert detail in result.detail


def test_empty_log_checkpoint():
    assert verify_log([], [(0, root([]))]).ok
    assert verify_log([], [(0, leaf_hash(b"x"))]).problem is Problem.MISMATCH


def test_a_checkpoint_that_is_not_a_pair_is_reported():
    result = verify_log(_honest(), [(10, CHECKPOINTS[0][1], "extra")])
    assert result.problem is Problem.BAD_CHECKPOINT


def test_hashes_added_in_short_runs_give_the_same_result(monkeypatch):
    monkeypatch.setattr("contactpoint.audit.verification.PENDING", 7)
    assert verify_log(_honest(), CHECKPOINTS).ok
    entries = _honest()
    forged = b'{"seq": 37, "event": "edited"}'
    entries[37] = StoredEntry(37, forged, leaf_hash(forged))
    result = verify_log(entries, CHECKPOINTS)
    assert (result.problem, result.earliest, result.first_bad) == (Problem.MISMATCH, 30, 39)


def test_database_rows_are_accepted_as_they_come():
    # (seq, data, leaf_hash) tuples, bytes or memoryview, as psycopg and sqlite3 return them.
    rows = [(e.seq, memoryview(e.data), memoryview(e.leaf_hash)) for e in _honest()]
    assert verify_log(iter(rows), CHECKPOINTS).ok
    rows[61] = (61, memoryview(b"edited"), rows[61][2])
    result = verify_log(iter(rows), CHECKPOINTS)
    assert (result.problem, result.first_bad) == (Problem.ALTERED, 61)


def test_a_sequence_that_is_not_a_number_is_named_not_raised():
    entries = _honest()
    entries[3] = StoredEntry(None, entries[3].data, None)  # type: ignore[arg-type]
    result = verify_log(entries, CHECKPOINTS)
    assert (result.problem, result.first_bad) == (Problem.ALTERED, 3)
