"""Validating and normalising one feed row.

A row missing a required field, with an impossible or future date of birth, of someone
25 or older, or otherwise unusable as a whole raises RowRejected and is not loaded. A
bad *part* (an identifier failing its check, a sensitive service without a consent
basis, an unknown field) is left out and reported, and the rest of the row is loaded.

`received` is what we keep of the row as the source sent it (less the rejected parts);
`record` is its normalised form, which matching and derivation use. Derivation calls
`normalise_received` on stored rows, which runs the same code, so a re-derived child is
exactly the child we derived at load time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import orjson

from contactpoint.identity import vocabulary
from contactpoint.identity.identifiers import (
    InvalidIdentifier,
    normalise_nhs_number,
    normalise_upn,
)
from contactpoint.identity.normalise import check_name, normalise_postcode
from contactpoint.text import clean_text

T = TypeVar("T")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-]+$")
_UPRN = re.compile(r"^\d{1,12}$")
_TRUE = {True, "true", "True", "TRUE", "1", "yes", "y", "Y"}
_FALSE = {False, "false", "False", "FALSE", "0", "no", "n", "N"}
#: recorded_at may run a little ahead of our clock; further ahead would win forever.
CLOCK_SKEW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    source_id: str | None
    field: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "source_id": self.source_id, "field": self.field,
                "reason": self.reason}


class RowRejected(ValueError):
    def __init__(self, field_name: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


class _PartRejected(ValueError):
    """One part of a row is unusable: leave it out, report it, load the rest."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


@dataclass(slots=True)
class ValidRow:
    line: int
    source_id: str
    action: str
    recorded_at: datetime | None
    received: dict[str, Any]
    record: dict[str, Any] | None
    rejections: list[Rejection] = field(default_factory=list)
    #: `received` serialised canonically (sorted keys): what the content digest covers.
    content: bytes = b""

    def payload(self) -> bytes:
        """What is sealed for this row: as received, and as normalised."""
        return b'{"received":' + self.content + b',"record":' + orjson.dumps(self.record) + b"}"


# -- small field parsers (each raises ValueError with a reason) ----------------------------

def _text(value: Any, max_chars: int = vocabulary.MAX_TEXT_CHARS) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be text")
    text = clean_text(str(value))
    if not text:
        raise ValueError("is empty")
    if len(text) > max_chars:
        raise ValueError(f"is longer than {max_chars} characters")
    return text


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return check_name(value, vocabulary.MAX_NAME_CHARS)


def _date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("is an impossible date") from None


def _bool(value: Any) -> bool:
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("must be true or false")


def _phone(value: Any) -> str:
    text = _text(value, 30)
    digits = sum(ch.isdigit() for ch in text)
    if not _PHONE_CHARS.match(text) or not 7 <= digits <= 15:
        raise ValueError("is not a telephone number")
    return text


def _email(value: Any) -> str:
    text = _text(value, 254)
    if not _EMAIL.match(text):
        raise ValueError("is not an email address")
    return text


