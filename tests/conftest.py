"""Fixtures shared by the whole suite: real databases (both engines), real keys."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db.backends.base.operations import BaseDatabaseOperations
from hypothesis import settings as hypothesis_settings

import trail
from contactpoint.audit import guard
from contactpoint.crypto import keyring
from contactpoint.crypto.keystore import get_keystore, reset_keystore
from pagecheck import checking_every_page

# Hypothesis fails an example that takes over 200 ms: a timed assertion, which a busy
# machine (or CI's two cores running the suite in parallel) trips with no fault in the code.
hypothesis_settings.register_profile("contactpoint", deadline=None)
hypothesis_settings.load_profile("contactpoint")

#: Browser fixtures (chromium, system_keys_back) for the journeys in tests/web.
pytest_plugins = ["browsing"]

_DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "keystore"}


def pytest_collection_modifyitems(config, items):
    """On the PostgreSQL run (`make test`'s second pass) only database tests run again.

    Everything else (parsers, the synthetic population, pages without data) does not
    depend on the engine and has just passed on the SQLite run.
    """
    if os.environ.get("CONTACTPOINT_TEST_ENGINE") != "postgres":
        return
    keep, drop = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") or _DATABASE_FIXTURES & set(
            getattr(item, "fixturenames", ()))
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Schema from the real migrations, then the key material `contactpoint init` makes."""
    keyring.create(settings.CONTACTPOINT.master_key_file)
    reset_keystore()
    with django_db_blocker.unblock():
        get_keystore().ensure_system_keys()


@pytest.fixture
def keystore(django_db_setup, django_db_blocker):
    """The key store, with its system keys: a transactional or live-server test before
    this one empties every table when it ends, the key store's too, so they are put back
    (and the store's cache forgotten) when missing."""
    with django_db_blocker.unblock():
        if get_keystore().ensure_system_keys():
            reset_keystore()
    ks = get_keystore()
    yield ks
    ks.forget_cache()


@pytest.fixture(scope="session", autouse=True)
def _every_page_checked():
    """Every HTML page a test client receives passes the page checks (tests/pagecheck.py),
    so a test cannot forget them; its document is `response.page`."""
    with checking_every_page():
        yield


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_audit_guard():
    """Emptying the database after a transactional test removes the audit trail too,
    which its triggers refuse to anyone else (contactpoint.audit.guard)."""
    flush = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with guard.erasing(self.connection):
            return flush(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    BaseDatabaseOperations.execute_sql_flush = flush


@pytest.fixture(autouse=True)
def _audit_keys(request):
    """Every audited action seals with keys from the key store: a database test gets them
    back even when a transactional test before it emptied the key store."""
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} \
            & set(request.fixturenames):
        request.getfixturevalue("keystore")


@pytest.fixture
def audit_log(db):
    """The trail's entries written since the test began, read back as an auditor would."""
    start = trail.mark()
    return lambda: trail.entries(after=start)
