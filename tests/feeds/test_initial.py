"""The initial load: the same children, links, decisions and derived records as loading
the same files one after another with `ingest`, written in bulk; an index that is not
empty refused; a dead run cleared and done again."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import threading
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from test_kill import (
    alive,
    children_of,
    committed_source_records,
    contactpoint,
    source_records_after_the_kill,
)
from test_kill import partition as cli_partition

import trail
from contactpoint.access.models import SourceSystem
from contactpoint.bench.match_memory import feed_files
from contactpoint.feeds.models import FeedLoad
from contactpoint.identity.links import export_links
from contactpoint.identity.models import BlindIndexEntry, Child, SourceRecord
from contactpoint.identity.store import open_child_record, open_payload
from contactpoint.loading.initial import MARKER, InitialLoadError, Spool, initial_load
from contactpoint.loading.loader import ingest_file, unfinished_initial_loads
from contactpoint.matching.models import MatchDecision, ReviewItem
from contactpoint.synth import generate
from databases import both_databases
from factories import feed_row, write_jsonl
from waiting import wait_for

TODAY = date(2026, 11, 1)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feeds")
    generate(600, 21, folder, today=TODAY)
    return folder


def snapshot(keystore, tmp_path):
    """What a load made, independent of ids: each child's records (with their states),
    its derived record, and each record's decision and blind-index tokens."""
    export_links(tmp_path / "links.csv")
    groups = defaultdict(set)
    with open(tmp_path / "links.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            groups[row["contactpoint_id"]].add((row["source"], row["source_id"],
                                                row["state"]))
    derived = {}
    empty = 0  # children left without records (their records deleted)
    group_of = {}  # a child's primary key -> its records
    for child in Child.objects.all():
        record = open_child_record(keystore, child)
        group_of[child.pk] = frozenset(groups[child.contactpoint_id])
        if not groups[child.contactpoint_id]:
            empty += 1
            continue
        derived[frozenset(groups[child.contactpoint_id])] = record
    derived[frozenset()] = empty
    key_of = dict(SourceRecord.objects.values_list("pk", "source_key"))
    records = {}
    for sr in SourceRecord.objects.select_related("source", "child", "match_decision"):
        if sr.deleted:
            records[(sr.source.name, sr.source_key)] = "deleted"
            continue
        decision = sr.match_decision
        # The candidates a decision names, whatever their primary keys.
        candidates = [(group_of[c["child"]], c["record"] and bytes(key_of[c["record"]]),
                       c["score"]) for c in decision.candidates]
        records[(sr.source.name, open_payload(keystore, sr.child.contactpoint_id, sr)[
            "record"]["source_id"])] = (
            decision.state, decision.score, candidates,
            sorted(bytes(t) for t in BlindIndexEntry.objects.filter(source_record=sr)
                   .values_list("token", flat=True)))
    reviews = sorted((bytes(key_of[r.source_record_id]), sorted(group_of[r.candidate_id]),
                      r.score, r.reason, r.status) for r in ReviewItem.objects.all())
    return derived, records, reviews


def clear_index():
    for model in (ReviewItem, MatchDecision, BlindIndexEntry, SourceRecord, Child):
        model.objects.all().delete()
    FeedLoad.objects.all().delete()


@both_databases
def test_initial_load_makes_what_ingest_makes(feeds, keystore, tmp_path):
    files = [(f.stem, f) for f in feed_files(feeds)]
    summary = initial_load(files, today=TODAY, workers=1, buckets=5)
    bulk = snapshot(keystore, tmp_path)
    assert summary.records == SourceRecord.objects.count()
    assert summary.children == Child.objects.count()
    assert not FeedLoad.objects.filter(finished_at__isnull=True).exists()
    with connection.cursor() as cursor:  # dropped for the load, built again at its end
        assert "blind_index_token_child" in connection.introspection.get_constraints(
            cursor, BlindIndexEntry._meta.db_table)
    assert [load.counts["read"] for load in FeedLoad.objects.order_by("pk")] == [
        f.read_bytes().count(b"\n") for _, f in files]

    clear_index()
    for source, path in files:
        ingest_file(source, path, today=TODAY)
    one_by_one = snapshot(keystore, tmp_path)

    assert bulk[0] == one_by_one[0]  # the same children, derived alike
    assert bulk[1] == one_by_one[1]  # the same decisions and tokens
    assert bulk[2] == one_by_one[2]  # the same review items
    states = {v[0] for v in bulk[1].values()}
    assert states == {"new", "auto", "review"}
    assert bulk[2]  # there was something to review


