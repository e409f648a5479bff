"""Misuse alerts, and how far the rules have read the audit trail.

An `Alert` is raised once (its `key` is unique: the rule, and what makes one finding of
it one, such as the user and the day) and names the trail's entries it rests on by
sequence number (`evidence`), so whoever reads it reads the evidence from the sealed
trail itself. `authority` is the local authority of the user's organisation: its
management team and the national team see the alert; with no authority (a national
partner's user, an address with no account) only the national team does. A break
glass alerts the team that shields the child as well (`child_team`).

`RuleProgress` is one row: the last sequence number the rules have read. The runner
locks it while it reads on, so several web workers running the rules take turns and
none reads an entry twice (`runner.py`).
"""

from __future__ import annotations

from django.db import models


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    MISUSE = "misuse", "Misuse confirmed"
    EXPLAINED = "explained", "Explained: no misuse"
    FALSE_ALARM = "false_alarm", "False alarm"


class Alert(models.Model):
    rule = models.CharField(max_length=40, db_index=True)
    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey("access.User", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    #: As the trail names them (kept if the account is later deleted); None when the
    #: finding is about no account (sign-in failures from one address).
    username = models.CharField(max_length=160, null=True, blank=True)  # noqa: DJ001
    organisation = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    authority = models.ForeignKey("access.Organisation", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    #: The child a break glass revealed (its ContactPoint ID): the team that shields the
    #: child is alerted too, as DOMAIN.md asks.
    child = models.CharField(max_length=10, null=True, blank=True)  # noqa: DJ001
    child_team = models.ForeignKey("access.Organisation", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(db_index=True)
    #: What the rule saw, in words, with nothing personal in it (counts, the window).
    summary = models.CharField(max_length=300)
    #: Sequence numbers of the trail's entries the alert rests on, oldest first.
    evidence = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=AlertStatus.choices,
                              default=AlertStatus.OPEN, db_index=True)
    manager_told_at = models.DateTimeField(null=True, blank=True)
    manager_told_by = models.CharField(max_length=160, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=160, blank=True, default="")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")

    class Meta:
        ordering = ["-raised_at", "-pk"]


class RuleProgress(models.Model):
    """One row (id 1): how far through the trail the rules have read."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    #: The last sequence number read (-1: none yet).
    last_seq = models.BigIntegerField(default=-1)
    ran_at = models.DateTimeField(null=True)
