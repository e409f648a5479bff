"""Fixtures shared by the whole suite: real databases (both engines), real keys."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from contactpoint.crypto import keyring
from contactpoint.crypto.keystore import get_keystore, reset_keystore

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
