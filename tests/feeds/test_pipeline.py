"""The reading worker: its rows reach the loader, and its death is never a silent hang."""

import gc
import os
from datetime import UTC, date, datetime

import pytest

from contactpoint.feeds import pipeline
from contactpoint.feeds.pipeline import FeedReaderDied, checked_rows
from factories import feed_row, write_jsonl

TODAY = date(2026, 11, 1)
NOW = datetime(2026, 11, 2, tzinfo=UTC)


def test_every_row_arrives_in_file_order(tmp_path):
    path = write_jsonl(tmp_path / "f.jsonl", [feed_row() for _ in range(3)])
    got = list(checked_rows(path, today=TODAY, now=NOW))
    assert [c.row.line for c in got] == [1, 2, 3]


def test_a_reader_that_dies_is_an_error_not_a_hang(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "WORKER_POLL_SECONDS", 0.1)
    path = write_jsonl(tmp_path / "f.jsonl", [feed_row() for _ in range(3)])

    def crash(row):  # runs in the worker, as a segmentation fault or the OOM killer would
        os._exit(7)

    with pytest.raises(FeedReaderDied, match="exit code 7"):
        list(checked_rows(path, today=TODAY, now=NOW, prepare=crash))


class _Noisy:
    """Writes the pid of whichever process frees it."""

    def __init__(self, log):
        self.log = log
        self.cycle = self

    def __del__(self):
        with open(self.log, "a") as out:
            out.write(f"{os.getpid()}\n")


def test_the_worker_never_frees_what_it_inherited(tmp_path):
    # Garbage left in the parent when it forks (a cycle nobody has collected yet) must
    # not be collected in the worker: C extensions' objects have crashed it that way.
    log = tmp_path / "freed"
    path = write_jsonl(tmp_path / "f.jsonl", [feed_row()])
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _Noisy(log)  # unreachable at once, freed only by the cycle collector

        def collect(row):
            gc.collect()

        list(checked_rows(path, today=TODAY, now=NOW, prepare=collect))
        gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    assert log.read_text().split() == [str(os.getpid())]


@pytest.mark.parametrize("rows", [0, 1, 6, 7, 9])
def test_two_workers_hand_over_every_row_in_file_order(tmp_path, monkeypatch, rows):
    # Chunks of three rows, taken from the two workers in turn: the file ends inside a
    # chunk, at a chunk's end, and before the first.
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 3)
    path = write_jsonl(tmp_path / "f.jsonl", [feed_row() for _ in range(rows)])
    got = list(checked_rows(path, today=TODAY, now=NOW, workers=2,
                            prepare=lambda row: os.getpid()))
    assert [c.row.line for c in got] == list(range(1, rows + 1))
    if rows > 3:  # the second chunk was checked by another process than the first
        assert got[0].prepared != got[3].prepared


def test_a_reader_pool_reads_file_after_file_with_the_same_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 3)
    sizes = [7, 6, 0, 2]
    paths = [write_jsonl(tmp_path / f"{i}.jsonl", [feed_row() for _ in range(n)])
             for i, n in enumerate(sizes)]

    def prepare_for(source):
        return lambda row: (source, os.getpid())

    with pipeline.ReaderPool(today=TODAY, now=NOW, workers=2,
                             prepare_for=prepare_for) as pool:
        got = [list(pool.rows(path, f"s{i}")) for i, path in enumerate(paths)]
    assert [[c.row.line for c in rows] for rows in got] == [list(range(1, n + 1))
                                                            for n in sizes]
    assert {c.prepared[0] for c in got[1]} == {"s1"}
    workers = {c.prepared[1] for rows in got for c in rows}
    assert len(workers) == 2  # forked once, for every file
    assert os.getpid() not in workers


def test_a_reader_pool_reports_a_file_it_cannot_read(tmp_path):
    pool = pipeline.ReaderPool(today=TODAY, now=NOW, workers=2)
    try:
        with pytest.raises(pipeline.FeedFileError, match="missing"):
            list(pool.rows(tmp_path / "missing.jsonl", "s"))
    finally:
        pool.close()
    assert not any(proc.is_alive() for proc in pool._procs)
