"""The bulk helpers' rows look the same on both engines: bytes as bytes, aware times."""

from datetime import date, datetime

from django.utils import timezone

from contactpoint.crypto.models import DataKey
from contactpoint.db import bulk
from contactpoint.db.dialect.sqlite import statement_chunks
from contactpoint.identity.models import BlindIndexEntry, SourceRecord
from contactpoint.loading.loader import ingest_file
from contactpoint.matching.models import ReviewItem, ReviewStatus
from databases import both_databases
from factories import feed_row, write_jsonl


@both_databases
def test_select_in_gives_bytes_and_aware_date_times_on_either_engine(keystore):
    keystore.create_child_keys(["1111111116", "2222222224"])
    rows = bulk.select_in(DataKey, ["owner", "wrapped", "created_at"], "owner",
                          ["2222222224", "3333333331"])
    assert len(rows) == 1
    owner, wrapped, created_at = rows[0]
    assert owner == "2222222224"
    assert type(wrapped) is bytes
    assert len(wrapped) > 32
    assert isinstance(created_at, datetime)
    assert created_at.utcoffset() is not None


@both_databases
def test_append_rows_numbers_the_rows_itself_and_keeps_bytes_and_json(tmp_path, keystore):
    ingest_file("school_census", write_jsonl(tmp_path / "f.jsonl", [feed_row(), feed_row()]),
                today=date(2026, 11, 22))
    one, two = SourceRecord.objects.order_by("pk")
    held = set(BlindIndexEntry.objects.values_list("pk", flat=True))
    tokens = [bytes([i]) * 16 for i in range(3)]
    bulk.append_rows(BlindIndexEntry, ["token", "source_record", "child"],
                     [(t, one.pk, one.child_id) for t in tokens])
    added = BlindIndexEntry.objects.exclude(pk__in=held)
    assert sorted(bytes(e.token) for e in added) == tokens
    assert len({e.pk for e in added} | held) == len(held) + 3
    now = timezone.now()
    bulk.append_rows(ReviewItem, ["source_record", "candidate", "score", "reason",
                                  "explanation", "status", "created_at"],
                     [(two.pk, one.child_id, 12.5, "why", [["given_name", "exact", 8.5]],
                       ReviewStatus.OPEN, now)])
    item = ReviewItem.objects.get(source_record=two, candidate=one.child_id)
    assert item.explanation == [["given_name", "exact", 8.5]]
    assert item.created_at == now
    bulk.append_rows(ReviewItem, ["source_record"], [])  # nothing to write, no statement


@both_databases
def test_insert_rows_in_many_statements_returns_the_keys_in_order(tmp_path, keystore):
    import pytest  # noqa: PLC0415
    from django.db import IntegrityError, transaction  # noqa: PLC0415

    ingest_file("school_census", write_jsonl(tmp_path / "f.jsonl", [feed_row()]),
                today=date(2026, 11, 22))
    record = SourceRecord.objects.get()
    # More rows than one statement takes (SQLite's parameter limit): several statements.
    tokens = [i.to_bytes(16, "big") for i in range(bulk.MAX_PARAMS // 3 + 7)]
    ids = bulk.insert_rows(BlindIndexEntry, ["token", "source_record", "child"],
                           [(t, record.pk, record.child_id) for t in tokens])
    assert len(set(ids)) == len(tokens)
    held = dict(BlindIndexEntry.objects.filter(pk__in=ids).values_list("pk", "token"))
    assert [bytes(held[i]) for i in ids] == tokens
    # Rows carrying their own keys; a key taken fails as Django's IntegrityError.
    top = max(ids)
    bulk.insert_rows(BlindIndexEntry, ["id", "token", "source_record", "child"],
                     [(top + n, b"k" * 16, record.pk, record.child_id)
                      for n in range(1, bulk.MAX_PARAMS // 4 + 3)])
    assert BlindIndexEntry.objects.filter(token=b"k" * 16).count() == bulk.MAX_PARAMS // 4 + 2
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(BlindIndexEntry, ["id", "token", "source_record", "child"],
                         [(top + 1, b"x" * 16, record.pk, record.child_id)])


def test_inserts_of_any_length_take_few_shapes_of_statement():
    # sqlite3 keeps a connection's prepared statements, megabytes each at thousands of
    # rows: a statement for every length of rest would grow a long load's memory.
    shapes = set()
    for n in [*range(300), 9_999, 10_000, 10_001, 23_717, 54_321]:
        rows = [(i, i, i) for i in range(n)]
        chunks = statement_chunks(rows, 3)
        assert [row for chunk in chunks for row in chunk] == rows
        assert all(len(chunk) * 3 <= bulk.MAX_PARAMS for chunk in chunks)
        shapes |= {len(chunk) for chunk in chunks}
    assert len(shapes) <= 15
