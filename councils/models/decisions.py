"""Decisions, their outcomes and compliance, and the recommendations made on them."""

import calendar
import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from councils.dataversion import VersionedModel, VersionedQuerySet
from councils.models.groups import Category
from councils.models.register import Council
from councils.models.years import ReportingYear


class OutcomeGroup(models.TextChoices):
    """The 2024-25 onward wording for what happened to complaints."""

    INVESTIGATED = "investigated", "Investigated"
    ASSESSED_AND_CLOSED = "assessed and closed", "Assessed and closed"
    NOT_FOR_US = "not for us", "Not for us"


class Outcome(models.TextChoices):
    UPHELD = "Upheld"
    NOT_UPHELD = "Not upheld"
    CLOSED_AFTER_INITIAL_ENQUIRIES = "Closed after initial enquiries"
    ADVICE_GIVEN = "Advice given"
    REFERRED_BACK = "Referred back for local resolution"
    INCOMPLETE_INVALID = "Incomplete/Invalid"

    @property
    def group(self) -> OutcomeGroup:
        return OUTCOME_GROUPS[self]


OUTCOME_GROUPS: dict[str, OutcomeGroup] = {
    Outcome.UPHELD: OutcomeGroup.INVESTIGATED,
    Outcome.NOT_UPHELD: OutcomeGroup.INVESTIGATED,
    Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES: OutcomeGroup.ASSESSED_AND_CLOSED,
    Outcome.ADVICE_GIVEN: OutcomeGroup.NOT_FOR_US,
    Outcome.REFERRED_BACK: OutcomeGroup.NOT_FOR_US,
    Outcome.INCOMPLETE_INVALID: OutcomeGroup.NOT_FOR_US,
}
INVESTIGATED_OUTCOMES = (Outcome.UPHELD, Outcome.NOT_UPHELD)


class Compliance(models.TextChoices):
    COMPLIED = "Complied"
    COMPLIED_LATE = "Complied late"
    NOT_COMPLIED = "Not complied"


COMPLIED_OUTCOMES = (Compliance.COMPLIED, Compliance.COMPLIED_LATE)


def dated_in(field: str, *years: ReportingYear) -> Q:
    """A date column from the first of `years`' starts to the last of their ends: the
    condition of the methods below, for counts that need it as a filter of their own."""
    return Q(
        **{f"{field}__gte": min(y.start for y in years), f"{field}__lte": max(y.end for y in years)}
    )


class DecisionQuerySet(VersionedQuerySet):
    # Each takes one year or several (the statistics read every year in one query).

    def received_in(self, *years: ReportingYear):
        """Complaints received: counted in the year of their received date."""
        return self.filter(dated_in("received", *years))

    def decided_in(self, *years: ReportingYear):
        """Decisions made (and every statistic but compliance): the year of the decision date."""
        return self.filter(dated_in("decided", *years))

    def compliance_recorded_in(self, *years: ReportingYear):
        """Compliance outcomes: the year of the compliance date, often later than the decision."""
        return self.filter(dated_in("compliance_date", *years)).exclude(compliance="")

    def decided(self):
        return self.filter(decided__isnull=False)

    def investigated(self):
        return self.filter(outcome__in=INVESTIGATED_OUTCOMES)

    def upheld(self):
        return self.filter(outcome=Outcome.UPHELD)

    def public_reports(self):
        return self.filter(public_report=True)

    def for_council(self, council: Council):
        return self.filter(council=council)

    def published(self, today: datetime.date | None = None):
        """Decisions the public may read: decided at least three months ago."""
        today = today or timezone.localdate()
        return self.filter(decided__isnull=False, decided__lte=_three_months_before(today))