@both_databases
def test_updates_and_deletes_in_a_first_load_end_as_ingest_leaves_them(keystore, tmp_path):
    # In batches of two: a record sent again later, one deleted, one deleted and back.
    first, second, gone, back, other = (feed_row() for _ in range(5))

    def later(row, day, **changes):
        return {**row, "recorded_at": f"2026-11-{day:02d}T10:00:00Z", **changes}

    def delete(row, day):
        return {"source_id": row["source_id"], "action": "delete",
                "recorded_at": f"2026-11-{day:02d}T10:00:00Z"}

    rows = [first, second, gone, back, later(first, 5, family_name="Newname"),
            delete(gone, 5), delete(back, 6), other, later(back, 7, given_names="Returned")]
    path = write_jsonl(tmp_path / "a.jsonl", rows)
    initial_load([("school_census", path)], today=TODAY, workers=1, buckets=3, batch_size=2)
    bulk = snapshot(keystore, tmp_path)
    clear_index()
    ingest_file("school_census", path, today=TODAY, batch_size=2)
    one_by_one = snapshot(keystore, tmp_path)
    assert one_by_one == bulk
    assert sum(v == "deleted" for v in bulk[1].values()) == 1
    assert len(bulk[1]) == 5


@both_databases
def test_an_index_with_children_is_refused(feeds, keystore):
    path = feed_files(feeds)[-1]
    ingest_file(path.stem, path, today=TODAY)
    before, keys, indexes = SourceRecord.objects.count(), constraints(), filled_indexes()
    with pytest.raises(InitialLoadError, match="only for an empty index"):
        initial_load([(path.stem, path)], today=TODAY, workers=1)
    assert SourceRecord.objects.count() == before
    assert not unfinished_initial_loads().exists()  # no marker left behind
    assert (constraints(), filled_indexes()) == (keys, indexes)  # nothing dropped


@both_databases
def test_a_dead_initial_load_is_cleared_and_done_again(feeds, keystore, tmp_path):
    files = [(f.stem, f) for f in feed_files(feeds)][-2:]
    initial_load(files, today=TODAY, workers=1, buckets=4)
    clean = snapshot(keystore, tmp_path)
    # As a run killed in its writing phase leaves it: markers unfinished, some rows in.
    FeedLoad.objects.update(finished_at=None, counts=MARKER)
    ReviewItem.objects.all().delete()
    dead_children = list(Child.objects.values_list("contactpoint_id", flat=True))
    start = trail.mark()
    summary = initial_load(files, today=TODAY, workers=1, buckets=4, by="ops.alex")
    assert summary.cleared
    # Clearing a whole index is audited; so is the load, once, with each file's counts.
    cleared, loaded = [e for e in trail.entries(after=start)
                       if e["event"].startswith("feeds:initial-load")]
    assert (cleared["event"], cleared["actor"]) == ("feeds:initial-load:clear",
                                                    "operator:ops.alex")
    assert cleared["details"]["children"] == len(dead_children)
    assert (loaded["event"], loaded["actor"]) == ("feeds:initial-load:finish",
                                                  "operator:ops.alex")
    assert [(f["source"], f["read"]) for f in loaded["details"]["files"]] == [
        (source, counts["read"]) for source, _, counts in summary.files]
    assert loaded["details"]["children"] == summary.children
    assert loaded["details"]["cleared"] is True
    assert snapshot(keystore, tmp_path) == clean
    # The dead run's children are gone, and so are their keys.
    assert not keystore.owners_present(dead_children)


FILLED = (Child, SourceRecord, BlindIndexEntry, MatchDecision, ReviewItem)


