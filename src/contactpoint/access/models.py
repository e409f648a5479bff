"""Organisations and the people in them who may use the index."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9:._/-]{0,39}$",
    "an organisation code is 1-40 letters, digits and : . _ / - (e.g. URN:107654, E08000035)",
)


class OrganisationType(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    SCHOOL = "school", "School"
    EARLY_YEARS = "early_years", "Early years setting"
    GP_PRACTICE = "gp_practice", "GP practice"
    NHS_TRUST = "nhs_trust", "NHS trust"
    SOCIAL_CARE = "social_care", "Children's social care"
    YOUTH_OFFENDING = "youth_offending", "Youth offending team"
    POLICE = "police", "Police force"
    VOLUNTARY = "voluntary", "Voluntary sector"
    NATIONAL_PARTNER = "national_partner", "National partner"
    OTHER = "other", "Other"


class Organisation(models.Model):
    """An accredited body whose named staff may be granted access.

    Local authorities are organisations too: their code is the ONS code (E08000035) and
    every other organisation belongs to one, except national partners.
    """

    code = models.CharField(max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=OrganisationType.choices)
    authority = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="members",
        limit_choices_to={"type": OrganisationType.LOCAL_AUTHORITY},
    )
    accredited = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_local_authority(self) -> bool:
        return self.type == OrganisationType.LOCAL_AUTHORITY


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    MANAGEMENT_TEAM = "management_team", "Local management team"
    NATIONAL_ADMIN = "national_admin", "National administrator"
    AUDITOR = "auditor", "Auditor"


class User(AbstractUser):
    """A named individual in an accredited organisation. No self-registration."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    suspended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]
