"""The register of councils and the facts about their complaints.

Data flows one way: import -> these models -> councils.statistics -> pages, letters, downloads.
Visibility rules (which years are public) live in one QuerySet method each, so no view can
forget them.
"""

import calendar
import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

# Council types and categories live in their own module; imported from here like the rest.
from councils.dataversion import VersionedModel, VersionedQuerySet
from councils.groups import Category, CouncilType

YEAR_LABEL_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_year_label(label: str) -> int:
    """Return the starting calendar year of a reporting-year label such as `2023-24`.

    Raises ValueError with a plain reason for anything that is not `YYYY-YY` with consecutive years.
    """
    match = YEAR_LABEL_RE.match(label.strip()) if isinstance(label, str) else None
    if not match:
        raise ValueError(f"“{label}” is not a reporting year like 2023-24.")
    start = int(match.group(1))
    if (start + 1) % 100 != int(match.group(2)):
        raise ValueError(f"“{label}” is not a reporting year: the years must be consecutive.")
    return start


def year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def reporting_year_start(day: datetime.date) -> int:
    """The calendar year in which the financial year containing `day` starts (1 April)."""
    return day.year if day.month >= 4 else day.year - 1


class CouncilQuerySet(VersionedQuerySet):
    def current(self):
        """The councils that exist today (317 in England)."""
        return self.filter(ceased_on__isnull=True)

    def former(self):
        return self.filter(ceased_on__isnull=False)

    def of_type(self, council_type: str):
        return self.filter(type=council_type)

    def districts_of(self, county: "Council"):
        """The district councils in a county, current and former."""
        return self.filter(county=county)

    def with_code(self, code: str):
        """Match a council by its current code or any previous code it had."""
        code = code.strip().upper()
        return self.filter(Q(code=code) | Q(previous_codes__code=code)).distinct()


class Council(VersionedModel):
    code = models.CharField("GSS code", max_length=9, unique=True)
    name = models.CharField("area name", max_length=100)
    official_name = models.CharField(
        max_length=150, help_text="The council's own name, e.g. Ashfield District Council."
    )
    slug = models.SlugField(max_length=100, unique=True)
    type = models.ForeignKey(CouncilType, on_delete=models.PROTECT, related_name="councils")
    county = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="districts",
        limit_choices_to={"type": CouncilType.COUNTY},
        help_text="The county council a district sits in.",
    )
    chief_executive = models.CharField(max_length=150, blank=True)
    chief_executive_title = models.CharField(max_length=150, blank=True, default="Chief Executive")
    email = models.EmailField(blank=True, help_text="Where the annual review letter is sent.")
    ceased_on = models.DateField(
        null=True, blank=True, help_text="The day the council was abolished (its last day + 1)."
    )
    successors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="predecessors"
    )

    objects = CouncilQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="council_code_format", condition=Q(code__regex=r"^E(0[6-9]|10)[0-9]{6}$")
            ),
            # Only districts sit in a county.
            models.CheckConstraint(
                name="council_county_only_for_districts",
                condition=Q(county__isnull=True) | Q(type=CouncilType.DISTRICT),
            ),
            # E07 codes are districts, E10 counties, ... (type_id is the type's slug).
            models.CheckConstraint(
                name="council_code_matches_type", condition=CouncilType.code_matches_type()
            ),
        ]
        indexes = [
            # Council.objects.current().of_type(t): the map, compare pages and type averages.
            models.Index(fields=["type", "ceased_on"], name="council_type_current_idx"),
        ]

    def __str__(self):
        return self.official_name or self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"/councils/{self.slug}/"


