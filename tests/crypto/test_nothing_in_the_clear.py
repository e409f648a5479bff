"""Load a synthetic population, dump every table of both databases, find nothing personal.

A person also sets up an authenticator app, opens a record with a reason in their own
words, and searches by name and date of birth on the pages and over the API: neither the
app's key, nor the reasons, nor the names and dates searched for may be stored in the
clear (the audit trail keeps them, sealed), nor which child they opened outside the
child's own rows and the trail (whose entries name the children they concern, by
design). Runs on whichever engine the suite runs on (SQLite, then PostgreSQL under
`make test`).
"""

import binascii
import re
import zlib
from base64 import b32encode, urlsafe_b64decode
from datetime import date

import orjson
from django.contrib.sessions.models import Session
from django.db import connections
from django.test import Client

import trail
from accounts import bearer, make_user
from contactpoint.access import app_keys
from contactpoint.access.models import AuthenticatorApp
from contactpoint.access.tokens import create_token
from contactpoint.identity.models import Child
from contactpoint.loading.loader import ingest_file
from contactpoint.synth import generate
from databases import both_databases
from signing_in import STRONG_PASSWORD, secret_on_page, totp_for

pytestmark = both_databases
TODAY = date(2026, 11, 22)


def dump_tables(alias: str, *, binary: bool = True) -> dict[str, str]:
    """Every value of each table, as text; bytes as Latin-1 so any plaintext shows.

    Without `binary`, only the values that are not bytes.
    """
    connection = connections[alias]
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts = []
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        if binary:
                            parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.extend(readable(str(value)))
            tables[table] = "\n".join(parts)
    return tables


def readable(value: str) -> list[str]:
    """The value, and what any part of it says once base64 is undone (and zlib, where the
    part starts with '.'): Django keeps a session as `[.]base64:timestamp:signature`, signed
    and compressed but readable by anyone, which a plain substring search would miss."""
    found = [value]
    for part in value.split(":"):
        compressed = part.startswith(".")
        body = part.removeprefix(".")
        if len(body) < 16 or not re.fullmatch(r"[A-Za-z0-9_-]+=*", body):
            continue
        try:
            decoded = urlsafe_b64decode(body + "=" * (-len(body) % 4))
            found.append((zlib.decompress(decoded) if compressed else decoded)
                         .decode("latin-1"))
        except (binascii.Error, ValueError, zlib.error):
            continue
    return found


def dump(alias: str, *, binary: bool = True) -> str:
    return "\n".join(dump_tables(alias, binary=binary).values())


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


#: A reason in a practitioner's own words ('other'): it may name people and places.
REASON_DETAIL = "Aunt Philippa rang worried after the move to Harrogate"
#: Another, given over the API.
REASON_DETAIL_API = "Grandmother Winifred phoned from the Scarborough refuge"
#: Names and dates of birth searched for that no child in the index has: found in a dump,
#: they could only have come from the trail of searches.
SEARCHED = [("Philippa", "Quennell-Ashby", "2013-05-17"),
            ("Ottoline", "Fairweather-Grange", "2012-08-29")]
#: Where a child's ContactPoint ID is stored by design: the child's own rows, its data key,
#: and the audit trail's entries about it (who looked at whom is what the trail is for;
#: why, and what was asked, are sealed). Anywhere else (a session above all) it would say
#: who looked at whom.
HOLDS_CHILDREN_BY_ID = re.compile(
    r"^(identity_.*|keystore_data_key|audit_entry|audit_entry_child)$")


def set_up_app_and_open(contactpoint_id: str) -> tuple[Client, str]:
    """A person's first sign-in sets up an app, then they open a record, saying why.

    Returns their client and the key their app holds (base32, as the page shows it).
    """
    user = make_user("practitioner")
    user.set_password(STRONG_PASSWORD)
    user.must_change_password = False
    user.save()
    client = Client()
    response = client.post("/sign-in/", {"username": user.username, "password": STRONG_PASSWORD})
    assert response["Location"] == "/sign-in/set-up/app/"
    secret = secret_on_page(client.get("/sign-in/set-up/app/").content.decode())
    response = client.post("/sign-in/set-up/app/", {"code": totp_for(secret).now()})
    assert response.status_code == 302, response.content.decode()[:300]
    response = client.post(f"/children/{contactpoint_id}/",
                           {"reason": "other", "reason_detail": REASON_DETAIL})
    assert response["Location"] == f"/children/{contactpoint_id}/"
    assert client.get(response["Location"]).status_code == 200
    return client, secret


