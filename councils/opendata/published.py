"""Published values for open data: one row shape shared by the CSV, XLSX and JSON files and the API.

Every figure comes from `councils.statistics`; this module only picks the published (rounded)
form and lays it out in the SPEC's columns, so the formats and the API can never drift apart.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.serializers.json import DjangoJSONEncoder

from councils.models import Council, Decision, ReportingYear
from councils.revisions import PublicRevision
from councils.statistics import (
    CategoryFigures,
    CouncilFigures,
    Figures,
    Statistic,
    YearStatistics,
    published,
)

Value = str | int | Decimal | datetime.date | None
Row = dict[str, Value]


class Kind(enum.StrEnum):
    """What a column holds; decides its JSON and OpenAPI type."""

    TEXT = "text"
    COUNT = "count"  # a whole number, never empty
    OPTIONAL_COUNT = "optional count"  # a whole number, empty when unknown
    PERCENT = "percent"  # whole percent, empty when the base is zero
    PER_100K = "per 100k"  # one decimal place, empty without a population
    DATE = "date"
    OPTIONAL_DATE = "optional date"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    description: str


STATISTICS_COLUMNS: tuple[Column, ...] = (
    Column("council_code", Kind.TEXT, "The council's ONS GSS code, e.g. E07000170."),
    Column("council_name", Kind.TEXT, "The council's official name."),
    Column(
        "council_type",
        Kind.TEXT,
        "Its comparison group: county, district, metropolitan, unitary or london.",
    ),
    Column("year", Kind.TEXT, "The reporting year, 1 April to 31 March, e.g. 2023-24."),
    Column(
        "investigations",
        Kind.COUNT,
        "Detailed investigations decided in the year (upheld plus not upheld).",
    ),
    Column("upheld", Kind.COUNT, "Investigations in which we upheld the complaint."),
    Column("uphold_rate", Kind.PERCENT, "upheld as a whole percentage of investigations."),
    Column(
        "uphold_rate_average",
        Kind.PERCENT,
        "The uphold rate of all councils of the same type pooled together.",
    ),
    Column("population", Kind.OPTIONAL_COUNT, "Residents (ONS mid-year estimate)."),
    Column(
        "upheld_per_100k",
        Kind.PER_100K,
        "Upheld decisions per 100,000 residents, to one decimal place.",
    ),
    Column(
        "upheld_per_100k_average",
        Kind.PER_100K,
        "Upheld decisions per 100,000 residents over all councils of the same type with a "
        "population.",
    ),
    Column(
        "compliance_outcomes",
        Kind.COUNT,
        "Checks of whether the council carried out our recommendations, counted in the year of "
        "the check.",
    ),
    Column("complied", Kind.COUNT, "Checks finding the council complied (on time or late)."),
    Column(
        "compliance_rate", Kind.PERCENT, "complied as a whole percentage of compliance_outcomes."
    ),
    Column(
        "compliance_rate_average",
        Kind.PERCENT,
        "The compliance rate of all councils of the same type pooled together.",
    ),
    Column(
        "satisfactory_remedies",
        Kind.COUNT,
        "Upheld complaints where the council had already provided a satisfactory remedy.",
    ),
    Column(
        "satisfactory_remedy_rate",
        Kind.PERCENT,
        "satisfactory_remedies as a whole percentage of upheld.",
    ),
    Column(
        "satisfactory_remedy_rate_average",
        Kind.PERCENT,
        "The satisfactory remedy rate of all councils of the same type pooled together.",
    ),
)

DECISION_COLUMNS: tuple[Column, ...] = (
    Column("reference", Kind.TEXT, "Our case reference, e.g. 23 001 234."),
    Column("year", Kind.TEXT, "The reporting year of the decision date."),
    Column("category", Kind.TEXT, "The service the complaint was about."),
    Column("received", Kind.DATE, "The day we received the complaint (YYYY-MM-DD)."),
    Column("decided", Kind.DATE, "The day we decided it."),
    Column("outcome", Kind.TEXT, "What we decided, e.g. Upheld, Not upheld, Advice given."),
    Column("outcome_group", Kind.TEXT, "investigated, assessed and closed, or not for us."),
    Column(
        "remedied_by_council",
        Kind.TEXT,
        "yes when upheld and the council had already provided a satisfactory remedy.",
    ),
    Column("public_report", Kind.TEXT, "yes for a public interest report."),
    Column(
        "compliance",
        Kind.TEXT,
        "Complied, Complied late or Not complied; empty until checked in a published year.",
    ),
    Column("compliance_date", Kind.OPTIONAL_DATE, "The day compliance was checked."),
    Column("summary", Kind.TEXT, "Our summary of the decision."),
)

CATEGORY_COLUMNS: tuple[Column, ...] = (
    Column("category", Kind.TEXT, "The service complaints were about."),
    Column("year", Kind.TEXT, "The reporting year, e.g. 2023-24."),
    Column("received", Kind.COUNT, "Complaints about councils received in the year."),
    Column("decided", Kind.COUNT, "Decisions made in the year."),
    Column("investigations", Kind.COUNT, "Detailed investigations decided in the year."),
    Column("upheld", Kind.COUNT, "Investigations in which we upheld the complaint."),
    Column("uphold_rate", Kind.PERCENT, "upheld as a whole percentage of investigations."),
)

REVISION_COLUMNS: tuple[Column, ...] = (
    Column("revised_on", Kind.DATE, "The day the year's published figures were revised."),
    Column("council_code", Kind.TEXT, "The ONS GSS code of a council whose figures changed."),
    Column("council_name", Kind.TEXT, "The council's official name."),
    Column("reason", Kind.TEXT, "Why the figures changed."),
)

# The counts and published rates of one council, or of a pooled group (type average, England).
FIGURE_FIELDS = (
    "investigations",
    "upheld",
    "uphold_rate",
    "population",
    "upheld_per_100k",
    "compliance_outcomes",
    "complied",
    "compliance_rate",
    "satisfactory_remedies",
    "satisfactory_remedy_rate",
)


def figure_fields(figures: Figures) -> Row:
    """A council's or pooled group's counts and published rates, in FIGURE_FIELDS order."""
    return {
        "investigations": figures.investigations,
        "upheld": figures.upheld,
        "uphold_rate": published(figures.uphold),
        "population": figures.per_100k.population or None,
        "upheld_per_100k": published(figures.per_100k),
        "compliance_outcomes": figures.compliance.base,
        "complied": figures.compliance.numerator,
        "compliance_rate": published(figures.compliance),
        "satisfactory_remedies": figures.remedy.numerator,
        "satisfactory_remedy_rate": published(figures.remedy),
    }


def statistics_row(entry: CouncilFigures, year_label: str) -> Row:
    """One council's published figures for a year: the SPEC columns, in order."""
    council = entry.council
    values = {
        "council_code": council.code,
        "council_name": council.official_name,
        "council_type": council.type,
        "year": year_label,
        **figure_fields(entry.figures),
        **{
            f"{statistic}_average": published(entry.similar.get(statistic))
            for statistic in Statistic
        },
    }
    return {column.name: values[column.name] for column in STATISTICS_COLUMNS}


