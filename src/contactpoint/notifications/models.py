"""A notification: a responsible team told that someone outside it opened a child's record.

Nothing personal is stored here. Who looked, from which organisation, in what role,
when and why are read through from the view's own entry in the audit trail (`entry_id`,
the `child:record:view` entry written in the same transaction), whose reason is sealed
there under the child's key: shredding the child takes the reason with it. What is in
the clear is what the index keeps in the clear anyway (the ContactPoint ID through
`child`, organisations, timestamps) and the kind of service that was told.
"""

from __future__ import annotations

from django.db import models


class Notification(models.Model):
    #: The team told: the organisation of the child's open social-care or
    #: youth-offending involvement.
    recipient = models.ForeignKey("access.Organisation", on_delete=models.PROTECT,
                                  related_name="+")
    child = models.ForeignKey("identity.Child", on_delete=models.CASCADE, related_name="+")
    #: The view's audit entry (audit.Entry; entries are never removed, so no constraint).
    entry_id = models.BigIntegerField()
    #: Who opened the record, so one piece of work tells the team once (rules.REPEAT_AFTER).
    viewer = models.ForeignKey("access.User", null=True, on_delete=models.PROTECT,
                               related_name="+")
    #: Why the team was told: the service it provides (`social_care`, `youth_offending`).
    service_type = models.CharField(max_length=20)
    #: The viewer's organisation provides a sensitive service to the child (as the record
    #: said when it was opened): naming it would name the provider (inbox.py).
    viewer_sensitive = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey("access.User", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [
            # A team's inbox, newest first, and its unread count in every page's header.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["child", "viewer", "recipient", "created_at"],
                         name="notification_repeat"),
        ]
