"""What matching keeps: the versions of its settings, every decision it made and why, the
uncertain pairs waiting for a person, and the history of what people decided.

Nothing here is personal in the clear: explanations are comparison levels and weights
("given name: nickname, +6.1"), never the values compared. A person's stated reason is
free text the service asks them to keep free of personal details (docs/matching.md); as
people do not always manage to, it is sealed under the child's key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MatchConfiguration(models.Model):
    """One version of the matcher: its trained parameters and the operator's thresholds.

    The latest version is the one in use; decisions point at the version that made them,
    so an old decision can be explained after the model or thresholds have changed.
    """

    parameters = models.JSONField()
    link_threshold = models.FloatField()
    review_threshold = models.FloatField()
    margin = models.FloatField()
    #: Where the parameters came from: the shipped model, or what they were trained on.
    trained_on = models.CharField(max_length=200)
    changed_by = models.CharField(max_length=150)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(link_threshold__gte=models.F("review_threshold")),
                name="match_link_at_least_review"),
            models.CheckConstraint(condition=models.Q(margin__gte=0), name="match_margin_positive"),
        ]


class DecisionState(models.TextChoices):
    AUTO = "auto", "Linked automatically"
    REVIEW = "review", "Sent to review"
    NEW = "new", "New child"


class MatchDecision(models.Model):
    """Why the machine placed a source record where it did, kept with the record."""

    source_record = models.OneToOneField("identity.SourceRecord", on_delete=models.CASCADE,
                                         related_name="match_decision")
    #: Not indexed: every record's decision would write an entry under one of a handful
    #: of configurations, and nothing looks decisions up by configuration (configurations
    #: are kept, never deleted).
    configuration = models.ForeignKey(MatchConfiguration, on_delete=models.PROTECT,
                                      related_name="decisions", db_index=False)
    state = models.CharField(max_length=10, choices=DecisionState.choices)
    score = models.FloatField(null=True)
    #: The best candidate children: [{"child", "record", "score", "capped",
    #: "explanation": [[comparison, level, weight], ...]}, ...], best first.
    candidates = models.JSONField(default=list)
    decided_at = models.DateTimeField()


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Waiting for a decision"
    DEFERRED = "deferred", "Deferred"
    LINKED = "linked", "Linked: the same child"
    KEPT_APART = "kept_apart", "Kept apart: not the same child"
    CLOSED = "closed", "Closed: decided another way"


class ReviewItem(models.Model):
    """An uncertain pair: a source record (in a child of its own) and a child it may be."""

    source_record = models.ForeignKey("identity.SourceRecord", on_delete=models.CASCADE,
                                      related_name="review_items")
    candidate = models.ForeignKey("identity.Child", on_delete=models.CASCADE,
                                  related_name="review_candidacies")
    score = models.FloatField()
    reason = models.CharField(max_length=200)
    explanation = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=ReviewStatus.choices,
                              default=ReviewStatus.OPEN, db_index=True)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source_record", "candidate"],
                                               name="review_item_once_per_pair")]


class KeptApart(models.Model):
    """Two children a person said are not the same child: never proposed again.

    Stored once per pair, lower primary key first.
    """

    child_a = models.ForeignKey("identity.Child", on_delete=models.CASCADE, related_name="+")
    child_b = models.ForeignKey("identity.Child", on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey("MatchAction", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child_a", "child_b"], name="kept_apart_once"),
            models.CheckConstraint(condition=models.Q(child_a__lt=models.F("child_b")),
                                   name="kept_apart_ordered"),
        ]


class ActionKind(models.TextChoices):
    LINK = "link", "Linked a review pair"
    KEEP_APART = "keep_apart", "Kept a review pair apart"
    DEFER = "defer", "Deferred a review pair"
    SPLIT = "split", "Split a source record off its child"
    MERGE = "merge", "Merged two children"
    UNDO = "undo", "Undid an earlier decision"


class MatchAction(models.Model):
    """One person's decision, with everything needed to reverse it.

    `moves` lists each source record moved: [{"record", "from", "to", "state"}] where
    `state` is the link state it had before. `retired` is the child emptied and merged
    away, `created` the child made by a split; `kept_apart` the pairs recorded and
    `released` the pairs this action removed; `items` the review items and their
    earlier statuses.
    """

    kind = models.CharField(max_length=12, choices=ActionKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    #: The person's stated reason, sealed under the key of the child it is about (`child`,
    #: else `retired`, else `created`): free text that may name someone, as a shield's
    #: reason may. review.stated_reason opens it; None once that child is shredded.
    reason = models.BinaryField(null=True)
    at = models.DateTimeField()
    child = models.ForeignKey("identity.Child", null=True, on_delete=models.PROTECT,
                              related_name="+")
    moves = models.JSONField(default=list)
    retired = models.ForeignKey("identity.Child", null=True, on_delete=models.PROTECT,
                                related_name="+")
    created = models.ForeignKey("identity.Child", null=True, on_delete=models.PROTECT,
                                related_name="+")
    kept_apart = models.JSONField(default=list)
    released = models.JSONField(default=list)
    items = models.JSONField(default=list)
    undoes = models.OneToOneField("self", null=True, on_delete=models.PROTECT,
                                  related_name="undone_by")

    class Meta:
        ordering = ["-at", "-pk"]
