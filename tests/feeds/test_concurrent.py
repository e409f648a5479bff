"""Two sources loading the same children at the same moment make one child each, not two.

Real processes through the command line, on SQLite always and on PostgreSQL when
CONTACTPOINT_TEST_POSTGRES_URL is set (each run in databases of its own, dropped after).
"""

import csv
import os
import subprocess
import sys
from collections import Counter

import pytest

from factories import feed_row, nhs_number, write_jsonl
from scratch_databases import scratch_postgres

TODAY = "2026-11-22"
CHILDREN = 150
GIVEN = ["Amara", "Bartosz", "Chiamaka", "Dylan", "Efua", "Fatima", "Gruffydd", "Hana",
         "Ibrahim", "Jun", "Kacper", "Layla", "Mohammed", "Niamh", "Olusegun"]
FAMILY = ["Adeyemi", "Bevan", "Chowdhury", "Dąbrowski", "Evans", "Farouk", "Griffiths",
          "Huang", "Iqbal", "Jones"]


def _env(data_dir, database=None, keystore=None):
    env = {**os.environ, "CONTACTPOINT_DATA_DIR": str(data_dir)}
    for name in ("CONTACTPOINT_DATABASE_URL", "CONTACTPOINT_KEYSTORE_URL",
                 "CONTACTPOINT_MASTER_KEY_FILE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    if database:
        env["CONTACTPOINT_DATABASE_URL"], env["CONTACTPOINT_KEYSTORE_URL"] = database, keystore
    return env


def _command(*args):
    return [sys.executable, "-m", "contactpoint.cli.main", *args]


@pytest.fixture(params=["sqlite", "postgres"])
def engine_env(request, tmp_path):
    if request.param == "sqlite":
        yield _env(tmp_path)
        return
    with scratch_postgres("cp_concurrent") as (database, keys):
        yield _env(tmp_path, database, keys)


def feeds(tmp_path):
    """The same children in two sources, each with its own ids and recording."""
    nhs, school = [], []
    for i in range(CHILDREN):
        person = {"given_names": GIVEN[i % len(GIVEN)], "family_name": FAMILY[i // len(GIVEN)],
                  "date_of_birth": f"20{10 + i % 12:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                  "identifiers": {"nhs_number": nhs_number()},
                  "address": {"lines": [f"{i + 1} Mill Lane"], "town": "Leeds",
                              "postcode": f"LS{1 + i % 9} {i % 10}AB"}}
        nhs.append(feed_row(source_id=f"N{i}", **person))
        school.append(feed_row(source_id=f"S{i}", **person,
                               recorded_at="2026-11-02T08:00:00Z"))
    return (write_jsonl(tmp_path / "nhs_demographics.jsonl", nhs),
            write_jsonl(tmp_path / "school_census.jsonl", school))


@pytest.mark.slow
def test_two_sources_loading_at_once_make_one_child_each(tmp_path, engine_env):
    nhs, school = feeds(tmp_path)
    subprocess.run(_command("init"), env=engine_env, check=True, capture_output=True)
    loads = [subprocess.Popen(_command("ingest", "--source", path.stem, str(path),
                                       "--today", TODAY, "--quiet"),
                              env=engine_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
             for path in (nhs, school)]
    outputs = [load.communicate(timeout=300) for load in loads]
    assert [load.returncode for load in loads] == [0, 0], outputs
    links = tmp_path / "links.csv"
    subprocess.run(_command("links", "--out", str(links)), env=engine_env, check=True,
                   capture_output=True)
    with open(links, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * CHILDREN
    per_child = Counter(row["contactpoint_id"] for row in rows)
    # Every child holds its NHS record and its school record: none was made twice.
    assert sorted(Counter(per_child.values()).items()) == [(2, CHILDREN)]
    assert Counter(row["state"] for row in rows) == {"new": CHILDREN, "auto": CHILDREN}