class PreviousCode(VersionedModel):
    """A GSS code a council used before (e.g. Sheffield E08000019 before E08000039)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="previous_codes")
    code = models.CharField(max_length=9, unique=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code

    def clean(self):
        if Council.objects.filter(code=self.code).exclude(pk=self.council_id).exists():
            raise ValidationError({"code": "This is another council's current code."})


# Letters go to councils this long before their year is published (SPEC "Domain").
EMBARGO_WEEK = datetime.timedelta(days=7)


def _officer_council_id(user) -> int | None:
    """The council of a signed-in officer account (letters.Officer, reached by its reverse
    accessor so that councils/ imports nothing from letters/); None for anyone else."""
    if user is None or not user.is_active or not user.is_authenticated:
        return None
    officer = getattr(user, "officer", None)
    return officer.council_id if officer is not None else None


def published_by(day: datetime.date, year: str = "") -> Q:
    """The publication rule: a year is public once it has a publication date and that date has
    come. `year` is the lookup path to the reporting year from another model, such as
    "template__year__" from a letter; ReportingYear.is_public says the same of one year."""
    return Q(**{f"{year}published_on__isnull": False, f"{year}published_on__lte": day})


class ReportingYearQuerySet(VersionedQuerySet):
    def public(self, today: datetime.date | None = None):
        """Years whose figures the public may see: a publication date that has arrived."""
        return self.filter(published_by(today or timezone.localdate()))

    def visible_to(self, user, today: datetime.date | None = None, council=None):
        """Every year for staff (to preview before publication); public years for everyone else,
        and for an officer on their own `council`'s page also the year in its embargo week (the
        week between the letters going out and publication)."""
        if user is not None and user.is_active and user.is_staff:
            return self.all()
        today = today or timezone.localdate()
        if council is not None and _officer_council_id(user) == council.pk:
            return self.filter(published_by(today + EMBARGO_WEEK))
        return self.public(today)

    def for_label(self, label: str):
        return self.filter(label=label)


class ReportingYear(VersionedModel):
    """A financial year, 1 April to 31 March, labelled `2023-24`."""

    # The first year the site publishes: the Ombudsman's annual review letters and council
    # performance data go back to 2013-14. Imports, publish_year and the admin refuse earlier ones.
    FIRST_START = 2013

    label = models.CharField(max_length=7, unique=True)
    start = models.DateField()
    end = models.DateField()
    published_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day its figures, pages, downloads and letters become public.",
    )
    note = models.TextField(blank=True, help_text="A public note shown wherever the year is.")
    demo = models.BooleanField(default=False, editable=False)

    objects = ReportingYearQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                name="reporting_year_label_format", condition=Q(label__regex=r"^[0-9]{4}-[0-9]{2}$")
            ),
            models.CheckConstraint(
                name="reporting_year_end_after_start", condition=Q(end__gt=F("start"))
            ),
        ]

    def __str__(self):
        return self.label

    @classmethod
    def first_day(cls) -> datetime.date:
        return datetime.date(cls.FIRST_START, 4, 1)

    @classmethod
    def check_label(cls, label: str) -> int:
        """The start of `label` if it is a year we publish: 2013-14 to the one containing today.

        Raises ValueError with a plain reason otherwise. A year not yet begun has no figures (a
        population for it could only be a projection), so it is refused like a year before 2013-14.
        """
        start = parse_year_label(label)
        latest = reporting_year_start(timezone.localdate())
        if start < cls.FIRST_START:
            raise ValueError(
                f"{label.strip()} is before {year_label(cls.FIRST_START)}, "
                "the first reporting year we publish."
            )
        if start > latest:
            raise ValueError(
                f"{label.strip()} has not started yet: "
                f"the latest reporting year is {year_label(latest)}."
            )
        return start

    @classmethod
    def dates_for(cls, label: str) -> tuple[datetime.date, datetime.date]:
        start = parse_year_label(label)
        return datetime.date(start, 4, 1), datetime.date(start + 1, 3, 31)

    @classmethod
    def get_or_create_for_label(cls, label: str) -> "ReportingYear":
        start, end = cls.dates_for(label)
        year, _ = cls.objects.get_or_create(label=label, defaults={"start": start, "end": end})
        return year

    def is_public(self, today: datetime.date | None = None) -> bool:
        """`published_by` for a year already fetched."""
        today = today or timezone.localdate()
        return self.published_on is not None and self.published_on <= today

    @property
    def period(self) -> str:
        """`1 April 2023 to 31 March 2024`, as the Ombudsman writes it."""
        return f"1 April {self.start.year} to 31 March {self.end.year}"

    def clean(self):
        try:
            self.check_label(self.label)
            start, end = self.dates_for(self.label)
        except ValueError as error:
            raise ValidationError({"label": str(error)}) from None
        self.start, self.end = start, end


class Population(VersionedModel):
    """Residents of a council in a reporting year (ONS mid-year estimate)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="populations")
    year = models.ForeignKey(ReportingYear, on_delete=models.CASCADE, related_name="populations")
    population = models.PositiveIntegerField()
    demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["year", "council"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "year"], name="population_one_per_council_year"
            ),
            models.CheckConstraint(name="population_positive", condition=Q(population__gt=0)),
        ]

    def __str__(self):
        return f"{self.council} {self.year}: {self.population:,}"


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


class ImportKind(models.TextChoices):
    """The four kinds of file staff import (SPEC "Import files")."""

    COUNCILS = "councils"
    POPULATIONS = "populations"
    DECISIONS = "decisions"
    RECOMMENDATIONS = "recommendations"


class ImportRecord(models.Model):
    """One run of an import, kept so staff can see who loaded what and what it did."""

    class Via(models.TextChoices):
        ADMIN = "admin", "Admin"
        COMMAND = "command", "import_data command"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(help_text="Bytes.")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now, db_index=True)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.OTHER)
    dry_run = models.BooleanField(
        default=False, help_text="A preview: checked the file but wrote nothing."
    )
    applied = models.BooleanField(default=False, help_text="The rows were written.")
    new = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    problem = models.TextField(blank=True, help_text="Why the file was refused, if it was.")

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self):
        return (
            f"{self.get_kind_display()} from {self.file_name} at {self.imported_at:%Y-%m-%d %H:%M}"
        )


class DataVersion(models.Model):
    """One row whose number goes up with every change to public data (councils.dataversion)."""

    version = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"data version {self.version}"


# Revisions and background jobs are models of this app, kept in their own modules to keep this
# one short.
from councils.jobs.models import Job, JobQuerySet  # noqa: E402, F401
from councils.revision_models import RevisedCouncil, Revision, RevisionQuerySet  # noqa: E402, F401