def constraints() -> set[tuple[str, ...]]:
    """Every foreign key and unique constraint of the tables an initial load fills, as
    the database holds it."""
    tables = [m._meta.db_table for m in FILLED]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT conrelid::regclass::text, conname, "
                           "pg_get_constraintdef(oid), convalidated::text FROM pg_constraint "
                           "WHERE contype IN ('f', 'u') "
                           "AND conrelid::regclass::text = ANY(%s)", [tables])
            return set(cursor.fetchall())
        held = set()
        for table in tables:
            cursor.execute(f"PRAGMA foreign_key_list({table})")
            held |= {(table, *map(str, row)) for row in cursor.fetchall()}
            cursor.execute(f"PRAGMA index_list({table})")
            held |= {(table, *map(str, row)) for row in cursor.fetchall() if row[3] == "u"}
        return held


def filled_indexes() -> set[tuple[str, str, tuple[str, ...], bool]]:
    """Every index of the tables an initial load fills, but the primary keys: table,
    name, columns and whether unique."""
    with connection.cursor() as cursor:
        return {(model._meta.db_table, name, tuple(info["columns"]), info["unique"])
                for model in FILLED
                for name, info in connection.introspection.get_constraints(
                    cursor, model._meta.db_table).items()
                if info["index"] and not info["primary_key"]}


@both_databases
def test_the_keys_and_indexes_are_there_after_a_load_and_after_a_dead_one(feeds, keystore):
    from contactpoint.loading.initial.markers import CONSTRAINTS, INDEXES  # noqa: PLC0415
    from contactpoint.loading.initial.tables import (  # noqa: PLC0415
        drop_constraints,
        drop_indexes,
    )

    held = constraints()
    # Each table has its foreign keys, and its unique constraints.
    assert {key[0] for key in held} == {m._meta.db_table for m in FILLED}
    indexes = filled_indexes()
    names = {index[1] for index in indexes}
    assert {"blind_index_token_child", "blind_index_source_record", "child_status"} <= names
    files = [(f.stem, f) for f in feed_files(feeds)][-2:]
    initial_load(files, today=TODAY, workers=1, buckets=2)
    assert constraints() == held
    assert filled_indexes() == indexes
    # A run that died after dropping them names them in its marker.
    with transaction.atomic():
        dropped = drop_constraints()
        dropped_indexes = drop_indexes()
    # Every index that is not a constraint's (nor the primary key's) is gone.
    assert not filled_indexes()
    assert {d[1] for d in dropped_indexes} == {i[1] for i in indexes}
    if connection.vendor == "postgresql":
        assert {tuple(d) for d in dropped} == {key[:3] for key in held}
        assert not constraints()
    else:
        assert not dropped  # SQLite cannot drop them from its tables
    FeedLoad.objects.update(finished_at=None, counts={**MARKER, CONSTRAINTS: dropped,
                                                      INDEXES: dropped_indexes})
    summary = initial_load(files, today=TODAY, workers=1, buckets=2)
    assert summary.cleared
    assert constraints() == held
    assert filled_indexes() == indexes
    # And they hold: a blind-index entry naming no record is refused.
    with pytest.raises(IntegrityError):
        entry_naming_no_record(Child.objects.first())


def entry_naming_no_record(child: Child) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        BlindIndexEntry.objects.create(token=b"t" * 16, child=child, source_record_id=10**9)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        else:  # checked at commit, which a test's transaction never reaches
            cursor.execute("PRAGMA foreign_key_check(identity_blindindexentry)")
            if cursor.fetchall():
                raise IntegrityError("an entry names no record")


@both_databases
def test_a_second_load_is_refused_while_one_runs_and_its_spool_kept(feeds, keystore, tmp_path):
    import socket  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from contactpoint.loading.initial import SPOOL_PREFIX  # noqa: PLC0415

    path = feed_files(feeds)[-1]
    # A process of this host that is a running initial load (by its command line).
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                                "initial-load"])
    spool = Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{running.pid}-"))
    try:
        marker = {**MARKER, "host": socket.gethostname(), "pid": running.pid}
        FeedLoad.objects.create(source=SourceSystem.objects.get_or_create(name="x")[0],
                                file_name="x.jsonl", counts=marker)
        with pytest.raises(InitialLoadError, match=f"already running \\(process {running.pid}"):
            initial_load([(path.stem, path)], today=TODAY, workers=1)
        assert spool.exists()
        running.kill()
        running.wait()
        # Now it is dead: its marker and spool are cleared, and this load runs.
        summary = initial_load([(path.stem, path)], today=TODAY, workers=1)
        assert summary.cleared
        assert not spool.exists()
    finally:
        running.kill()
        shutil.rmtree(spool, ignore_errors=True)


