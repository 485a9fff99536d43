"""Public pages: fetch, call councils.statistics, render.

Every view picks its years through `ReportingYear.objects.visible_to(user)`: the public sees
published years only, staff preview the rest under a "not yet published" banner, and a council's
officers see its own page for the year in its embargo week.
"""

import re
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import json_script

from councils import computed, dotplot, hexmap, lookup, svgmap, tables, trend
from councils.models import (
    Council,
    CouncilType,
    Decision,
    Recommendation,
    ReportingYear,
)
from councils.postcodes import council_code_for_postcode, normalise_postcode
from councils.statistics import (
    CouncilRef,
    Figures,
    Statistic,
    YearStatistics,
    category_statistics,
    council_year_counts,
)
from councils.wording import sentences

GSS_CODE_RE = re.compile(r"^[EWSN]\d{8}$", re.IGNORECASE)
OVERVIEW_FROM = "2024-25"  # the year the Ombudsman's outcome-group wording starts


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


def _statistic(request: HttpRequest) -> Statistic:
    try:
        return Statistic(request.GET.get("statistic", Statistic.UPHOLD))
    except ValueError:
        return Statistic.UPHOLD


def _council_type(value: str | None) -> str | None:
    return value if value in CouncilType.SLUGS else None


def _current_refs(council_type: str | None = None) -> list[CouncilRef]:
    councils = Council.objects.current()
    if council_type:
        councils = councils.of_type(council_type)
    return [
        CouncilRef(**row) for row in councils.values(*CouncilRef.FIELDS, **CouncilRef.EXPRESSIONS)
    ]


def _sorting(request: HttpRequest) -> tuple[str, bool]:
    sort = request.GET.get("sort", "name")
    return (sort if sort in tables.SORT_KEYS else "name"), request.GET.get("order") == "desc"


@dataclass(frozen=True)
class CouncilTable:
    """A table of councils for one year and statistic, with its chart's data island.

    Rendered once per data version and choice (`councils.computed`): the same for every visitor,
    and the costly part of the map and compare pages (a row per council).
    """

    count: int
    body: str  # the table's rendered <tbody>
    chart: str  # the map's data island (a <script type="application/json">), or the drawn plot
    picture: str = ""  # the map drawn on the server (councils.svgmap), until map.js draws its own


