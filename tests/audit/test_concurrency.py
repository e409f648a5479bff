"""Many writers auditing at once while sequencers run: no gaps, no duplicates, a valid log."""

from __future__ import annotations

import os
import random
import threading

import pytest
from django.db import connection, connections, transaction

from contactpoint.audit import hooks, trail
from contactpoint.audit.models import Entry, Leaf, Pending
from databases import ALL_DATABASES

WRITERS = 6
EACH = 40


# SQLite has one writer at a time by design (and the suite's SQLite database is in memory,
# where threads share one cache and lock tables); the question is PostgreSQL's.
def _rolled_back(n: int) -> None:
    with transaction.atomic():
        hooks.record("child:search", actor=hooks.operator(f"gone{n}"))
        raise RuntimeError


@pytest.mark.skipif(os.environ.get("CONTACTPOINT_TEST_ENGINE") != "postgres",
                    reason="many writers at once is a PostgreSQL question")
@pytest.mark.django_db(transaction=True, databases=ALL_DATABASES)
def test_parallel_writers_and_sequencers_leave_one_gapless_log(keystore):
    errors: list[BaseException] = []
    writing = threading.Event()

    def writer(n: int) -> None:
        try:
            rng = random.Random(n)
            for i in range(EACH):
                with transaction.atomic():
                    hooks.record("child:search", actor=hooks.operator(f"w{n}"),
                                 personal={"criteria": {"family_name": f"N{n}-{i}"}})
                    if rng.random() < 0.2:  # some transactions stay open a while
                        connection.cursor().execute("SELECT 1")
                        threading.Event().wait(rng.random() / 50)
                if rng.random() < 0.1:  # and some roll back: their entries never count
                    with pytest.raises(RuntimeError):
                        _rolled_back(n)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def sequencer() -> None:
        try:
            while writing.is_set():
                trail.sequence(batch=7)
                if random.random() < 0.1:
                    trail.sign_checkpoint()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    writing.set()
    sequencers = [threading.Thread(target=sequencer) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in [*sequencers, *writers]:
        thread.start()
    for thread in writers:
        thread.join()
    writing.clear()
    for thread in sequencers:
        thread.join()
    assert errors == []
    trail.sequence()
    trail.sign_checkpoint()

    entries = Entry.objects.count()
    assert entries == WRITERS * EACH
    assert not Entry.objects.filter(actor__startswith="operator:gone").exists()
    seqs = list(Leaf.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(entries))
    assert Leaf.objects.values("entry_id").distinct().count() == entries
    assert not Pending.objects.exists()
    found = trail.verify()
    assert found.ok, found.describe()
