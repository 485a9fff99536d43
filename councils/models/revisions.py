"""Revisions: a change to the figures of a year the public has already seen.

A model of the `councils` app, in its own module to keep `councils.models` short; the logic that
measures and records revisions is in `councils.revisions`.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from councils.dataversion import VersionedModel, VersionedQuerySet
from councils.models.register import Council
from councils.models.years import ReportingYear


class RevisionQuerySet(VersionedQuerySet):
    def public(self, today: datetime.date | None = None):
        """Revisions of published years only: an embargoed year has no public history."""
        return self.filter(year__in=ReportingYear.objects.public(today))

    def of_year(self, year: ReportingYear):
        return self.filter(year=year)

    def after(self, moment: datetime.datetime):
        return self.filter(recorded_at__gt=moment)


class Revision(VersionedModel):
    """Published figures of a public year changed: when, why, which councils, and by whom."""

    year = models.ForeignKey(ReportingYear, on_delete=models.PROTECT, related_name="revisions")
    revised_on = models.DateField(default=timezone.localdate)
    recorded_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(help_text="Published on the year's and the councils' pages.")
    councils = models.ManyToManyField(Council, through="RevisedCouncil", related_name="revisions")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    change = models.CharField(
        max_length=255, blank=True, help_text="For staff: the import or the record edited."
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            # the year page, revisions.csv, a council page: one year's revisions, newest first.
            models.Index(fields=["year", "-recorded_at"], name="revision_year_idx"),
        ]
        constraints = [
            # The public is told why every figure changed: never a blank reason.
            models.CheckConstraint(
                name="revision_reason_given", condition=~Q(reason__regex=r"^\s*$")
            ),
        ]

    def __str__(self):
        return f"{self.year} revised on {self.revised_on:%d %B %Y}"


class RevisedCouncil(VersionedModel):
    """A council whose published figures a revision changed."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="revised")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["revision", "council__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "council"], name="revised_council_once_per_revision"
            ),
        ]

    def __str__(self):
        return f"{self.council}: {self.revision}"
