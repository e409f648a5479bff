"""How the app talks to its databases: settings derived from the database URLs."""

import pytest
from django.conf import settings
from django.db import connection

from contactpoint.settings import _database
from databases import both_databases


def test_postgresql_prepares_repeated_statements_and_binds_on_the_server():
    db = _database("postgresql://cp@db.example:5432/contactpoint")
    assert db["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    assert db["CONN_MAX_AGE"] == 60


def test_sqlite_keeps_its_own_options():
    db = _database("sqlite:////var/lib/contactpoint/index.sqlite3")
    assert "prepare_threshold" not in db["OPTIONS"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@both_databases
def test_a_statement_run_often_is_prepared_once_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's; SQLite caches its own")
    query = "SELECT %s::int + 1 AS prepared_statement_probe"
    with connection.cursor() as cursor:
        for n in range(6):
            cursor.execute(query, [n])
            assert cursor.fetchone() == (n + 1,)
        cursor.execute("SELECT count(*) FROM pg_prepared_statements "
                       "WHERE statement LIKE %s", ["%prepared_statement_probe%"])
        assert cursor.fetchone() == (1,)


def test_on_sqlite_a_key_is_on_disk_before_the_data_sealed_under_it():
    data, keys = settings.DATABASES["default"], settings.DATABASES["keystore"]
    if data["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the test databases are PostgreSQL's; the setting is SQLite's")
    # The data's log is synced by the loader's checkpoint thread; the keys' every commit.
    assert "synchronous=NORMAL" in data["OPTIONS"]["init_command"]
    assert "synchronous=FULL" in keys["OPTIONS"]["init_command"]