def _recorded_at(value: Any, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if moment > now + CLOCK_SKEW:
        raise ValueError("is in the future")
    return moment


def age_on(birth: date, today: date) -> int:
    years = today.year - birth.year
    return years - ((today.month, today.day) < (birth.month, birth.day))


# -- the row -------------------------------------------------------------------------------

class _RowNormaliser:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.received: dict[str, Any] = {}
        self.parts: list[tuple[str, str]] = []

    def part(self, field_name: str, reason: str) -> None:
        self.parts.append((field_name, reason))

    def required(self, name: str, parse: Callable[[Any], T]) -> T:
        value = self.raw.get(name)
        if value is None or value == "":
            raise RowRejected(name, f"missing required field {name}")
        try:
            result = parse(value)
        except ValueError as exc:
            raise RowRejected(name, f"{name} {exc}") from None
        self.received[name] = value
        return result

    def optional(self, name: str, parse: Callable[[Any], T], raw: Any = None,
                 path: str | None = None) -> T | None:
        value = self.raw.get(name) if raw is None else raw
        if value in (None, "", [], {}):
            return None
        try:
            return parse(value)
        except _PartRejected as exc:
            self.part(exc.field, exc.reason)
        except ValueError as exc:
            self.part(path or name, f"{path or name} {exc}; left out")
        return None

    # Address, carers and services are lists of parts; each is kept or left out whole,
    # except where one sub-field alone is bad (a postcode, a phone), which is left out alone.
    def address(self, value: Any, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
        if not isinstance(value, dict):
            raise ValueError("must be an object")
        kept: dict[str, Any] = {}
        norm: dict[str, Any] = {"lines": [], "town": None, "postcode": None, "uprn": None}
        for key in value:
            if key not in vocabulary.ADDRESS_FIELDS:
                self.part(f"{path}.{key}", "unknown field; left out")
        lines = value.get("lines") or []
        if isinstance(lines, str):
            lines = [lines]
        if not isinstance(lines, list) or len(lines) > 6:
            self.part(f"{path}.lines", f"{path}.lines must be a list of up to 6 lines; left out")
            lines = []
        good_lines = []
        for i, line in enumerate(lines):
            try:
                good_lines.append((line, _text(line)))
            except ValueError as exc:
                self.part(f"{path}.lines.{i}", f"{path}.lines.{i} {exc}; left out")
        if good_lines:
            kept["lines"] = [raw for raw, _ in good_lines]
            norm["lines"] = [clean for _, clean in good_lines]
        for key, parse in (("town", _text), ("postcode", normalise_postcode),
                           ("uprn", self._uprn)):
            if value.get(key) in (None, ""):
                continue
            try:
                norm[key] = parse(value[key]) if key != "postcode" else parse(str(value[key]))
                kept[key] = value[key]
            except ValueError as exc:
                self.part(f"{path}.{key}", f"{path}.{key} {exc}; left out")
        if not kept:
            raise ValueError("has nothing usable")
        return kept, norm

    @staticmethod
    def _uprn(value: Any) -> str:
        text = str(value).strip()
        if not _UPRN.match(text):
            raise ValueError("must be up to 12 digits")
        return text

    def fields(self, value: dict[str, Any], path: str, allowed: frozenset[str], *,
               kept: dict[str, Any], norm: dict[str, Any],
               parsers: Iterable[tuple[str, Callable[[Any], Any]]]) -> None:
        """Parse each present sub-field; a bad one is left out alone and reported."""
        for key in value:
            if key not in allowed:
                self.part(f"{path}.{key}", "unknown field; left out")
        for key, parse in parsers:
            if value.get(key) in (None, ""):
                continue
            try:
                norm[key] = parse(value[key])
                kept[key] = value[key]
            except ValueError as exc:
                self.part(f"{path}.{key}", f"{path}.{key} {exc}; left out")

    def carer(self, value: Any, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
        if not isinstance(value, dict):
            raise ValueError("must be an object")
        kept: dict[str, Any] = {}
        norm: dict[str, Any] = dict.fromkeys(vocabulary.CARER_FIELDS)
        self.fields(value, path, vocabulary.CARER_FIELDS, kept=kept, norm=norm, parsers=(
            ("given_names", _name), ("family_name", _name),
            ("relationship", lambda v: _text(v, 50).lower()),
            ("parental_responsibility", _bool), ("phone", _phone), ("email", _email)))
        if norm["given_names"] is None and norm["family_name"] is None:
            raise _PartRejected(path, f"{path} has no usable name; carer left out")
        if value.get("address") not in (None, "", {}):
            try:
                kept["address"], norm["address"] = self.address(value["address"],
                                                                 f"{path}.address")
            except ValueError as exc:
                self.part(f"{path}.address", f"{path}.address {exc}; left out")
        return kept, norm

    def service(self, value: Any, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
        if not isinstance(value, dict):
            raise ValueError("must be an object")
        kind = value.get("type")
        if kind not in vocabulary.SERVICE_TYPES:
            raise _PartRejected(f"{path}.type", "unknown service type; service left out")
        consent = value.get("consent")
        if kind in vocabulary.SENSITIVE_SERVICE_TYPES and consent not in vocabulary.CONSENT_BASES:
            raise _PartRejected(
                f"{path}.consent",
                "sensitive service without a consent basis (young_person or harm_exception); "
                "service left out and stored nowhere",
            )
        if consent is not None and consent not in vocabulary.CONSENT_BASES:
            raise _PartRejected(f"{path}.consent", "unknown consent basis; service left out")
        kept: dict[str, Any] = {"type": kind}
        norm: dict[str, Any] = dict.fromkeys(vocabulary.SERVICE_FIELDS)
        norm.update(type=kind, consent=consent, lead_professional=False, caf=False)
        if consent is not None:
            kept["consent"] = consent
        self.fields(value, path, vocabulary.SERVICE_FIELDS, kept=kept, norm=norm, parsers=(
            ("organisation", _text), ("organisation_code", lambda v: _text(v, 40)),
            ("practitioner", lambda v: _text(v, vocabulary.MAX_NAME_CHARS)),
            ("phone", _phone), ("email", _email),
            ("start_date", lambda v: _date(v).isoformat()),
            ("end_date", lambda v: _date(v).isoformat()),
            ("lead_professional", _bool), ("caf", _bool)))
        if norm["organisation"] is None and norm["organisation_code"] is None:
            raise _PartRejected(path, f"{path} names no organisation; service left out")
        if norm["start_date"] and norm["end_date"] and norm["end_date"] < norm["start_date"]:
            raise _PartRejected(f"{path}.end_date",
                                f"{path}.end_date is before its start_date; service left out")
        return kept, norm

    def items(self, name: str, parse_item: Callable[[Any, str], tuple[Any, Any]],
              limit: int) -> list[Any]:
        value = self.raw.get(name)
        if value in (None, "", []):
            return []
        if not isinstance(value, list):
            self.part(name, f"{name} must be a list; left out")
            return []
        if len(value) > limit:
            self.part(name, f"{name} has more than {limit} entries; left out")
            return []
        kept: list[Any] = []
        norm: list[Any] = []
        for i, item in enumerate(value):
            path = f"{name}.{i}"
            try:
                k, n = parse_item(item, path)
            except _PartRejected as exc:
                self.part(exc.field, exc.reason)
                continue
            except ValueError as exc:
                self.part(path, f"{path} {exc}; left out")
                continue
            kept.append(k)
            norm.append(n)
        if kept:
            self.received[name] = kept
        return norm


def _action_and_time(row: _RowNormaliser, raw: dict[str, Any],
                     now: datetime | None) -> tuple[str, datetime | None]:
    action = raw.get("action") or "upsert"
    if action not in vocabulary.ACTIONS:
        raise RowRejected("action", "action must be upsert or delete")
    if action != "upsert":
        row.received["action"] = action
    recorded_at = None
    if raw.get("recorded_at") not in (None, ""):
        try:
            recorded_at = _recorded_at(raw["recorded_at"], now or datetime.max.replace(tzinfo=UTC)
                                       - CLOCK_SKEW)
        except ValueError as exc:
            raise RowRejected("recorded_at", f"recorded_at {exc}") from None
        row.received["recorded_at"] = raw["recorded_at"]
    return action, recorded_at


def _check_age(birth: date, today: date) -> None:
    if birth > today:
        raise RowRejected("date_of_birth", "date_of_birth is in the future")
    if age_on(birth, today) >= vocabulary.MAX_AGE_YEARS:
        raise RowRejected("date_of_birth",
                          f"not a child: {vocabulary.MAX_AGE_YEARS} or older on the load date")


def _normalise(raw: dict[str, Any], *, today: date | None, now: datetime | None,
               ) -> tuple[_RowNormaliser, str, str, datetime | None, dict[str, Any] | None]:
    """Shared by validation (today given: age rules apply) and re-derivation (today None)."""
    row = _RowNormaliser(raw)
    source_id = row.required("source_id", lambda v: _text(v, 100))
    action, recorded_at = _action_and_time(row, raw, now)
    if action == "delete":
        return row, source_id, action, recorded_at, None

    given = row.required("given_names", _name)
    family = row.required("family_name", _name)
    birth = row.required("date_of_birth", _date)
    if today is not None:
        _check_age(birth, today)

    for key in raw:
        if key not in vocabulary.TOP_LEVEL_FIELDS:
            row.part(key, "unknown field; left out and not stored")

    record: dict[str, Any] = {
        "source_id": source_id, "given_names": given, "family_name": family,
        "date_of_birth": birth.isoformat(),
    }
    former = row.items("former_family_names",
                       lambda v, p: (v, _name(v)), vocabulary.MAX_LIST_ITEMS)
    record["former_family_names"] = former
    for name, parse in (("preferred_name", _name), ("gender", _enum(vocabulary.GENDERS)),
                        ("address_status", _enum(vocabulary.ADDRESS_STATUSES)),
                        ("return_expected", _bool)):
        value = row.optional(name, parse)
        record[name] = value
        if value is not None:
            row.received[name] = raw[name]

    death = row.optional("date_of_death", _date)
    if death is not None:
        if death < birth:
            row.part("date_of_death", "date_of_death is before date_of_birth; left out")
        elif today is not None and death > today:
            row.part("date_of_death", "date_of_death is in the future; left out")
        else:
            # Only when sent: a record without one stays as it was (same content digest).
            record["date_of_death"] = death.isoformat()
            row.received["date_of_death"] = raw["date_of_death"]

    record["address"] = None
    if raw.get("address") not in (None, "", {}):
        try:
            row.received["address"], record["address"] = row.address(raw["address"], "address")
        except ValueError as exc:
            row.part("address", f"address {exc}; left out")
    record["identifiers"] = _identifiers(row, raw.get("identifiers"))
    record["carers"] = row.items("carers", row.carer, 10)
    record["services"] = row.items("services", row.service, vocabulary.MAX_LIST_ITEMS)
    return row, source_id, action, recorded_at, record


def _enum(allowed: frozenset[str]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(sorted(allowed))}")
        return str(value)
    return parse


def _identifiers(row: _RowNormaliser, value: Any) -> dict[str, str | None]:
    found: dict[str, str | None] = dict.fromkeys(vocabulary.IDENTIFIER_KINDS)
    if value in (None, "", {}):
        return found
    if not isinstance(value, dict):
        row.part("identifiers", "identifiers must be an object; left out")
        return found
    kept: dict[str, Any] = {}
    checks = {"nhs_number": normalise_nhs_number, "upn": normalise_upn}
    for kind, raw in value.items():
        if kind not in checks:
            row.part(f"identifiers.{kind}", "unknown identifier; left out")
            continue
        if raw in (None, ""):
            continue
        try:
            found[kind] = checks[kind](str(raw))
            kept[kind] = raw
        except InvalidIdentifier as exc:
            row.part(f"identifiers.{kind}", f"{exc}; left out")
    if kept:
        row.received["identifiers"] = kept
    return found


def validate_row(line: int, raw: dict[str, Any], *, today: date, now: datetime) -> ValidRow:
    """Validate one parsed row. Raises RowRejected when the row as a whole cannot load."""
    row, source_id, action, recorded_at, record = _normalise(raw, today=today, now=now)
    rejections = [Rejection(line, source_id, f, reason) for f, reason in row.parts]
    content = orjson.dumps(row.received, option=orjson.OPT_SORT_KEYS)
    return ValidRow(line, source_id, action, recorded_at, row.received, record, rejections,
                    content)


def normalise_received(received: dict[str, Any]) -> dict[str, Any]:
    """The normalised record of a stored row (no date-relative rules: it was valid then)."""
    _, _, _, _, record = _normalise(received, today=None, now=None)
    if record is None:
        raise ValueError("a deleted row has no record")
    return record
