"""A council's figures over the years, with the bases that say how far to trust each one.

The table and the chart on the council page read the same published values from here.
"""

from councils.models import Council
from councils.statistics import (
    NO_FIGURE,
    Figures,
    PublishedFigure,
    Statistic,
    YearStatistics,
    trend_points,
)

TREND_STATISTICS = (Statistic.UPHOLD, Statistic.COMPLIANCE, Statistic.REMEDY)


def _cells(figures: Figures) -> dict[str, PublishedFigure]:
    return {s.value: PublishedFigure(figures.get(s)) for s in Statistic}


def council_trend_rows(council: Council, per_year: dict[str, YearStatistics]) -> list[dict]:
    """The council and its type average for every visible year, oldest first."""
    return [
        {
            "year": point.year,
            "cells": _cells(point.figures) if point.figures else None,
            "similar": _cells(point.similar),
        }
        for point in trend_points(council, per_year)
    ]


def _point(cell: PublishedFigure | None) -> dict:
    """One year's point: its value, base and how much it can be trusted."""
    if cell is None or cell.value is None:
        return {"value": None, "display": NO_FIGURE, "base": cell.base if cell else 0}
    return {
        "value": float(cell.value),
        "display": cell.display,
        "base": cell.base,
        "small": cell.small_base,  # under 10: flagged
        "compared": not cell.greyed,  # under 5: no comparison
    }


def trend_chart(council: Council, trend: list[dict]) -> dict:
    """The trend charts' data island: the table's values, each with its base."""

    def points(key: str, source: str) -> list[dict]:
        return [_point(row[source][key] if row[source] else None) for row in trend]

    return {
        "years": [row["year"].label for row in trend],
        "council": council.name,
        "series": [
            {
                "name": statistic.label,
                "key": statistic.value,
                "own": points(statistic.value, "cells"),
                "similar": points(statistic.value, "similar"),
            }
            for statistic in TREND_STATISTICS
        ],
    }
