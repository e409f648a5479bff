"""Load a synthetic population, dump every table of both databases, find nothing personal.

Runs on whichever engine the suite runs on (SQLite, then PostgreSQL under `make test`).
"""

import re
from datetime import date

import orjson
from django.db import connections

from contactpoint.feeds.loader import ingest_file
from contactpoint.identity.models import Child
from contactpoint.synth import generate
from databases import both_databases

pytestmark = both_databases
TODAY = date(2026, 11, 22)


def dump(alias: str, *, binary: bool = True) -> str:
    """Every value of every table, as text; bytes as Latin-1 so any plaintext shows.

    Without `binary`, only the values that are not bytes.
    """
    connection = connections[alias]
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        if binary:
                            parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


#: A word this long turns up by chance in megabytes of ciphertext (one in 256**4 per
#: position for four letters: a few runs in a hundred would fail on noise), so shorter
#: words are looked for in the values that are not bytes. Plaintext in a binary column
#: would still show: a stored record holds longer names too.
SHORTEST_IN_BYTES = 6


def personal_values(folder):
    """What the feeds say about children that must never be stored in the clear."""
    words, numbers, births = set(), set(), set()
    for feed in folder.glob("*.jsonl"):
        for line in feed.read_bytes().splitlines():
            row = orjson.loads(line)
            for key in ("given_names", "family_name"):
                if isinstance(row.get(key), str):
                    words.add(row[key])
            for carer in row.get("carers") or []:
                for key in ("given_names", "family_name", "phone", "email"):
                    if carer.get(key):
                        words.add(carer[key])
            address = row.get("address") or {}
            if address.get("postcode"):
                compact = re.sub(r"\s+", "", address["postcode"]).upper()
                words.update({compact, f"{compact[:-3]} {compact[-3:]}"})
            for line_ in address.get("lines") or []:
                words.add(line_)
            for value in (row.get("identifiers") or {}).values():
                if value:
                    numbers.add(str(value))
            if isinstance(row.get("date_of_birth"), str):
                births.add(row["date_of_birth"])
    return words, numbers, births


def test_a_loaded_population_leaves_nothing_personal_in_either_database(tmp_path, keystore):
    baseline = dump("default") + dump("keystore")
    folder = tmp_path / "feeds"
    generate(400, 7, folder, today=TODAY)
    for feed in sorted(folder.glob("*.jsonl")):
        ingest_file(feed.stem, feed, today=TODAY)
    assert Child.objects.filter(record__isnull=False).count() > 300

    words, numbers, births = personal_values(folder)
    # Words already in an empty schema (table names, source names) prove nothing either way.
    words = {w for w in words if len(w) >= 4 and w not in baseline}
    assert len(words) > 500
    assert len(numbers) > 300
    assert len(births) > 300

    for alias in ("default", "keystore"):
        text, plain = dump(alias), dump(alias, binary=False)
        leaked = [w for w in words  # a quick substring test first, then word boundaries
                  if w in (text if len(w) >= SHORTEST_IN_BYTES else plain)
                  and re.search(rf"(?<!\w){re.escape(w)}(?!\w)",
                                text if len(w) >= SHORTEST_IN_BYTES else plain)]
        assert leaked == [], f"names, contacts or postcodes in the clear in {alias}: {leaked[:5]}"
        leaked = [n for n in numbers if n in text]
        assert leaked == [], f"identifiers in the clear in {alias}"
        # A date alone, not the date part of a timestamp such as created_at.
        leaked = [b for b in births if b in text and re.search(rf"{b}(?![ T]\d)", text)]
        assert leaked == [], f"dates of birth in the clear in {alias}: {leaked[:5]}"
