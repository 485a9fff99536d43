"""Comparing councils: every council of a type for a year, and England's picture for a year."""

import re

from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.template.loader import render_to_string

from councils import memo
from councils.models import CouncilType
from councils.pages import dotplot, tables
from councils.pages.choices import (
    CouncilTable,
    choose_year,
    chosen_sorting,
    chosen_statistic,
    council_table,
    current_refs,
)
from councils.statistics import Figures, Statistic, YearStatistics, category_statistics

SLUG_RE = re.compile(r"^[a-z0-9-]{1,100}$")


def compare(request: HttpRequest, council_type: str, year: str):
    types = list(CouncilType.objects.all())
    this_type = next((t for t in types if t.slug == council_type), None)
    if this_type is None:
        raise Http404("No such council type.")
    choice = choose_year(request, year)
    statistic = chosen_statistic(request)
    sort, descending = chosen_sorting(request)
    selected = request.GET.get("council")
    selected = selected if selected and SLUG_RE.match(selected) else None
    stats = memo.year_statistics(request, choice.year)
    average = tables.figure_cell(stats.by_type.get(council_type, Figures()).get(statistic))
    return render(
        request,
        "councils/compare.html",
        {
            "choice": choice,
            "council_type": this_type,
            "council_types": types,
            "statistic": statistic,
            "statistics": list(Statistic),
            "table": _compare_table(
                stats, statistic, this_type, average, (sort, descending), selected
            ),
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
    average: tables.PublishedFigure,
    sorting: tuple[str, bool],
    selected: str | None,
) -> CouncilTable:
    refs = [
        c.council for c in stats.councils.values() if c.council.type == council_type.slug
    ] or current_refs(council_type.slug)
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
    return council_table(rows, stats.year, statistic, plot, selected=selected, show_intervals=True)


EXTREMES_MIN_BASE = 10  # only councils with at least this base appear as highest or lowest
EXTREMES_COUNT = 5


def year_review(request: HttpRequest, year: str):
    """England's picture for a year: totals, council types, service categories, extremes."""
    choice = choose_year(request, year)
    stats = memo.year_statistics(request, choice.year)
    categories = category_statistics(choice.year)
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
        for council_type in CouncilType.objects.all()
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