@both_databases
def test_a_load_of_another_host_is_cleared_only_when_the_operator_says_it_is_dead(feeds,
                                                                                  keystore):
    import socket  # noqa: PLC0415

    path = feed_files(feeds)[-1]
    elsewhere = f"not-{socket.gethostname()}"
    # A process number alive here, which means nothing for a marker of another host.
    marker = {**MARKER, "host": elsewhere, "pid": os.getpid()}
    FeedLoad.objects.create(source=SourceSystem.objects.get_or_create(name="x")[0],
                            file_name="x.jsonl", counts=marker)
    with pytest.raises(InitialLoadError, match=f"--dead-host {elsewhere}"):
        initial_load([(path.stem, path)], today=TODAY, workers=1)
    # Naming some other host changes nothing.
    with pytest.raises(InitialLoadError, match="already running"):
        initial_load([(path.stem, path)], today=TODAY, workers=1,
                     dead_hosts=["some-other-machine"])
    assert FeedLoad.objects.filter(file_name="x.jsonl").exists()
    summary = initial_load([(path.stem, path)], today=TODAY, workers=1,
                           dead_hosts=[elsewhere])
    assert summary.cleared
    assert not FeedLoad.objects.filter(file_name="x.jsonl").exists()
    assert Child.objects.exists()


def test_the_spool_reveals_nothing_and_reads_back_what_was_put(tmp_path):
    spool = Spool(2, parent=tmp_path)
    secret = b"Wojcik 2015-03-04 SW1A 1AA"
    spool.put(1, secret)
    spool.put(1, b"second")
    spool.put_many(1, [b"", b"third", b"x" * 70_000])
    spool.close()
    on_disk = b"".join(p.read_bytes() for p in spool.folder.iterdir())
    assert secret not in on_disk
    assert b"Wojcik" not in on_disk
    assert list(spool.read(1)) == [secret, b"second", b"", b"third", b"x" * 70_000]
    assert list(spool.read(0)) == []
    assert oct(spool.folder.stat().st_mode & 0o777) == "0o700"
    # An entry moved into another bucket's file does not open there.
    (spool.folder / "0.spool").write_bytes((spool.folder / "1.spool").read_bytes())
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415

    with pytest.raises(InvalidTag):
        list(spool.read(0))
    spool.remove()
    assert not spool.folder.exists()


def test_missing_and_repeated_files_are_refused_before_anything_is_written(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [feed_row()])
    with pytest.raises(InitialLoadError, match="given twice"):
        initial_load([("a", path), ("b", path)])
    from contactpoint.feeds.reader import FeedFileError  # noqa: PLC0415

    with pytest.raises(FeedFileError, match="no-such"):
        initial_load([("a", tmp_path / "no-such.jsonl")])


