"""The engines differ only in their dialects (contactpoint.db.dialect)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection

import contactpoint
from contactpoint.db.dialect import Dialect, PostgreSQL, SQLite, dialect_for
from databases import both_databases

SRC = Path(contactpoint.__file__).parent
DIALECT = SRC / "db" / "dialect"


def _vendor_reads(path: Path) -> list[int]:
    """Lines of `path` reading an attribute named `vendor` (any object's), or naming it
    in getattr."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        named = isinstance(node, ast.Attribute) and node.attr == "vendor"
        asked = (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                 and node.func.id in {"getattr", "hasattr"}
                 and any(isinstance(a, ast.Constant) and a.value == "vendor" for a in node.args))
        if named or asked:
            found.append(node.lineno)
    return found


def test_only_the_dialect_reads_the_engines_name():
    reads = {str(path.relative_to(SRC)): lines for path in sorted(SRC.rglob("*.py"))
             if DIALECT not in path.parents and (lines := _vendor_reads(path))}
    assert reads == {}, "ask dialect_for(connection) instead of reading connection.vendor"
    assert _vendor_reads(DIALECT / "__init__.py")  # the check itself finds what it looks for


def test_the_check_finds_a_vendor_branch(tmp_path):
    branch = tmp_path / "branch.py"
    branch.write_text("def f(c):\n    return 1 if c.vendor == 'sqlite' else getattr(c, 'vendor')\n")
    assert _vendor_reads(branch) == [2, 2]


@pytest.mark.parametrize("engine", [SQLite, PostgreSQL])
def test_each_engine_says_every_difference_itself(engine):
    # Abstract methods all implemented: otherwise the class would not instantiate.
    assert isinstance(engine(), Dialect)
    assert not getattr(engine, "__abstractmethods__", None)
    for name in ("name", "in_list_chunk", "chains_inserts", "drops_constraints_for_loads"):
        assert name in vars(engine), name


@both_databases
def test_the_connection_has_its_engines_dialect():
    chosen = dialect_for(connection)
    assert type(chosen) is {"sqlite": SQLite, "postgresql": PostgreSQL}[connection.vendor]
    at = datetime(2026, 12, 7, 18, 0, 0, 250_000, tzinfo=UTC)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {chosen.epoch_micros('t.at')} FROM (SELECT %s AS at) t",  # noqa: S608
                       [connection.ops.adapt_datetimefield_value(at)])
        assert cursor.fetchone()[0] == int(at.timestamp()) * 1_000_000 + 250_000


def test_one_of_binds_its_values():
    for engine in (SQLite(), PostgreSQL()):
        sql, params = engine.one_of(["a'; DROP TABLE x; --", "b"])
        assert "DROP" not in sql
        assert "a'; DROP TABLE x; --" in str(params)
