"""The home page (the map and a table of every council) and the map's geometry files."""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import render

from councils import figures
from councils.models import CouncilType
from councils.pages import tables
from councils.pages.choices import (
    CouncilTable,
    chart_entry,
    choose_year,
    chosen_council_type,
    chosen_sorting,
    chosen_statistic,
    council_table,
    current_refs,
)
from councils.statistics import Statistic, YearStatistics


def home(request: HttpRequest):
    """The map and an accessible table of every current council for one year and statistic."""
    choice = choose_year(request, request.GET.get("year"))
    statistic = chosen_statistic(request)
    council_type = chosen_council_type(request.GET.get("type"))
    sort, descending = chosen_sorting(request)
    table, national = None, None
    if choice.year is not None:
        stats = figures.year_statistics(request, choice.year)
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
    councils = {ref.id: ref for ref in current_refs(council_type)}
    for entry in stats.councils.values():
        if council_type in (None, entry.council.type):
            councils.setdefault(entry.council.id, entry.council)
    rows = tables.council_rows(
        stats, statistic, list(councils.values()), sort=sort, descending=descending
    )
    chart = {
        "statistic": statistic.value,
        "label": statistic.label,
        "unit": "" if statistic is Statistic.PER_100K else "%",
        "year": stats.year.label,
        "councils": [chart_entry(row) for row in rows],
    }
    return council_table(rows, stats.year, chart, "map-data")


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
