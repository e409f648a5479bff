"""Factories for test data. Synthetic only: invented names, valid-format identifiers."""

from __future__ import annotations

import itertools
import random
from typing import Any

import orjson
from stdnum.gb import upn

from contactpoint.identity.identifiers import nhs_check_digit

_counter = itertools.count(1)


def nhs_number(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    while True:
        body = str(rng.randrange(400_000_000, 999_999_999))
        check = nhs_check_digit(body)
        if check is not None:
            return body + check


def pupil_number(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    body = f"{rng.randrange(100, 999)}{rng.randrange(0, 10**9):09d}"
    return upn.calc_check_digit(body) + body


def feed_row(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    row: dict[str, Any] = {
        "source_id": f"T-{n:06d}",
        "recorded_at": "2026-11-01T09:30:00Z",
        "given_names": "Amelia Rose",
        "family_name": "Testerton",
        "date_of_birth": "2014-03-09",
        "gender": "female",
        "address": {"lines": ["12 High Street"], "town": "Leeds", "postcode": "LS1 4AP"},
        "address_status": "current",
        "identifiers": {"nhs_number": nhs_number()},
        "carers": [{"given_names": "Sarah", "family_name": "Testerton",
                    "relationship": "mother", "parental_responsibility": True,
                    "phone": "0113 496 0000"}],
        "services": [{"type": "school", "organisation": "Park Primary School",
                      "organisation_code": "URN:107654", "phone": "0113 496 0001",
                      "start_date": "2019-09-01"}],
    }
    row.update(overrides)
    return row


def write_jsonl(path, rows) -> Any:  # type: ignore[no-untyped-def]
    with open(path, "wb") as fh:
        for row in rows:
            fh.write(row if isinstance(row, bytes) else orjson.dumps(row))
            fh.write(b"\n")
    return path