@pytest.mark.slow
def test_command_line_load_with_writers_killed_then_rerun_equals_ingest(tmp_path):
    """Two reading workers and two forked writers, through the command line; killed with
    SIGKILL while writing, run again, it ends as loading the files one by one does."""
    feeds = tmp_path / "feeds"
    generate(3000, 13, feeds, today=TODAY)
    files = [str(f) for f in feed_files(feeds)]

    one_by_one = tmp_path / "one_by_one"
    contactpoint(one_by_one, "init")
    for path in files:
        contactpoint(one_by_one, "ingest", "--source", os.path.basename(path)[:-6], path,
                     "--today", TODAY.isoformat(), "--quiet")

    bulk = tmp_path / "bulk"
    contactpoint(bulk, "init")
    run = contactpoint(bulk, "initial-load", *files, "--today", TODAY.isoformat(),
                       "--workers", "2", wait=False)
    # Kill it once the writers have committed something, and before they are done: the
    # first commit comes after every file is read and placed, which on a busy machine
    # takes minutes, so the test waits for the commit itself, however long it takes.
    wait_for(lambda: committed_source_records(bulk), "the writers' first commit",
             unless=lambda: run.poll() is not None)
    writers = children_of(run.pid)
    assert len(writers) == 2
    run.send_signal(signal.SIGKILL)
    run.wait()
    # The writers die with it (they ask the kernel to kill them when their parent goes).
    wait_for(lambda: not any(alive(pid) for pid in writers), "the writers' end")
    assert source_records_after_the_kill(bulk) > 0
    # Run again as `initial-load feeds/*.jsonl` would: the rejects files are left out.
    rejects = sorted(str(f) for f in feeds.glob("*.rejects.jsonl"))
    assert rejects
    done = contactpoint(bulk, "initial-load", *files, *rejects, "--today", TODAY.isoformat(),
                        "--workers", "2", "--quiet")
    assert "earlier initial load had not finished" in done.stdout
    assert "source records" in done.stdout
    assert done.stderr.count("left out") == len(rejects)
    assert cli_partition(bulk) == cli_partition(one_by_one)


@both_databases
def test_ingest_waits_for_an_unfinished_initial_load(feeds, keystore):
    from contactpoint.feeds.reader import FeedFileError  # noqa: PLC0415

    path = feed_files(feeds)[-1]
    FeedLoad.objects.create(source=SourceSystem.objects.get_or_create(name="x")[0],
                            file_name="x.jsonl", counts=MARKER)
    with pytest.raises(FeedFileError, match="initial load"):
        ingest_file(path.stem, path, today=TODAY)
    assert SourceRecord.objects.count() == 0


@pytest.mark.slow
def test_a_terminated_load_removes_its_spool(tmp_path):
    import tempfile  # noqa: PLC0415

    from contactpoint.loading.initial import SPOOL_PREFIX  # noqa: PLC0415

    feeds = tmp_path / "feeds"
    generate(2000, 17, feeds, today=TODAY)
    data = tmp_path / "data"
    contactpoint(data, "init")
    run = contactpoint(data, "initial-load", *map(str, feed_files(feeds)), "--today",
                       TODAY.isoformat(), wait=False)
    pattern = f"{SPOOL_PREFIX}{run.pid}-*"
    progress: list[bytes] = []

    def read_progress() -> None:  # its stderr, line by line, as it comes
        for line in iter(run.stderr.readline, b""):
            progress.append(line)

    reading = threading.Thread(target=read_progress)
    reading.start()
    # Stopped while placing, well inside the load: once it has placed its first file.
    wait_for(lambda: any(line.startswith(b"placed ") for line in list(progress)),
             "the first file placed", unless=lambda: run.poll() is not None)
    assert len(list(Path(tempfile.gettempdir()).glob(pattern))) == 2, "no spools appeared"
    run.send_signal(signal.SIGTERM)
    run.wait(timeout=60)
    reading.join(timeout=60)
    err = b"".join(progress).decode(errors="replace")
    assert run.returncode == 1, err
    assert "interrupted" in err
    assert not list(Path(tempfile.gettempdir()).glob(pattern)), err


def test_rows_are_numbered_in_the_order_the_writers_write_them():
    from array import array  # noqa: PLC0415

    from contactpoint.loading.initial.writers import numbers_in_write_order  # noqa: PLC0415

    # Records 1 to 8 and their children (0: deleted); children 1 to 5 in two buckets.
    child_of = array("q", [0, 3, 0, 1, 5, 3, 2, 4, 0])
    child_id, record_id = numbers_in_write_order(child_of, 5, 2)
    # Bucket 0 writes children 2 and 4, then bucket 1 children 1, 3 and 5.
    assert list(child_id) == [0, 3, 1, 4, 2, 5]
    # Bucket 0 writes the deleted records (2, 8) first, then the records of children
    # 2 (6) and 4 (7); bucket 1 those of children 1 (3), 3 (1, 5) and 5 (4).
    assert list(record_id) == [0, 6, 1, 5, 8, 7, 3, 4, 2]