def year_rows(stats: YearStatistics) -> list[Row]:
    """Every council with data or a population that year, sorted by the council_name column."""
    rows = [statistics_row(entry, stats.year.label) for entry in stats.councils.values()]
    return sorted(rows, key=lambda row: (row["council_name"].casefold(), row["council_code"]))


def council_rows(council_id: int, stats_by_year: Iterable[YearStatistics]) -> list[Row]:
    """A council's row for every given year in which it has data or a population."""
    return [
        statistics_row(entry, stats.year.label)
        for stats in stats_by_year
        if (entry := stats.for_council(council_id)) is not None
    ]


def category_rows(categories: Iterable[CategoryFigures], year_label: str) -> list[Row]:
    """England's complaints by service category for a year (the year-in-review chart's data)."""
    return [
        {
            "category": c.category,
            "year": year_label,
            "received": c.received,
            "decided": c.decided,
            "investigations": c.uphold.base,
            "upheld": c.uphold.numerator,
            "uphold_rate": published(c.uphold),
        }
        for c in categories
    ]


def revision_rows(revisions: Iterable[PublicRevision]) -> list[Row]:
    """One row per council per revision of a year, newest revision first."""
    return [
        {
            "revised_on": revision.revised_on,
            "council_code": council.code,
            "council_name": council.official_name,
            "reason": revision.reason,
        }
        for revision in revisions
        for council in revision.councils
    ]


def _year_of(day: datetime.date | None, years: Sequence[ReportingYear]) -> ReportingYear | None:
    return next((y for y in years if day is not None and y.start <= day <= y.end), None)


def decision_rows(council: Council, public_years: Sequence[ReportingYear]) -> list[Row]:
    """A council's published decisions (three months old) decided in a public year (one query).

    A compliance check dated in a year still under embargo is left out: it counts towards that
    year's figures.
    """
    if not public_years:
        return []
    base = Decision.objects.for_council(council).published()
    decisions = reduce(or_, (base.decided_in(year) for year in public_years))
    rows = []
    for decision in decisions.select_related("category").order_by("-decided", "reference"):
        checked = _year_of(decision.compliance_date, public_years) is not None
        rows.append(
            {
                "reference": decision.reference,
                "year": _year_of(decision.decided, public_years).label,
                "category": decision.category.name,
                "received": decision.received,
                "decided": decision.decided,
                "outcome": decision.outcome,
                "outcome_group": decision.outcome_group,
                "remedied_by_council": _yes_no(decision.remedied_by_council),
                "public_report": _yes_no(decision.public_report),
                "compliance": decision.compliance if checked else "",
                "compliance_date": decision.compliance_date if checked else None,
                "summary": decision.summary,
            }
        )
    return rows


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


class OpenDataEncoder(DjangoJSONEncoder):
    """Per-100k figures as JSON numbers (0.3, 94.0) rather than Django's strings."""

    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)
        return super().default(o)
