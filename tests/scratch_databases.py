"""Databases of a test's own, for tests that run the service in other processes (a real
server, concurrent loads), which cannot see the test database's transaction."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest


@contextmanager
def scratch_postgres(prefix: str) -> Iterator[tuple[str, str]]:
    """A fresh data database and key store database on the test server, dropped after:
    their URLs. Skips when make test's PostgreSQL run is not configured."""
    url = os.environ.get("CONTACTPOINT_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("CONTACTPOINT_TEST_POSTGRES_URL is not set (make test's PostgreSQL run)")
    parts = urlsplit(url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    names = [name, name + "_keys"]
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        for each in names:
            conn.execute(f'CREATE DATABASE "{each}"')
    try:
        data, keys = (urlunsplit(parts._replace(path=f"/{n}")) for n in names)
        yield data, keys
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for each in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{each}" WITH (FORCE)')