def _three_months_before(day: datetime.date) -> datetime.date:
    year, month_index = divmod(day.year * 12 + day.month - 1 - 3, 12)
    month = month_index + 1
    # 31 May -> 28 (or 29) February: clamp to the month's last day.
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Decision(VersionedModel):
    """One complaint to the Ombudsman about a council, and what was decided."""

    reference = models.CharField(max_length=20, unique=True, help_text="e.g. 23 001 234")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="decisions")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="decisions")
    received = models.DateField()
    decided = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=40, choices=Outcome.choices, blank=True)
    remedied_by_council = models.BooleanField(
        default=False,
        help_text="Upheld, and the council had already provided a satisfactory remedy.",
    )
    public_report = models.BooleanField(default=False, help_text="A public interest report.")
    compliance = models.CharField(max_length=20, choices=Compliance.choices, blank=True)
    compliance_date = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    demo = models.BooleanField(default=False, editable=False)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-decided", "reference"]
        constraints = [
            models.CheckConstraint(
                name="decision_outcome_valid", condition=Q(outcome__in=["", *Outcome.values])
            ),
            models.CheckConstraint(
                name="decision_compliance_valid",
                condition=Q(compliance__in=["", *Compliance.values]),
            ),
            # Undecided means no decision date and no outcome; decided means both.
            models.CheckConstraint(
                name="decision_decided_has_outcome",
                condition=Q(decided__isnull=True, outcome="")
                | (Q(decided__isnull=False) & ~Q(outcome="")),
            ),
            models.CheckConstraint(
                name="decision_decided_not_before_received",
                condition=Q(decided__isnull=True) | Q(decided__gte=F("received")),
            ),
            models.CheckConstraint(
                name="decision_compliance_has_date",
                condition=Q(compliance="", compliance_date__isnull=True)
                | (~Q(compliance="") & Q(compliance_date__isnull=False)),
            ),
            models.CheckConstraint(
                name="decision_remedy_only_when_upheld",
                condition=Q(remedied_by_council=False) | Q(outcome=Outcome.UPHELD),
            ),
        ]
        indexes = [
            # statistics: decisions made in a year, grouped by council and outcome.
            models.Index(fields=["decided", "council", "outcome"], name="decision_decided_idx"),
            # statistics: complaints received in a year, grouped by council and category.
            models.Index(fields=["received", "council", "category"], name="decision_received_idx"),
            # statistics: compliance outcomes recorded in a year, grouped by council.
            models.Index(
                fields=["compliance_date", "council", "compliance"], name="decision_compliance_idx"
            ),
            # council page: one council's decisions, newest first.
            models.Index(fields=["council", "-decided"], name="decision_council_idx"),
        ]

    def __str__(self):
        return self.reference

    @property
    def outcome_group(self) -> OutcomeGroup | None:
        return OUTCOME_GROUPS.get(self.outcome)

    @property
    def public_from(self) -> datetime.date | None:
        """The first day `DecisionQuerySet.published()` includes it (its year aside)."""
        if self.decided is None:
            return None
        year, month_index = divmod(self.decided.year * 12 + self.decided.month - 1 + 3, 12)
        month = month_index + 1
        if self.decided.day <= calendar.monthrange(year, month)[1]:
            return datetime.date(year, month, self.decided.day)
        # 30 November: three months before 28 February is 28 November, so 1 March is the day.
        return datetime.date(year, month, 1) + datetime.timedelta(
            days=calendar.monthrange(year, month)[1]
        )


class RecommendationKind(models.TextChoices):
    REMEDY = "Remedy"
    SERVICE_IMPROVEMENT = "Service improvement"


class RecommendationQuerySet(VersionedQuerySet):
    def service_improvements(self):
        return self.filter(kind=RecommendationKind.SERVICE_IMPROVEMENT)


class Recommendation(VersionedModel):
    """What the council was asked to do on a decision."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="recommendations")
    kind = models.CharField(max_length=20, choices=RecommendationKind.choices)
    text = models.TextField()
    due = models.DateField(null=True, blank=True)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["decision", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                name="recommendation_kind_valid", condition=Q(kind__in=RecommendationKind.values)
            ),
        ]

    def __str__(self):
        return f"{self.kind}: {self.text[:60]}"
