"""The home page (the map and a table of every council) and the map's geometry files."""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import json_script

from councils import memo
from councils.geography import hexmap
from councils.models import Council, CouncilType, ReportingYear
from councils.pages import svgmap, tables
from councils.pages.choices import (
    CouncilTable,
    chart_entry,
    choose_year,
    chosen_council_type,
    chosen_sorting,
    chosen_statistic,
    council_table,
)
from councils.statistics import CouncilRef, Statistic, YearStatistics


def home(request: HttpRequest):
    """The map and an accessible table of every current council for one year and statistic."""
    choice = choose_year(request, request.GET.get("year"))
    statistic = chosen_statistic(request)
    council_type = chosen_council_type(request.GET.get("type"))
    sort, descending = chosen_sorting(request)
    table, national = None, None
    if choice.year is not None:
        stats = memo.year_statistics(request, choice.year)
        national = tables.figure_cell(stats.national.get(statistic))
        table = _map_table(stats, statistic, council_type, sort, descending)
    return render(
        request,
        "councils/home.html",
        {
            "choice": choice,
            "statistic": statistic,
            "statistics": list(Statistic),
            "council_type": council_type,
            "council_types": list(CouncilType.objects.all()),
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
            chart_entry(row)
            | {"short": labels[row.council.code], "fill": fills.get(row.council.code)}
            for row in rows
        ],
    }
    return council_table(
        rows,
        stats.year,
        statistic,
        json_script(chart, "map-data"),
        picture=_map_picture(rows, fills, stats.year),
    )


# A council whose figure rests on a small base: hatched (the pattern in map_svg.html).
HATCH = "url(#council-map-hatch)"


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
            # (link, label, path, fill) worked out here: 317 links are cheaper in Python.
            "councils": [
                (
                    f"{row.url}{year.label}/",
                    f"{row.council.official_name}: {row.cell.display}",
                    areas.paths[row.council.code],
                    HATCH if row.cell.greyed else fills.get(row.council.code) or "#ffffff",
                )
                for row in rows
                if row.council.code in areas.paths
            ],
            "context": [path for code, path in areas.paths.items() if code not in shown],
        },
    )


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
