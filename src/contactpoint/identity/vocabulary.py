"""The record's vocabulary: what a feed may send and the index keeps.

See docs/feed-format.md and shared CONTRACTS.md.
"""

from __future__ import annotations

GENDERS = frozenset({"female", "male", "other", "unspecified"})
ADDRESS_STATUSES = frozenset({"current", "last_known", "none_known", "left_england"})
ACTIONS = frozenset({"upsert", "delete"})
SERVICE_TYPES = frozenset({
    "school", "early_years", "gp", "health_visitor", "school_nurse", "social_care",
    "youth_offending", "camhs", "sexual_health", "substance_misuse", "voluntary", "police",
    "other",
})
#: Services whose provider ordinary readers never see; a source may send them only with
#: the young person's consent or under the significant-harm exception.
SENSITIVE_SERVICE_TYPES = frozenset({"camhs", "sexual_health", "substance_misuse"})
CONSENT_BASES = frozenset({"young_person", "harm_exception"})
IDENTIFIER_KINDS = ("nhs_number", "upn")

TOP_LEVEL_FIELDS = frozenset({
    "source_id", "action", "recorded_at", "given_names", "family_name",
    "former_family_names", "preferred_name", "date_of_birth", "gender", "address",
    "address_status", "return_expected", "identifiers", "carers", "services",
    "date_of_death",
})
ADDRESS_FIELDS = frozenset({"lines", "town", "postcode", "uprn"})
CARER_FIELDS = frozenset({
    "given_names", "family_name", "relationship", "parental_responsibility", "phone",
    "email", "address",
})
SERVICE_FIELDS = frozenset({
    "type", "organisation", "organisation_code", "practitioner", "phone", "email",
    "start_date", "end_date", "lead_professional", "caf", "consent",
})
REQUIRED_FIELDS = ("source_id", "given_names", "family_name", "date_of_birth")

MAX_LINE_BYTES = 64 * 1024
MAX_NAME_CHARS = 100
MAX_TEXT_CHARS = 200
MAX_LIST_ITEMS = 50
#: Someone this old or older is not a child for the index (care leavers stay to 25).
MAX_AGE_YEARS = 25
