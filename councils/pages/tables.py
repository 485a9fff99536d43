"""Rows of council figures for one statistic: the home table, the map and the compare page.

Pure functions over `councils.statistics` results, so every view shows the same numbers.
Sorting is by name, figure or base; never by rank (no league tables: SPEC "The statistics").
"""

from dataclasses import dataclass
from functools import cached_property

from django.urls import reverse

from councils.statistics import (
    CouncilFigures,
    CouncilRef,
    Figures,
    PublishedFigure,
    Statistic,
    Verdict,
    YearStatistics,
    verdict,
)

SORT_KEYS = ("name", "figure", "base")


@dataclass(frozen=True)
class Column:
    """A table heading; sortable ones link to the same page sorted by them (works without JS)."""

    label: str
    key: str | None = None  # one of SORT_KEYS, or None when the column does not sort
    numeric: bool = False
    url: str = ""
    aria_sort: str = ""  # "ascending"/"descending" on the column the table is sorted by


def columns(query, statistic_label: str, sort: str, descending: bool) -> list[Column]:
    """The council table's headings, with links that keep every other query parameter."""
    spec = [
        Column("Council", "name"),
        Column("Type"),
        Column(statistic_label, "figure", numeric=True),
        Column("Base", "base", numeric=True),
        Column("Similar authorities", numeric=True),
        Column("Compared with similar authorities"),
    ]
    result = []
    for column in spec:
        if column.key is None:
            result.append(column)
            continue
        params = query.copy()
        params["sort"] = column.key
        params["order"] = "desc" if column.key == sort and not descending else "asc"
        active = column.key == sort
        result.append(
            Column(
                column.label,
                column.key,
                column.numeric,
                url="?" + params.urlencode(),
                aria_sort=("descending" if descending else "ascending") if active else "",
            )
        )
    return result


# The views' name for a figure's published value and display (councils.statistics.presentation).
figure_cell = PublishedFigure


@dataclass(frozen=True)
class CouncilRow:
    council: CouncilRef
    cell: PublishedFigure
    similar: PublishedFigure
    verdict: Verdict | None

    @cached_property  # the table links it several times
    def url(self) -> str:
        return reverse("council", args=[self.council.slug])

    @property
    def type_label(self) -> str:
        return self.council.type_name


def row_for(council_figures: CouncilFigures, statistic: Statistic) -> CouncilRow:
    own = council_figures.figures.get(statistic)
    similar = council_figures.similar.get(statistic)
    return CouncilRow(
        council=council_figures.council,
        cell=PublishedFigure(own),
        similar=PublishedFigure(similar),
        verdict=verdict(own, similar),
    )


def empty_row(council: CouncilRef, statistic: Statistic, similar: Figures) -> CouncilRow:
    """A council with no data that year still appears, with no figure."""
    return CouncilRow(
        council=council,
        cell=PublishedFigure(Figures().get(statistic)),
        similar=PublishedFigure(similar.get(statistic)),
        verdict=None,
    )


def council_rows(
    stats: YearStatistics,
    statistic: Statistic,
    councils: list[CouncilRef],
    *,
    sort: str = "name",
    descending: bool = False,
) -> list[CouncilRow]:
    """One row per council in `councils`, sorted; councils without figures sort last by figure."""
    rows = []
    for council in councils:
        found = stats.for_council(council.id)
        if found is not None:
            rows.append(row_for(found, statistic))
        else:
            rows.append(empty_row(council, statistic, stats.by_type.get(council.type, Figures())))
    return sort_rows(rows, sort, descending)


def sort_rows(rows: list[CouncilRow], sort: str, descending: bool) -> list[CouncilRow]:
    if sort == "figure":
        with_figure = [r for r in rows if r.cell.value is not None]
        without = [r for r in rows if r.cell.value is None]
        with_figure.sort(key=lambda r: (r.cell.value, r.council.name), reverse=descending)
        return with_figure + sorted(without, key=lambda r: r.council.name)
    if sort == "base":
        return sorted(rows, key=lambda r: (r.cell.base, r.council.name), reverse=descending)
    return sorted(rows, key=lambda r: r.council.name, reverse=descending)


def selected_first(rows: list[CouncilRow], slug: str | None) -> list[CouncilRow]:
    """The council with this slug moved to the top (the one a visitor came from), the rest kept."""
    return sorted(rows, key=lambda row: row.council.slug != slug)


RATES = (Statistic.UPHOLD, Statistic.COMPLIANCE, Statistic.REMEDY)


@dataclass(frozen=True)
class DistrictRow:
    """A district on its county's page: the three rates, each with its base."""

    council: CouncilRef
    cells: list[tuple[Statistic, PublishedFigure]]  # in the order of RATES


def district_rows(
    stats: YearStatistics, districts: list[CouncilRef], former: set[int]
) -> list[DistrictRow]:
    """Each district by name; a former one (`former`: ids) only in a year it has figures for."""
    rows = []
    for district in sorted(districts, key=lambda d: d.name):
        found = stats.for_council(district.id)
        if found is None and district.id in former:
            continue
        figures = found.figures if found else Figures()
        rows.append(DistrictRow(district, [(s, figure_cell(figures.get(s))) for s in RATES]))
    return rows
