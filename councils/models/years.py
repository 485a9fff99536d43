"""Reporting years: their labels, their publication and who may see them before it."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from councils.dataversion import VersionedModel, VersionedQuerySet

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