@both_databases
def test_a_second_record_with_one_source_key_fails_the_index_built_at_the_end(keystore):
    from django.utils import timezone  # noqa: PLC0415

    from contactpoint.loading.initial.tables import drop_indexes, restore_indexes  # noqa: PLC0415

    with transaction.atomic():
        dropped = drop_indexes()
    assert "source_record_source_key_unique" in {d[1] for d in dropped}
    source = SourceSystem.objects.get_or_create(name="x")[0]
    now = timezone.now()
    for _ in range(2):  # nothing stops the second while the index is gone
        SourceRecord.objects.create(source=source, source_key=b"k" * 16, link_state="new",
                                    recorded_at=now, content_digest=b"d" * 16,
                                    received_at=now, updated_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        restore_indexes(dropped)
    SourceRecord.objects.filter(pk=SourceRecord.objects.order_by("pk").last().pk).delete()
    restore_indexes(dropped)
    assert {i[1] for i in filled_indexes()} == {d[1] for d in dropped}


def test_a_feeds_records_are_estimated_from_its_size(feeds, monkeypatch):
    from contactpoint.loading.initial import memory  # noqa: PLC0415

    monkeypatch.setattr(memory, "SAMPLED_LINES", 100)  # these feeds are small
    sampled = 0
    for path in feed_files(feeds):
        with open(path, "rb") as fh:
            lines = sum(1 for _ in fh)
        estimate = memory.estimated_records(path)
        if lines <= memory.SAMPLED_LINES:
            assert estimate == lines  # read whole
        else:
            sampled += 1
            assert abs(estimate - lines) <= lines * 0.1, (path.name, estimate, lines)
    assert sampled >= 3


@both_databases
def test_a_load_that_would_not_fit_in_memory_is_refused_before_anything_is_written(
        feeds, keystore, monkeypatch):
    from contactpoint.loading.initial import memory  # noqa: PLC0415

    files = [(f.stem, f) for f in feed_files(feeds)]
    records, needed = memory.placing_memory(files)
    assert records > 1000
    assert needed > memory.PLACING_BASE_BYTES
    monkeypatch.setattr(memory, "memory_available", lambda: 2**20)  # 1 MiB left
    keys, indexes = constraints(), filled_indexes()
    with pytest.raises(InitialLoadError, match=r"needs about .* GiB more memory and 0\.00 "
                                               r"GiB is available.*--no-memory-check"):
        initial_load(files, today=TODAY, workers=1)
    assert not SourceRecord.objects.exists()
    assert not Child.objects.exists()
    assert not unfinished_initial_loads().exists()  # no marker left behind
    assert (constraints(), filled_indexes()) == (keys, indexes)  # nothing dropped
    # Told to try anyway, it loads.
    summary = initial_load(files[-1:], today=TODAY, workers=1, memory_check=False)
    assert summary.records == SourceRecord.objects.count() > 0


@pytest.mark.parametrize(("lines", "files", "left"), [
    # cgroup v2: memory.max less the group's anonymous memory.
    ("0::/load\n", {"load/memory.max": "1073741824\n",
                    "load/memory.stat": "anon 73741824\nfile 500000000\n"}, 1_000_000_000),
    ("0::/load\n", {"load/memory.max": "max\n", "load/memory.stat": "anon 1\n"}, None),
    # cgroup v1: the memory controller's limit less its processes' resident memory.
    ("5:cpu,cpuacct:/x\n4:memory:/load\n0::/\n",
     {"memory/load/memory.limit_in_bytes": "1073741824\n",
      "memory/load/memory.stat": "cache 900000000\ntotal_rss 1073741824\n"}, 0),
    ("4:memory:/\n", {"memory/memory.limit_in_bytes": "9223372036854771712\n",
                      "memory/memory.stat": "total_rss 5\n"}, None),  # no limit
    ("4:memory:/gone\n", {}, None),  # nothing to read
])
def test_a_control_groups_memory_limit_is_read(tmp_path, lines, files, left):
    from contactpoint.loading.initial.memory import cgroup_memory_left  # noqa: PLC0415

    (tmp_path / "cgroup").write_text(lines)
    for name, text in files.items():
        (tmp_path / "fs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "fs" / name).write_text(text)
    assert cgroup_memory_left(tmp_path / "cgroup", tmp_path / "fs") == left
