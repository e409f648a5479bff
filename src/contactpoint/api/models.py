"""What the API keeps between requests: the answers to requests sent with an
Idempotency-Key (api.idempotency), so a retry gets the first answer instead of acting twice."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class IdempotentRequest(models.Model):
    """One caller's key, the request it was first sent with, and the answer given.

    Written in the same transaction as what the request did, so a crash leaves neither.
    Kept for idempotency.KEPT_FOR, then deleted. The answer holds identifiers only (the
    involvement's number, the child's ContactPoint ID, the service type), as the
    involvement's own row does; the request itself is kept only as a keyed hash.
    """

    user = models.ForeignKey("access.User", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    client = models.ForeignKey("access.ApiClient", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    #: HMAC-SHA256 (the project's secret key) of the operation, its path and its body.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    answer = models.BinaryField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, client__isnull=True)
                | Q(user__isnull=True, client__isnull=False),
                name="idempotent_request_one_caller"),
            models.UniqueConstraint(fields=["user", "key"], condition=Q(user__isnull=False),
                                    name="idempotent_request_user_key"),
            models.UniqueConstraint(fields=["client", "key"],
                                    condition=Q(client__isnull=False),
                                    name="idempotent_request_client_key"),
        ]
