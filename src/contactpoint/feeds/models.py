"""Source systems and the record of each feed load."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

source_name_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,49}$",
    "a source name is 1-50 lower-case letters, digits, _ and - (e.g. school_census)",
)


class SourceSystem(models.Model):
    """A system that supplies records: school census, NHS demographics, a council's social care.

    `trust_rank` orders sources when two say different things at the same moment
    (lower is more trusted); the operator sets it.
    """

    name = models.CharField(max_length=50, unique=True, validators=[source_name_validator])
    description = models.CharField(max_length=200, blank=True)
    trust_rank = models.PositiveSmallIntegerField(default=100)
    authority = models.ForeignKey(
        "access.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="source_systems",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["trust_rank", "name"]

    def __str__(self) -> str:
        return self.name


class FeedLoad(models.Model):
    """One run of the loader over one file: what it read and what it did."""

    source = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="loads")
    file_name = models.CharField(max_length=255)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]
