"""PostgreSQL: the deployment where the app's role may only add to and read the trail.

The statements are the ones docs/configuration.md prints (guard.app_role_sql); the role
is created inside the test's transaction, so it is gone afterwards.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from contactpoint.audit import guard, hooks, trail
from contactpoint.audit.models import Entry
from databases import both_databases

pytestmark = both_databases

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_docs_print_the_statements_the_code_grants():
    doc = DOC.read_text()
    for statement in guard.app_role_sql("contactpoint_app"):
        assert statement + ";" in doc, f"docs/configuration.md lacks: {statement}"


@pytest.mark.skipif(os.environ.get("CONTACTPOINT_TEST_ENGINE") != "postgres",
                    reason="roles and grants are PostgreSQL's")
def test_the_apps_role_adds_and_reads_entries_and_may_not_change_them():
    role = f"cp_app_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        for statement in guard.app_role_sql(role):
            cursor.execute(statement)
        cursor.execute(f"SET ROLE {role}")
    try:
        hooks.record("child:search", actor=hooks.operator("app"), personal={"q": "x"})
        assert trail.sequence() >= 1
        entry_id = Entry.objects.order_by("-pk").values_list("pk", flat=True).first()
        for sql in ("UPDATE audit_entry SET actor = 'x' WHERE id = %s",
                    "DELETE FROM audit_entry WHERE id = %s",
                    "UPDATE audit_leaf SET seq = seq WHERE entry_id = %s",
                    "DELETE FROM audit_entry_child WHERE entry_id = %s",
                    "TRUNCATE audit_entry"):
            params = [entry_id] if "%s" in sql else None
            with pytest.raises(DatabaseError, match=re.compile("permission denied", re.I)), \
                    transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert Entry.objects.filter(pk=entry_id, actor="operator:app").exists()
