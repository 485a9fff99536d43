"""What every public page picks from the request: the year (through the visibility rules), the
statistic, the council type and the table's order; and the council table the map and compare
pages share.

Every view picks its years through `ReportingYear.objects.visible_to(user)`: the public sees
published years only, staff preview the rest under a "not yet published" banner, and a council's
officers see its own page for the year in its embargo week.
"""

from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.template.loader import render_to_string

from councils.models import Council, CouncilType, ReportingYear
from councils.pages import tables
from councils.statistics import CouncilRef, Statistic


@dataclass(frozen=True)
class YearChoice:
    years: list[ReportingYear]  # every year this user may see, oldest first
    year: ReportingYear | None  # the chosen one (None: no year visible at all)

    @property
    def preview(self) -> bool:
        """Staff (or the council's officers) looking at a year the public cannot see yet."""
        return self.year is not None and not self.year.is_public()


def choose_year(
    request: HttpRequest, label: str | None, council: Council | None = None
) -> YearChoice:
    """The visible years and the chosen one: `label`, else the latest. Unknown or hidden: 404.

    `council`: the page is that council's own: its officers may see its embargoed year, and a
    former council's page stops at its last year (later ones would say it had no complaints)."""
    until = council.ceased_on if council else None
    years = [
        y
        for y in ReportingYear.objects.visible_to(request.user, council=council)
        if not until or y.start < until
    ]
    if label is None:
        public = [y for y in years if y.is_public()]
        return YearChoice(years, (public or years or [None])[-1])
    for year in years:
        if year.label == label:
            return YearChoice(years, year)
    raise Http404("No such reporting year.")


def chosen_statistic(request: HttpRequest) -> Statistic:
    try:
        return Statistic(request.GET.get("statistic", Statistic.UPHOLD))
    except ValueError:
        return Statistic.UPHOLD


def chosen_council_type(value: str | None) -> str | None:
    return value if value in CouncilType.SLUGS else None


def chosen_sorting(request: HttpRequest) -> tuple[str, bool]:
    sort = request.GET.get("sort", "name")
    return (sort if sort in tables.SORT_KEYS else "name"), request.GET.get("order") == "desc"


def current_refs(council_type: str | None = None) -> list[CouncilRef]:
    councils = Council.objects.current()
    if council_type:
        councils = councils.of_type(council_type)
    return [
        CouncilRef(**row) for row in councils.values(*CouncilRef.FIELDS, **CouncilRef.EXPRESSIONS)
    ]


@dataclass(frozen=True)
class CouncilTable:
    """A table of councils for one year and statistic, with its chart."""

    count: int
    body: str  # the table's rendered <tbody>
    chart: str  # the map's data island (a <script type="application/json">), or the drawn plot
    picture: str = ""  # the map drawn on the server (councils.pages.svgmap), until map.js draws


def council_table(
    rows: list[tables.CouncilRow],
    year: ReportingYear,
    statistic: Statistic,
    chart: str,
    *,
    selected: str | None = None,
    show_intervals: bool = False,
    picture: str = "",
) -> CouncilTable:
    body = render_to_string(
        "councils/includes/council_rows.html",
        {
            "rows": rows,
            "year": year,
            "selected": selected,
            "show_intervals": show_intervals,
            "label": statistic.label,  # each cell's label, shown on a phone (site.css)
        },
    )
    return CouncilTable(count=len(rows), body=body, chart=chart, picture=picture)


def chart_entry(row: tables.CouncilRow) -> dict:
    """A council's point on the map or the compare chart."""
    return {
        "code": row.council.code,
        "name": row.council.official_name,
        "type": row.council.type,
        "url": row.url,
        "value": None if row.cell.value is None else float(row.cell.value),
        "display": row.cell.display,
        "base": row.cell.base,
        "verdict": row.verdict.value if row.verdict else None,
        "greyed": row.cell.greyed,
    }
