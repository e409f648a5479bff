"""Per-child chaining: each entry about a child names the one before it about that child."""

from __future__ import annotations

import dataclasses
import os
import random
import threading

import pytest
from django.db import connection, connections, transaction

from contactpoint.audit import chain, guard, hooks, trail
from contactpoint.audit.models import ChildHead, Entry, Head, Leaf
from contactpoint.crypto.keystore import get_keystore
from contactpoint.identity.identifiers import new_contactpoint_id
from databases import ALL_DATABASES, both_databases

A, B, C = (new_contactpoint_id() for _ in range(3))


def _search(*children: str) -> None:
    hooks.record("child:search", actor=hooks.operator("tester"),
                 personal={"criteria": {"family_name": "Okafor"}},
                 details={"results": list(children)})


def _chain_of(child: str) -> list[tuple[int, int | None]]:
    """(seq, prev) of each placed entry about `child`, in log order."""
    found = []
    for seq, children, links in (Leaf.objects.order_by("seq")
                                 .values_list("seq", "entry__children", "links")):
        ids = children.split()
        if child in ids and links is not None:
            found.append((seq, chain.parse_prevs(links)[ids.index(child)]))
    return found


def _is_whole_chain(pairs: list[tuple[int, int | None]]) -> bool:
    return all(prev == (pairs[i - 1][0] if i else None) for i, (_, prev) in enumerate(pairs))


@pytest.fixture
def trail_dir(settings, tmp_path):
    settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT, data_dir=tmp_path)
    get_keystore().create_child_keys([A, B, C])


@both_databases
def test_each_entry_about_a_child_names_the_one_before_it(trail_dir):
    _search(A, B)
    hooks.record("child:record:view", actor=hooks.operator("tester"), subject=A, reason="x")
    trail.sequence()
    _search(B)
    _search(C, A)
    hooks.record("account:signout", actor=hooks.operator("tester"))
    trail.sequence()
    assert _chain_of(A) == [(0, None), (1, 0), (3, 1)]
    assert _chain_of(B) == [(0, None), (2, 0)]
    assert _chain_of(C) == [(3, None)]
    assert Leaf.objects.get(seq=4).links == ""  # about no child: chained, with no links
    assert dict(ChildHead.objects.values_list("contactpoint_id", "seq")) == {A: 3, B: 2, C: 3}
    trail.sign_checkpoint()
    assert trail.verify().ok


@both_databases
def test_a_changed_link_no_longer_verifies(trail_dir):
    _search(A)
    _search(A)
    trail.sign_checkpoint()
    with connection.cursor() as cursor:
        for statement in guard.remove_sql(connection):
            cursor.execute(statement)
        cursor.execute("UPDATE audit_leaf SET links = '-' WHERE seq = 1")
    found = trail.verify().log
    assert (found.problem, found.first_bad) == ("altered", 1)


@both_databases
def test_the_leaf_hides_who_and_which_other_children(trail_dir):
    hooks.record("child:search", actor=hooks.operator("jo.bloggs"),
                 details={"results": [A, B]}, personal={"criteria": {"family_name": "Okafor"}})
    trail.sequence()
    leaf = Leaf.objects.get(seq=0)
    entry = Entry.objects.get(pk=leaf.entry_id)
    columns = [getattr(entry, c) for c in trail.COLUMNS]
    data = trail.leaf_data(0, columns, leaf.links)
    assert data.startswith(b'["cp-chain-1",0,')
    for secret in (b"jo.bloggs", A.encode(), B.encode(), b"Okafor"):
        assert secret not in data
    assert b"child:search" in data


@both_databases
def test_entries_from_before_chaining_are_left_as_they_were_and_linked_to(trail_dir):
    _search(A)
    _search(A, B)
    trail.sequence()
    # As an upgraded trail looks: these two placed before chaining, without links.
    with connection.cursor() as cursor:
        for statement in guard.remove_sql(connection):
            cursor.execute(statement)
        for seq in (0, 1):
            leaf = Leaf.objects.get(seq=seq)
            entry = Entry.objects.get(pk=leaf.entry_id)
            old = trail.leaf_data(seq, [getattr(entry, c) for c in trail.COLUMNS])
            from contactpoint.audit.merkle import leaf_hash  # noqa: PLC0415

            cursor.execute("UPDATE audit_leaf SET links = NULL, leaf_hash = %s WHERE seq = %s",
                           [leaf_hash(old), seq])
        cursor.execute("DELETE FROM audit_child_head")
        # The tree's head as the old sequencer left it, and where chaining began.
        from contactpoint.audit.merkle import TreeBuilder  # noqa: PLC0415

        tree = TreeBuilder()
        for seq in (0, 1):
            tree.append(bytes(Leaf.objects.get(seq=seq).leaf_hash))
        Head.objects.filter(pk=1).update(frontier=tree.frontier(), chained_from=2)
    _search(B)
    _search(A)
    trail.sign_checkpoint()
    assert _chain_of(A)[-1] == (3, 1)  # back to its latest entry from before
    assert _chain_of(B)[-1] == (2, 1)
    assert trail.verify().ok


@pytest.mark.skipif(os.environ.get("CONTACTPOINT_TEST_ENGINE") != "postgres",
                    reason="many writers at once is a PostgreSQL question")
@pytest.mark.django_db(transaction=True, databases=ALL_DATABASES)
def test_chains_stay_whole_with_many_writers_and_sequencers(keystore):
    get_keystore().create_child_keys([A, B, C])
    errors: list[BaseException] = []
    writing = threading.Event()

    def writer(n: int) -> None:
        try:
            rng = random.Random(n)
            for _ in range(30):
                with transaction.atomic():
                    _search(*rng.sample([A, B, C], rng.randint(1, 3)))
                    if rng.random() < 0.2:
                        threading.Event().wait(rng.random() / 50)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def sequencer() -> None:
        try:
            while writing.is_set():
                trail.sequence(batch=5)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    writing.set()
    sequencers = [threading.Thread(target=sequencer) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(5)]
    for thread in [*sequencers, *writers]:
        thread.start()
    for thread in writers:
        thread.join()
    writing.clear()
    for thread in sequencers:
        thread.join()
    assert errors == []
    trail.sign_checkpoint()
    for child in (A, B, C):
        pairs = _chain_of(child)
        assert len(pairs) > 10
        assert _is_whole_chain(pairs), child
    assert trail.verify().ok