def search_by_name(client: Client, token: str, known: dict, opened: str) -> list[str]:
    """Searches on the page and over the API, for a child in the index and for names and
    dates no child has, and the record opened over the API with a reason in words.

    Returns what was typed that must not be stored in the clear."""
    web, api = SEARCHED
    for given, family, born in (web, (known["given_names"], known["family_name"],
                                      known["date_of_birth"])):
        year, month, day = born.split("-")
        response = client.post("/children/search/", {
            "given_name": given, "family_name": family, "date_of_birth_day": day,
            "date_of_birth_month": month, "date_of_birth_year": year})
        assert response.status_code == 200
    for given, family, born in (api, (known["given_names"], known["family_name"],
                                      known["date_of_birth"])):
        response = Client().get("/api/v1/children", {
            "given_name": given, "family_name": family, "date_of_birth": born},
            headers=bearer(token))
        assert response.status_code == 200, response.content
    response = Client().get(f"/api/v1/children/{opened}", {
        "reason": "other", "reason_detail": REASON_DETAIL_API}, headers=bearer(token))
    assert response.status_code == 200, response.content
    return [text for name in SEARCHED for text in name] + [REASON_DETAIL_API]


def test_a_loaded_population_leaves_nothing_personal_in_either_database(tmp_path, keystore):
    baseline = dump("default") + dump("keystore")
    folder = tmp_path / "feeds"
    generate(400, 7, folder, today=TODAY)
    for feed in sorted(folder.glob("*.jsonl")):
        ingest_file(feed.stem, feed, today=TODAY)
    assert Child.objects.filter(record__isnull=False).count() > 300

    opened = Child.objects.filter(record__isnull=False).order_by("pk").first().contactpoint_id
    client, secret = set_up_app_and_open(opened)
    device = AuthenticatorApp.objects.get(confirmed=True)
    key = app_keys.key_of(device)
    assert b32encode(key).decode().rstrip("=") == secret.replace(" ", "")
    # What the app holds, every way it could be written.
    app_secrets = {key.hex(), key.hex().upper(), secret, secret.replace(" ", "")}
    # The session is kept (the reason is remembered for the record's next showing).
    assert Session.objects.filter(session_key=client.session.session_key).exists()
    known = orjson.loads(next(folder.glob("*.jsonl")).read_bytes().splitlines()[0])
    start = trail.mark()
    typed = search_by_name(client, create_token(user=device.user.username), known, opened)
    # What was asked and why are kept: sealed, and readable to whoever reads the trail.
    searches = trail.entries("child:search", after=start)
    assert [e["details"]["criteria"]["family_name"] for e in searches] == [
        SEARCHED[0][1], known["family_name"], SEARCHED[1][1], known["family_name"]]
    assert all(e["details"]["results"] for e in searches[1::2]), "the known child was found"
    (viewed,) = trail.entries("child:record:view", after=start)
    assert viewed["details"]["reason_detail"] == REASON_DETAIL_API

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
        assert not [s for s in app_secrets if s in text], f"an app's key in the clear in {alias}"
        assert REASON_DETAIL not in text, f"a reason in the clear in {alias}"
        leaked = [t for t in typed if t in text and re.search(rf"{t}(?![ T]\d)", text)]
        assert leaked == [], f"what was searched for, or why, in the clear in {alias}: {leaked}"
        holding = sorted(t for t, values in dump_tables(alias).items()
                         if opened in values and not HOLDS_CHILDREN_BY_ID.match(t))
        assert holding == [], f"who opened which child, in the clear in {alias}: {holding}"
