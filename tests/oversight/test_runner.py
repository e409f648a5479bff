"""Runners at once (the web app's workers, the command): each alert raised once."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.db.models import Max
from misuse import TUESDAY, at, child, children, organisations, person, view

from contactpoint.audit import hooks, trail
from contactpoint.audit.models import Leaf
from contactpoint.oversight import runner
from contactpoint.oversight.models import Alert, RuleProgress
from databases import ALL_DATABASES


# The suite's SQLite database is in memory, where threads share one connection's cache;
# SQLite's own answer (one writer at a time, IMMEDIATE transactions) is what the lock
# relies on there. Several runners on separate connections is PostgreSQL's question.
@pytest.mark.skipif(os.environ.get("CONTACTPOINT_TEST_ENGINE") != "postgres",
                    reason="runners on separate connections at once is a PostgreSQL question")
@pytest.mark.django_db(transaction=True, databases=ALL_DATABASES)
def test_two_runners_at_once_raise_each_alert_once(keystore, tmp_path):
    organisations()
    users = [person(f"u{i}", name=f"Jo {'ABCDEF'[i]}loggs", home="LS1 4AP") for i in range(6)]
    [home] = children(tmp_path, [child("Okafor", "LS1 4AP")])
    for minute in range(40):
        for user in users:
            view(user, home, TUESDAY + timedelta(minutes=minute))
        with at(TUESDAY + timedelta(minutes=minute)):
            hooks.record("child:shield:break_glass", actor=users[minute % 6], subject=home,
                         reason="child_protection")
    trail.sequence()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            for _ in range(3):
                runner.run(batch=13)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    keys = list(Alert.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    assert Alert.objects.filter(rule="own_family").count() == 6  # each user, their one child
    assert Alert.objects.filter(rule="break_glass").count() == 40
    # What the runners left unread (their own alerts' entries) raises nothing more.
    assert runner.run().raised == []
    assert RuleProgress.objects.get().last_seq == Leaf.objects.aggregate(m=Max("seq"))["m"]
