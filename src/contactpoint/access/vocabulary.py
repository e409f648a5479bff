"""Roles and organisation types as plain values, for code that runs before Django is set up."""

ROLES = ("practitioner", "management_team", "national_admin", "auditor")
ORGANISATION_TYPES = (
    "local_authority", "school", "early_years", "gp_practice", "nhs_trust", "social_care",
    "youth_offending", "police", "voluntary", "national_partner", "other",
)
