"""The audit trail's tables, in the data database beside the actions they record.

`Entry` rows are written by `hooks.record` in the caller's transaction, and are never
changed or removed: the database refuses UPDATE, DELETE and TRUNCATE of them (the
triggers in migration 0002, `guard.py`). A `Pending` row marks an entry not yet given
its place in the log; the sequencer (`trail.sequence`) gives pending entries the next
sequence numbers in one short transaction of its own, writing a `Leaf` for each (also
never changed), and keeps the log's running Merkle state in the one `Head` row.
`SignedCheckpoint` keeps every checkpoint signed, for `contactpoint audit verify`.
"""

from __future__ import annotations

from django.db import models


class Entry(models.Model):
    """One audited action: who, when, which organisation, what, and about which children.

    Readable: when, the event, the actor, their organisation and role, the subject and
    the ContactPoint IDs of the children it concerns (monitoring needs them). Sealed in
    `sealed`: the reason and anything personal that was asked (names searched for,
    free text). `details` holds what the caller records that is not personal. A missing
    actor, organisation, role or subject is NULL, not "": nobody known is not a name.
    """

    at = models.DateTimeField(db_index=True)
    event = models.CharField(max_length=80, db_index=True)
    actor = models.CharField(max_length=160, null=True, db_index=True)  # noqa: DJ001
    organisation = models.CharField(max_length=64, null=True, db_index=True)  # noqa: DJ001
    role = models.CharField(max_length=40, null=True)  # noqa: DJ001
    subject = models.CharField(max_length=200, null=True)  # noqa: DJ001
    #: The ContactPoint IDs the entry concerns, space-separated, in the order given.
    children = models.TextField(default="", blank=True)
    #: JSON text (keys sorted) of what the caller recorded that is not personal.
    details = models.TextField(default="{}")
    #: The reason and the personal content, sealed (`sealing.py`); empty when none.
    sealed = models.BinaryField(null=True)

    class Meta:
        db_table = "audit_entry"


class EntryChild(models.Model):
    """Index of entries by child (a child's accesses, the Activity page's filter).

    Derived from `Entry.children` by the sequencer as it places the entry (so an entry
    is found by child once placed, a second or so after it is written); the log
    commits to `Entry.children`, which this table only makes quick to search.
    Its key is (child, entry): one B-tree, since every search writes a row per child
    it returned.
    """

    pk = models.CompositePrimaryKey("contactpoint_id", "entry_id")
    contactpoint_id = models.CharField(max_length=10)
    entry_id = models.BigIntegerField()

    class Meta:
        db_table = "audit_entry_child"


class Pending(models.Model):
    """An entry written but not yet sequenced: removed when the sequencer places it."""

    entry = models.OneToOneField(Entry, on_delete=models.DO_NOTHING, db_constraint=False,
                                 primary_key=True, related_name="+")

    class Meta:
        db_table = "audit_pending"


class Leaf(models.Model):
    """An entry's place in the log: its sequence number and the leaf hash it got there."""

    seq = models.BigIntegerField(primary_key=True)
    entry = models.OneToOneField(Entry, on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="leaf")
    leaf_hash = models.BinaryField()
    #: For each child of the entry (`Entry.children` order), the number of the entry
    #: before it about that child, space-separated, "-" for none (`chain.py`). NULL for
    #: an entry placed before chaining began: its leaf is the older kind.
    links = models.TextField(null=True)  # noqa: DJ001

    class Meta:
        db_table = "audit_leaf"


class ChildHead(models.Model):
    """The latest placed entry about each child: where its chain goes on from.

    Written only by the sequencer, under the `Head` lock, with the leaves it places.
    A child with entries from before chaining began and no row yet is looked up once in
    the child index (`chains.py`).
    """

    contactpoint_id = models.CharField(max_length=10, primary_key=True)
    seq = models.BigIntegerField()

    class Meta:
        db_table = "audit_child_head"


class Head(models.Model):
    """The log as the sequencer left it: its size and the roots of its complete subtrees.

    One row (id 1). The sequencer locks it while it places entries, so sequencing is
    serialised without any request waiting on it. `verify` never trusts it: it
    recomputes the tree from the entries.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    #: `merkle.TreeBuilder.state()`: the subtree roots, concatenated.
    frontier = models.BinaryField(default=b"")
    updated_at = models.DateTimeField(null=True)
    #: The first sequence number placed with per-child links (`chain.py`): entries before
    #: it were placed before chaining began (the upgrade sets it to the log's size then).
    chained_from = models.BigIntegerField(default=0)

    class Meta:
        db_table = "audit_head"


class SignedCheckpoint(models.Model):
    """A checkpoint signed with the trail's key: C2SP signed-note text."""

    size = models.BigIntegerField(db_index=True)
    root = models.BinaryField()
    text = models.TextField()
    signed_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "audit_checkpoint"
