"""A subject access request a management team answered, and the export it produced.

Who asked and how their identity was checked are kept in the request's audit entry,
sealed; the export (sar.json) is kept here sealed under the child's own key
(crypto/envelope), so shredding the child erases it with everything else about them.
"""

from __future__ import annotations

from django.db import models


class SubjectAccessRequest(models.Model):
    contactpoint_id = models.CharField(max_length=10, db_index=True)
    #: The team member who answered it (username) and their organisation's code.
    answered_by = models.CharField(max_length=150)
    organisation = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    shielded = models.BooleanField(default=False)
    #: Names the sealed export's purpose (associated data), fixed before the row exists.
    token = models.CharField(max_length=32, unique=True)
    #: sar.json, sealed under the child's key.
    export = models.BinaryField()

    class Meta:
        db_table = "subject_access_request"
        ordering = ["-created_at", "-pk"]
