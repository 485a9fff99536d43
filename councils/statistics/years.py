"""Every council's figures for whole years, with the averages of similar authorities and England.

Averages are pooled (sum of numerators / sum of bases), not means of rates. Whole years are
computed in a fixed number of queries whatever the number of councils, decisions or years: one
per source table, grouped in the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import F

from councils.models import Council, DecisionTally, Population, ReportingYear
from councils.models.tallies import COUNTS as TALLY_COUNTS
from councils.statistics.figures import Figures, PerResidents, Rate, Statistic, Verdict, verdict


@dataclass(frozen=True)
class CouncilRef:
    """What pages need to name and link a council, without another query."""

    id: int
    code: str
    name: str
    official_name: str
    slug: str
    type: str  # the type's slug
    type_name: str

    # Council.objects...values(*CouncilRef.FIELDS) gives CouncilRef(**row)'s arguments.
    FIELDS = ("id", "code", "name", "official_name", "slug", "type")
    EXPRESSIONS = {"type_name": F("type__name")}

    @classmethod
    def of(cls, council: Council) -> CouncilRef:
        """From a council fetched with its type (`select_related("type")`)."""
        return cls(
            **{name: getattr(council, name) for name in cls.FIELDS if name != "type"},
            type=council.type_id,
            type_name=council.type.name,
        )


@dataclass(frozen=True)
class CouncilFigures:
    council: CouncilRef
    figures: Figures
    similar: Figures  # the pooled average for the council's type

    def verdict(self, statistic: Statistic) -> Verdict | None:
        return verdict(self.figures.get(statistic), self.similar.get(statistic))


@dataclass(frozen=True)
class YearStatistics:
    year: ReportingYear
    councils: dict[int, CouncilFigures] = field(default_factory=dict)
    by_type: dict[str, Figures] = field(default_factory=dict)
    national: Figures = field(default_factory=Figures)

    def for_council(self, council_id: int) -> CouncilFigures | None:
        return self.councils.get(council_id)


def statistics_for_years(years: Iterable[ReportingYear]) -> dict[str, YearStatistics]:
    """Every council's figures, type averages and national figures for each year.

    Three queries whatever the number of years, councils or decisions: the decision tallies,
    populations, and the councils involved.
    """
    years = sorted(years, key=lambda y: y.start)
    if not years:
        return {}
    by_label = {y.label: y for y in years}
    # {(label, council_id): {...counts}}
    counts: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)

    # Kept by the database as decisions change (councils.models.tallies): no scan of decisions.
    starts = {y.start.year: y.label for y in years}
    for start, council_id, *tally in DecisionTally.objects.for_years(*starts).values_list(
        "year_start", "council_id", *TALLY_COUNTS
    ):
        counts[starts[start], council_id].update(zip(TALLY_COUNTS, tally, strict=True))

    populations = Population.objects.filter(year__in=[y.pk for y in years]).values_list(
        "year__label", "council_id", "population"
    )
    for label, council_id, population in populations:
        counts[label, council_id]["population"] = population

    councils = {
        row["id"]: CouncilRef(**row)
        for row in Council.objects.filter(id__in={cid for _, cid in counts}).values(
            *CouncilRef.FIELDS, **CouncilRef.EXPRESSIONS
        )
    }

    per_year: dict[str, dict[int, Figures]] = defaultdict(dict)
    for (label, council_id), c in counts.items():
        upheld = c.get("upheld", 0)
        population = c.get("population", 0)
        per_year[label][council_id] = Figures(
            uphold=Rate(upheld, c.get("investigated", 0)),
            compliance=Rate(c.get("complied", 0), c.get("compliance_outcomes", 0)),
            remedy=Rate(c.get("remedied", 0), upheld),
            # Upheld decisions count towards per-100k only where the population is known.
            per_100k=PerResidents(upheld if population else 0, population),
        )

    result = {}
    for label, year in by_label.items():
        figures = per_year.get(label, {})
        grouped: dict[str, list[Figures]] = defaultdict(list)
        for council_id, f in figures.items():
            grouped[councils[council_id].type].append(f)
        by_type = {council_type: Figures.pooled(group) for council_type, group in grouped.items()}
        result[label] = YearStatistics(
            year=year,
            councils={
                council_id: CouncilFigures(
                    council=councils[council_id],
                    figures=f,
                    similar=by_type[councils[council_id].type],
                )
                for council_id, f in figures.items()
            },
            by_type=by_type,
            national=Figures.pooled(figures.values()),
        )
    return result


def year_statistics(year: ReportingYear) -> YearStatistics:
    """Every council's figures for one year, with type averages and England (three queries)."""
    return statistics_for_years([year])[year.label]


@dataclass(frozen=True)
class TrendPoint:
    year: ReportingYear
    figures: Figures | None  # None: the council had no data or population that year
    similar: Figures
    national: Figures


def trend_points(council: Council, per_year: Mapping[str, YearStatistics]) -> list[TrendPoint]:
    """The trend from statistics already computed (a page that also shows one of the years)."""
    points = []
    for stats in per_year.values():
        own = stats.for_council(council.pk)
        points.append(
            TrendPoint(
                year=stats.year,
                figures=own.figures if own else None,
                similar=stats.by_type.get(council.type_id, Figures()),
                national=stats.national,
            )
        )
    return points
