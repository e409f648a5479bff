"""The databases a benchmark loads into: made fresh for each run, measured, then dropped.

The loads run as separate `contactpoint` processes, so all a target hands them is
environment variables. Sizes and counts are read with sqlite3 and psycopg directly:
Django is never set up in the benchmarking process, and must not be, or it would
hold connections to databases the benchmark is about to drop.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

#: A server URL; the benchmark makes its own databases there and drops them afterwards.
POSTGRES_URL_VARIABLE = "CONTACTPOINT_BENCH_POSTGRES_URL"
POSTGRES_URL_EXAMPLE = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "cp_bench_"
CHILDREN_STORED = "SELECT count(*) FROM identity_child WHERE record IS NOT NULL"
# A WAL-mode database is the main file plus these two while it is open.
_SQLITE_FILES = ("", "-wal", "-shm")


class CleanupFailed(Exception):
    """A benchmark database could not be dropped: the operator must drop it by hand."""


class Target(Protocol):
    """Where one engine's run loads: its settings, and how big the result is."""

    name: str

    def location(self) -> str: ...

    def environment(self) -> dict[str, str]: ...

    def database_bytes(self) -> tuple[int, int]: ...

    def children_stored(self) -> int: ...


@dataclass
class SqliteTarget:
    """The default deployment: both databases as files in the data directory."""

    data_dir: Path
    name: str = "sqlite"

    def location(self) -> str:
        return str(self.data_dir)

    def environment(self) -> dict[str, str]:
        return {}  # config.py's defaults put both files in CONTACTPOINT_DATA_DIR

    def database_bytes(self) -> tuple[int, int]:
        return (_sqlite_bytes(self.data_dir / "contactpoint.db"),
                _sqlite_bytes(self.data_dir / "keystore.db"))

    def children_stored(self) -> int:
        path = self.data_dir / "contactpoint.db"
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return int(conn.execute(CHILDREN_STORED).fetchone()[0])


def _sqlite_bytes(path: Path) -> int:
    """A WAL database's size on disk counts its -wal and -shm files too."""
    files = (path.with_name(path.name + suffix) for suffix in _SQLITE_FILES)
    return sum(file.stat().st_size for file in files if file.exists())


@dataclass
class PostgresTarget:
    """Two databases of the benchmark's own on a server: the data and the key store."""

    server_url: str
    database: str
    name: str = "postgres"

    @property
    def keystore(self) -> str:
        return f"{self.database}_keys"

    @property
    def databases(self) -> tuple[str, str]:
        return self.database, self.keystore

    def url(self, database: str) -> str:
        return urlunsplit(urlsplit(self.server_url)._replace(path=f"/{database}"))

    def location(self) -> str:
        return f"databases {self.database} and {self.keystore} (dropped afterwards)"

    def environment(self) -> dict[str, str]:
        return {"CONTACTPOINT_DATABASE_URL": self.url(self.database),
                "CONTACTPOINT_KEYSTORE_URL": self.url(self.keystore)}

    def database_bytes(self) -> tuple[int, int]:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            data, keys = (_number(conn, "SELECT pg_database_size(%s)", name)
                          for name in self.databases)
        return data, keys

    def children_stored(self) -> int:
        with psycopg.connect(self.url(self.database), autocommit=True) as conn:
            return _number(conn, CHILDREN_STORED)


def _scalar(conn: psycopg.Connection, query: str, *params: object) -> object:
    row = conn.execute(query, params or None).fetchone()
    if row is None:
        raise psycopg.DataError(f"no row from {query}")
    return row[0]


def _number(conn: psycopg.Connection, query: str, *params: object) -> int:
    value = _scalar(conn, query, *params)
    if not isinstance(value, int):
        raise psycopg.DataError(f"not a number from {query}: {value!r}")
    return value


def postgres_version(server_url: str) -> str:
    """The server's version, asked first so an unreachable server is found before any work."""
    with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as conn:
        return str(_scalar(conn, "SHOW server_version"))


@contextmanager
def provision(engine: str, data_dir: Path, server_url: str | None) -> Iterator[Target]:
    """A fresh target for one engine; PostgreSQL databases are dropped however the run ends."""
    if engine == "sqlite":
        yield SqliteTarget(data_dir)
        return
    if not server_url:
        raise ValueError(f"postgres needs {POSTGRES_URL_VARIABLE}")
    target = PostgresTarget(server_url, DATABASE_PREFIX + secrets.token_hex(4))
    created: list[str] = []
    try:
        with psycopg.connect(server_url, autocommit=True) as conn:
            for name in target.databases:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                created.append(name)
        yield target
    finally:
        _drop(server_url, created)


def _drop(server_url: str, names: list[str]) -> None:
    """Drop only the databases this run created; name any left behind rather than hide it.

    WITH (FORCE) because a load killed mid-way can leave a backend connected.
    """
    left: list[str] = []
    for name in names:
        if not name.startswith(DATABASE_PREFIX):  # never anyone else's database
            continue
        try:
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                             .format(sql.Identifier(name)))
        except psycopg.Error:
            left.append(name)
    if left:
        raise CleanupFailed(f"could not drop {', '.join(left)} on the benchmark server: "
                            "drop them by hand")