def _council_table(
    rows: list[tables.CouncilRow],
    year: ReportingYear,
    statistic: Statistic,
    chart: str,
    *,
    selected: str | None = None,
    show_intervals: bool = False,
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
    return CouncilTable(count=len(rows), body=body, chart=chart)


def home(request: HttpRequest):
    """The map and an accessible table of every current council for one year and statistic."""
    choice = choose_year(request, request.GET.get("year"))
    statistic = _statistic(request)
    council_type = _council_type(request.GET.get("type"))
    sort, descending = _sorting(request)
    table, national = None, None
    if choice.year is not None:
        stats = computed.year_statistics(request, choice.year)
        national = tables.figure_cell(stats.national.get(statistic))
        table = computed.remember(
            request,
            ("map", choice.year.label, statistic, council_type, sort, descending),
            lambda: _map_table(stats, statistic, council_type, sort, descending),
        )
    return render(
        request,
        "councils/home.html",
        {
            "choice": choice,
            "statistic": statistic,
            "statistics": list(Statistic),
            "council_type": council_type,
            "council_types": computed.council_types(request),
            "table": table,
            "national": national,
            "columns": tables.columns(request.GET, statistic.label, sort, descending),
            # The map's own choices (set by map.js in the URL) survive a change of year.
            "map_state": [
                (k, request.GET[k]) for k in ("view", "layer", "colour") if k in request.GET
            ],
        },
    )


def _map_table(
    stats: YearStatistics, statistic: Statistic, council_type: str | None, sort: str, descending
) -> CouncilTable:
    # Every current council, and any former one with figures that year (older years).
    register = Council.objects.values(*CouncilRef.FIELDS, "ceased_on", **CouncilRef.EXPRESSIONS)
    councils = {}
    names = {}  # the hex view's labels come from every name, so years and filters keep them
    for row in register:
        ceased = row.pop("ceased_on")
        names[row["code"]] = row["name"]
        if not ceased:
            councils[row["id"]] = CouncilRef(**row)
    for entry in stats.councils.values():
        councils.setdefault(entry.council.id, entry.council)
    labels = hexmap.short_labels(names)
    shown = [ref for ref in councils.values() if council_type in (None, ref.type)]
    rows = tables.council_rows(stats, statistic, shown, sort=sort, descending=descending)
    classes, fills = svgmap.value_fills(rows)
    chart = {
        "statistic": statistic.value,
        "label": statistic.label,
        "unit": "" if statistic is Statistic.PER_100K else "%",
        "year": stats.year.label,
        "classes": [
            {"from": float(c.low), "to": float(c.high), "colour": c.colour} for c in classes
        ],
        "councils": [
            _map_entry(row)
            | {"short": labels[row.council.code], "fill": fills.get(row.council.code)}
            for row in rows
        ],
    }
    table = _council_table(rows, stats.year, statistic, json_script(chart, "map-data"))
    return replace(table, picture=_map_picture(rows, fills, stats.year))


def _map_picture(rows: list[tables.CouncilRow], fills: dict[str, str], year: ReportingYear) -> str:
    """The map as SVG: each council a link with its figure, other areas pale context."""
    areas = svgmap.map_areas(Path(settings.GEOGRAPHY_DIR) / "lower_tier.geojson")
    if areas is None:
        return ""
    shown = {row.council.code for row in rows}
    return render_to_string(
        "councils/includes/map_svg.html",
        {
            "areas": areas,
            "councils": [
                (row, areas.paths[row.council.code], fills.get(row.council.code))
                for row in rows
                if row.council.code in areas.paths
            ],
            "context": [path for code, path in areas.paths.items() if code not in shown],
            "year": year,
        },
    )


def _map_entry(row: tables.CouncilRow) -> dict:
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


def council_by_code(request: HttpRequest, code: str, year: str | None = None):
    council = Council.objects.with_code(code).first()
    if council is None:
        raise Http404("No council has that code.")
    if year:
        return redirect("council-year", slug=council.slug, year=year, permanent=True)
    return redirect("council", slug=council.slug, permanent=True)


def council(request: HttpRequest, slug: str, year: str | None = None):
    if GSS_CODE_RE.match(slug):
        return council_by_code(request, slug, year)
    council = get_object_or_404(Council.objects.select_related("county", "type"), slug=slug)
    choice = choose_year(request, request.GET.get("year", year), council)
    if "year" in request.GET:  # the year selector's form: go to that year's own URL, if any
        return redirect("council-year", slug, choice.year)
    # The same for everyone who may see these years, until the data changes or the day does
    # (decisions are published three months after). Letters follow the user: not in here.
    key = (
        "council",
        council.pk,
        choice.year and choice.year.label,
        tuple(y.label for y in choice.years),
        timezone.localdate(),
    )
    body = computed.remember(request, key, lambda: _council_body(request, council, choice))
    response = render(
        request, "councils/council.html", {"council": council, "choice": choice, "body": body}
    )
    if choice.preview:  # figures the public may not see yet: kept by no cache on the way
        patch_cache_control(response, private=True, no_store=True)
    return response


def _council_body(request: HttpRequest, council: Council, choice: YearChoice) -> str:
    context = {"council": council, "choice": choice}
    if choice.year is not None:
        # One statistics pass over every visible year gives the trend and the chosen year.
        per_year = computed.statistics(request, choice.years)
        stats = per_year[choice.year.label]
        own = stats.for_council(council.pk)
        similar = stats.by_type.get(council.type_id)
        context.update(_council_year_context(council, choice, stats, own, similar))
        context["trend"] = trend.council_trend_rows(council, per_year)
        context["trend_chart"] = trend.trend_chart(council, context["trend"])
        if council.type_id == CouncilType.COUNTY:
            context["districts"] = _county_districts(council, stats)
            context["district_statistics"] = tables.RATES
    return render_to_string("councils/includes/council_body.html", context)


def _county_districts(county: Council, stats: YearStatistics) -> list[tables.DistrictRow]:
    districts = Council.objects.districts_of(county).values(
        *CouncilRef.FIELDS, "ceased_on", **CouncilRef.EXPRESSIONS
    )
    refs, former = [], set()
    for row in districts:
        if row.pop("ceased_on"):
            former.add(row["id"])
        refs.append(CouncilRef(**row))
    return tables.district_rows(stats, refs, former)


def _council_year_context(council, choice, stats, own, similar):
    figures = own.figures if own else Figures()
    similar = similar or Figures()
    year = choice.year
    key_statistics = []
    for statistic in Statistic:
        key_statistics.append(
            {
                "statistic": statistic,
                "sentences": sentences(statistic, figures, similar, year.period),
                "cell": tables.figure_cell(figures.get(statistic)),
                "similar": tables.figure_cell(similar.get(statistic)),
                "national": tables.figure_cell(stats.national.get(statistic)),
                "verdict": own.verdict(statistic) if own else None,
            }
        )
    counts = council_year_counts(council, year)
    # Reports, improvements and decisions are public only three months after the decision.
    published = Decision.objects.for_council(council).decided_in(year).published()
    published = published.select_related("category")
    return {
        "key_statistics": key_statistics,
        "counts": counts,
        "show_overview": year.label >= OVERVIEW_FROM,
        "public_reports": list(published.public_reports().order_by("-decided")),
        "service_improvements": list(
            Recommendation.objects.service_improvements()
            .filter(decision__in=published)
            .select_related("decision__category")
            .order_by("-decision__decided")
        ),
        "published_decisions": list(published.order_by("-decided", "reference")[:50]),
    }


SLUG_RE = re.compile(r"^[a-z0-9-]{1,100}$")


def compare(request: HttpRequest, council_type: str, year: str):
    types = computed.council_types(request)
    this_type = next((t for t in types if t.slug == council_type), None)
    if this_type is None:
        raise Http404("No such council type.")
    choice = choose_year(request, year)
    statistic = _statistic(request)
    sort, descending = _sorting(request)
    selected = request.GET.get("council")
    selected = selected if selected and SLUG_RE.match(selected) else None
    stats = computed.year_statistics(request, choice.year)
    average = tables.figure_cell(stats.by_type.get(council_type, Figures()).get(statistic))
    table = computed.remember(
        request,
        ("compare", choice.year.label, statistic, council_type, sort, descending, selected),
        lambda: _compare_table(stats, statistic, this_type, average, (sort, descending), selected),
    )
    return render(
        request,
        "councils/compare.html",
        {
            "choice": choice,
            "council_type": this_type,
            "council_types": types,
            "statistic": statistic,
            "statistics": list(Statistic),
            "table": table,
            "average": average,
            "selected": selected,
            "columns": tables.columns(request.GET, statistic.label, sort, descending),
            "sort_links": dotplot.sort_links(request.GET, sort, descending),
        },
    )


def _compare_table(
    stats: YearStatistics,
    statistic: Statistic,
    council_type: CouncilType,
    average: tables.FigureCell,
    sorting: tuple[str, bool],
    selected: str | None,
) -> CouncilTable:
    refs = [
        c.council for c in stats.councils.values() if c.council.type == council_type.slug
    ] or _current_refs(council_type.slug)
    sort, descending = sorting
    rows = tables.council_rows(stats, statistic, refs, sort=sort, descending=descending)
    rows = tables.selected_first(rows, selected)  # the council the visitor came from
    plot = render_to_string(
        "councils/includes/dot_plot.html",
        {
            "plot": dotplot.dot_plot(rows, average, selected),
            "statistic": statistic,
            "council_type": council_type,
        },
    )
    return _council_table(rows, stats.year, statistic, plot, selected=selected, show_intervals=True)


MAP_FILES = {  # URL name -> (file in GEOGRAPHY_DIR, content type)
    "lower_tier.geojson": ("lower_tier.geojson", "application/geo+json"),
    "counties.geojson": ("counties.geojson", "application/geo+json"),
    "hexes.json": ("hexes.json", "application/json"),
}


def map_geometry(request: HttpRequest, name: str):
    """Council areas and hex layouts written by `build_boundaries` (not imported: it is heavy)."""
    if name not in MAP_FILES:
        raise Http404("No such map layer.")
    filename, content_type = MAP_FILES[name]
    path = Path(settings.GEOGRAPHY_DIR) / filename
    if not path.exists():
        raise Http404("The map has not been built: run `python manage.py build_boundaries`.")
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response


def methodology(request: HttpRequest):
    return render(
        request, "councils/methodology.html", {"council_types": computed.council_types(request)}
    )


def search(request: HttpRequest):
    """By council name (tolerant of case, council words and near misses) or by postcode."""
    query = request.GET.get("q", "").strip()
    results, suggested, message, postcode, elsewhere = [], [], "", None, ""
    if query:
        postcode = normalise_postcode(query)
        if postcode:
            code = council_code_for_postcode(postcode)
            elsewhere = lookup.outside_england(postcode, code)
            results, message = ([], "") if elsewhere else _postcode_search(postcode, code)
        elif lookup.looks_like_postcode(query):
            message = f"“{query}” is not a full postcode. Enter a postcode like NG17 8DA."
        else:
            results = list(lookup.name_search(query))
            if len(results) == 1:  # what they asked for: no list to click through
                return redirect(results[0])
            suggested = [] if results else lookup.suggestions(query)
            if not results and not suggested:
                message = f"No council matches “{query}”."
    return render(
        request,
        "councils/search.html",
        {
            "query": query,
            "results": results,
            "suggestions": suggested,
            "message": message,
            "elsewhere": elsewhere,  # not an error: where to complain instead
            "postcode": postcode,
        },
    )


def _postcode_search(postcode: str, code: str | None) -> tuple[list[Council], str]:
    """The district and county (or single council) for an English postcode, else a message."""
    if code is None:
        return [], f"We could not find the postcode {postcode}. Check it and try again."
    district = Council.objects.with_code(code).select_related("type", "county__type").first()
    return [c for c in (district, district and district.county) if c], ""


EXTREMES_MIN_BASE = 10  # only councils with at least this base appear as highest or lowest
EXTREMES_COUNT = 5


def year_review(request: HttpRequest, year: str):
    """England's picture for a year: totals, council types, service categories, extremes."""
    choice = choose_year(request, year)
    stats = computed.year_statistics(request, choice.year)
    categories = computed.remember(
        request, ("categories", choice.year.label), lambda: category_statistics(choice.year)
    )
    rates = (Statistic.UPHOLD, Statistic.COMPLIANCE, Statistic.REMEDY)
    extremes = []
    for statistic in rates:
        rows = [
            tables.row_for(c, statistic)
            for c in stats.councils.values()
            if c.figures.get(statistic).base >= EXTREMES_MIN_BASE
        ]
        ordered = tables.sort_rows(rows, "figure", descending=True)
        extremes.append(
            {
                "statistic": statistic,
                "highest": ordered[:EXTREMES_COUNT],
                "lowest": ordered[::-1][:EXTREMES_COUNT],
            }
        )
    by_type = [
        {
            "type": council_type,
            "figures": {
                s.value: tables.figure_cell(stats.by_type[council_type.slug].get(s))
                for s in Statistic
            },
        }
        for council_type in computed.council_types(request)
        if council_type.slug in stats.by_type
    ]
    return render(
        request,
        "councils/year.html",
        {
            "choice": choice,
            "national": stats.national,
            "national_cells": {
                s.value: tables.figure_cell(stats.national.get(s)) for s in Statistic
            },
            "received": sum(c.received for c in categories),
            "decided": sum(c.decided for c in categories),
            "categories": [
                {"figures": c, "uphold": tables.figure_cell(c.uphold)} for c in categories
            ],
            "by_type": by_type,
            "extremes": extremes,
            "extremes_min_base": EXTREMES_MIN_BASE,
            "chart_data": {
                "categories": [c.category for c in categories],
                "received": [c.received for c in categories],
                "uphold": [c.uphold.percent for c in categories],
                "types": [t["type"].name for t in by_type],
                "type_uphold": [
                    t["figures"]["uphold_rate"].value and float(t["figures"]["uphold_rate"].value)
                    for t in by_type
                ],
            },
        },
    )


def robots(request: HttpRequest):
    """Everything public may be indexed; staff and officer pages are not for search engines."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
