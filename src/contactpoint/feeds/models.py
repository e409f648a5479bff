"""The record of each feed load (the source systems themselves are access.models.SourceSystem)."""

from __future__ import annotations

from django.db import models


class FeedLoad(models.Model):
    """One run of the loader over one file: what it read and what it did."""

    source = models.ForeignKey("access.SourceSystem", on_delete=models.PROTECT,
                               related_name="loads")
    file_name = models.CharField(max_length=255)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]
