"""What the API's inputs must look like, as patterns the OpenAPI description publishes and
ninja (pydantic, Rust regex) enforces before an operation runs.

The rules themselves live in identity.normalise and text (check_name, clean_text, the postcode
shape) and the services; these are their shape as JSON Schema can say it, so that a
client reading the description knows what will be refused. Each is no looser than the
rule behind it (tests/api/test_fields.py walks generated values through both), and what
a pattern cannot say (a date after today, a phone or an email) the service still checks
and answers 400 naming the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ninja import Field

from contactpoint.identity.records import REASONS
from contactpoint.identity.vocabulary import CONSENT_BASES, GENDERS, SERVICE_TYPES
from contactpoint.matching.models import ReviewStatus

#: The index's own identifier: ten digits.
CONTACTPOINT_ID = r"^[0-9]{10}$"

#: The largest row id (BigAutoField): an id beyond it names nothing and is refused.
MAX_ID = 2**63 - 1

#: A person's name as identity.normalise.check_name takes it: starts with a letter; then
#: letters, spaces, apostrophes, hyphens and full stops; at most three combining marks
#: after any character.
NAME = r"^\p{L}\p{M}{0,3}(?:[\p{L}'\u2019\u2018\-\u2010\u2011. ]\p{M}{0,3})*$"

#: A UK postcode's shape (identity.normalise.normalise_postcode), either case, with or
#: without the space.
POSTCODE = r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$"

#: YYYY-MM-DD (the OpenAPI format `date` says it must also be a real date).
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

# Characters errors.free_text refuses: controls (tab and line breaks become spaces) and
# the invisible ones that reorder or hide text (text.INVISIBLE).
_REFUSED = (r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
            r"\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff")
#: Free text that may be empty: no control or invisible formatting characters.
TEXT = rf"^[^{_REFUSED}]*$"
#: Free text that must say something: as TEXT, with at least one character not a space.
STATED = rf"^[^{_REFUSED}]*[^\s{_REFUSED}][^{_REFUSED}]*$"

#: One or more review statuses, comma-separated.
_STATUS = "|".join(ReviewStatus.values)
REVIEW_STATUSES = rf"^(?:{_STATUS})(?:,(?:{_STATUS}))*$"

#: An Idempotency-Key (api.idempotency): 1 to 255 of letters, digits and `_ . : + / = ~ -`
#: (a UUID fits), optionally in double quotes (the IETF draft sends a structured-field
#: string).
_KEY_CHARS = r"[A-Za-z0-9_.:+/=~-]{1,255}"
IDEMPOTENCY_KEY = rf'^(?:{_KEY_CHARS}|"{_KEY_CHARS}")$'

#: What each pattern asks for, in words, for the 400 that refuses a value.
IN_WORDS = {
    CONTACTPOINT_ID: "a ContactPoint ID: 10 digits",
    NAME: "letters, spaces, apostrophes, hyphens and full stops only, starting with a letter",
    POSTCODE: "a UK postcode, such as LS1 4AP",
    DATE: "a date as YYYY-MM-DD",
    TEXT: "text without control or invisible formatting characters",
    STATED: "say why, in words, without control or invisible formatting characters",
    REVIEW_STATUSES: f"one or more of {', '.join(ReviewStatus.values)}, separated by commas",
    IDEMPOTENCY_KEY: "1 to 255 letters, digits or _ . : + / = ~ - (a UUID fits)",
}

# Closed vocabularies, as enums in the description. Literal of a computed tuple: the
# values come from the one place each is defined (records.REASONS, identity.vocabulary).
# A type checker cannot compute a Literal's values, so to it each is the text it is.
if TYPE_CHECKING:
    ReasonCode: TypeAlias = str
    Gender: TypeAlias = str
    ServiceType: TypeAlias = str
    ConsentBasis: TypeAlias = str
else:
    ReasonCode = Literal[tuple(REASONS)]
    Gender = Literal[tuple(sorted(GENDERS))]
    ServiceType = Literal[tuple(sorted(SERVICE_TYPES))]
    ConsentBasis = Literal[tuple(sorted(CONSENT_BASES))]


def date_field(default: Any, **kwargs: Any) -> Any:
    """A schema's field for a date sent as text: the pattern, and `format: date`."""
    return Field(default, pattern=DATE, json_schema_extra={"format": "date"}, **kwargs)
