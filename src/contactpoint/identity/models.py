"""The index itself: children, the source records they are derived from, the blind index.

Nothing personal is stored in the clear. Names, dates of birth, addresses, contacts,
identifiers and practitioners' names live only inside sealed blobs (AES-256-GCM under the
child's own data key, which lives in the separate key store). What is in the clear is
what the service must query on without a key: the ContactPoint ID, status, the shield
flag, the responsible local authority, timestamps and opaque blind-index tokens.
"""

from __future__ import annotations

from django.db import models


def unique_index(field: str, *, name: str) -> models.UniqueConstraint:
    """`field` unique through an index of its own, `name`, on both engines.

    A plain unique constraint is part of its table on SQLite (an index no statement can
    drop) and a constraint on PostgreSQL; given as an expression, Django creates it as a
    unique index (`CREATE UNIQUE INDEX`) on both, which the initial load drops for its
    writing and builds once, sorted, at its end (loading.initial): its keys are random,
    and inserting them one by one visits a page of the index at random per row.
    """
    return models.UniqueConstraint(models.F(field), name=name)


class ChildStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"
    PURGED = "purged", "Purged"
    #: Found to be the same child as another (`merged_into`); kept so an old ContactPoint
    #: ID still leads somewhere and the merge can be undone.
    MERGED = "merged", "Merged into another child"


class Child(models.Model):
    # Unique and indexed through Meta, not `unique=True` / `db_index=True`: on PostgreSQL
    # those add a second `varchar_pattern_ops` index to every CharField for LIKE queries,
    # which nothing here runs, and every child written would pay for it.
    contactpoint_id = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=ChildStatus.choices,
                              default=ChildStatus.ACTIVE)
    shielded = models.BooleanField(default=False)
    local_authority = models.ForeignKey(
        "access.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    #: While shielded: the team that brokers contact (the organisation of whoever shielded
    #: the record; none means the national team). Never derived from the hidden address,
    #: so naming it does not say where the child lives.
    shield_broker = models.ForeignKey(
        "access.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    #: Shielded by the index itself, not a person: a record that may be a shielded child's,
    #: held until a person decides the match (matching.review).
    shield_held = models.BooleanField(default=False, db_default=False)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    #: The derived record (identity, whereabouts, carers, services, provenance), sealed.
    record = models.BinaryField(null=True)
    #: The day the retention run archived the record, and the day it purged it
    #: (lifecycle.retention): status dates, kept in the tombstone with the ID and status.
    archived_on = models.DateField(null=True, blank=True)
    purged_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "children"
        constraints = [unique_index("contactpoint_id", name="child_contactpoint_id_unique")]
        indexes = [models.Index(fields=["status"], name="child_status")]

    def __str__(self) -> str:
        return f"Child {self.contactpoint_id}"


class LinkState(models.TextChoices):
    NEW = "new", "Created a new child"
    AUTO = "auto", "Linked automatically"
    MANUAL = "manual", "Linked by a person"
    REVIEW = "review", "Waiting for review"


class SourceRecord(models.Model):
    """One feed record as received (less any part the loader rejected), sealed.

    Found again by `source_key`, a blind-index digest of (source, source_id), because a
    source's own id may itself be personal (an NHS number, a pupil number). A delete
    leaves a tombstone (no payload, no child) so an older upsert cannot bring it back.
    """

    source = models.ForeignKey("access.SourceSystem", on_delete=models.PROTECT,
                               related_name="records")
    #: Unique by an index of its own (Meta), which the initial load can drop.
    source_key = models.BinaryField(max_length=16)
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="source_records")
    link_state = models.CharField(max_length=10, choices=LinkState.choices)
    recorded_at = models.DateTimeField()
    #: Keyed digest of the sealed content: equal content is recognised without a key.
    content_digest = models.BinaryField(max_length=16)
    payload = models.BinaryField(null=True)
    deleted = models.BooleanField(default=False)
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [unique_index("source_key", name="source_record_source_key_unique")]


class BlindIndexEntry(models.Model):
    """One blind-index token of one source record, for matching and search.

    `child` repeats the source record's child so a token leads to candidates in one hop.
    """

    token = models.BinaryField(max_length=16)
    # Indexed in Meta, by name, so the initial load can drop the index and build it once
    # at its end (loading.initial).
    source_record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE,
                                      related_name="tokens", db_index=False)
    # No index of its own: nothing looks entries up by child (a merge moves them by
    # source record, children are never deleted), and at a million children a fourth
    # index on random keys cost a quarter of every entry's insert (docs/benchmarks.md).
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+",
                              db_index=False)

    class Meta:
        # Token then child: a lookup answers from the index alone (no visit to the
        # table per hit), which at millions of records is most of a lookup's cost.
        indexes = [models.Index(fields=["token", "child"], name="blind_index_token_child"),
                   models.Index(fields=["source_record"], name="blind_index_source_record")]


class PostcodeDistrict(models.Model):
    """Reference data: which local authority a postcode district lies in (ONS NSPL-derived).

    Used to decide which authority a child belongs to; not personal data.
    """

    district = models.CharField(max_length=4, primary_key=True)
    authority = models.ForeignKey("access.Organisation", on_delete=models.PROTECT,
                                  related_name="postcode_districts")


class Involvement(models.Model):
    """A practitioner's own involvement with a child, recorded through the index.

    Every edit is a new version (`superseded_by` points forward), so the history of who
    said what, and when, is kept. The practitioner's name and contact details and the
    dates are sealed under the child's key; the service type and the two flags are in
    the clear because the rules (one lead professional, sensitive services) need them.
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="involvements")
    organisation = models.ForeignKey("access.Organisation", on_delete=models.PROTECT,
                                     related_name="involvements")
    recorded_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    service_type = models.CharField(max_length=20)
    lead_professional = models.BooleanField(default=False)
    caf = models.BooleanField(default=False)
    details = models.BinaryField()
    recorded_at = models.DateTimeField()
    superseded_by = models.OneToOneField("self", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="supersedes")

    class Meta:
        constraints = [
            # One lead professional per child at a time, among current versions.
            models.UniqueConstraint(
                fields=["child"], name="one_lead_professional",
                condition=models.Q(lead_professional=True, superseded_by__isnull=True)),
        ]


class ShieldChange(models.Model):
    """A shield put on or lifted: who, when, why (sealed) and when to review it.

    The child's `shielded` flag is what every rule reads; this is its history.
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="shield_changes")
    shielded = models.BooleanField()
    #: The reason, sealed under the child's key: it is itself sensitive (domestic abuse,
    #: adoption, protection).
    reason = models.BinaryField()
    review_on = models.DateField(null=True)
    #: None when the index itself held a record shielded (a possible shielded match).
    changed_by = models.ForeignKey("access.User", null=True, on_delete=models.PROTECT,
                                   related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-pk"]
