"""Every published figure, computed in one place with exact arithmetic.

SPEC "The statistics": per council and reporting year, the uphold rate, compliance rate,
satisfactory remedy rate and upheld decisions per 100,000 residents, each with its base; averages
for similar authorities (same council type) and England are pooled (sum of numerators / sum of
bases), not means of rates. Percentages round half up to whole numbers, per-100k to one decimal.
Fractions and Decimals only: never float and never round().

Import from here (`councils.statistics`); the parts are `figures` (the arithmetic), `years` (whole
years of every council, in a fixed number of queries), `counts` (complaints by category and
outcome) and `presentation` (a figure's published value and display).
"""

from councils.statistics.counts import (
    CategoryFigures,
    CouncilYearCounts,
    category_statistics,
    council_year_counts,
    year_counts,
)
from councils.statistics.figures import (
    NO_VERDICT_BASE,
    PER_RESIDENTS,
    SMALL_BASE,
    Z_95,
    Figures,
    Interval,
    PerResidents,
    Rate,
    Statistic,
    Verdict,
    round_half_up,
    verdict,
)
from councils.statistics.presentation import NO_FIGURE, PublishedFigure, display, published
from councils.statistics.years import (
    CouncilFigures,
    CouncilRef,
    TrendPoint,
    YearStatistics,
    statistics_for_years,
    trend_points,
    year_statistics,
)

__all__ = [
    "NO_FIGURE",
    "NO_VERDICT_BASE",
    "PER_RESIDENTS",
    "SMALL_BASE",
    "Z_95",
    "CategoryFigures",
    "CouncilFigures",
    "CouncilRef",
    "CouncilYearCounts",
    "Figures",
    "Interval",
    "PerResidents",
    "PublishedFigure",
    "Rate",
    "Statistic",
    "TrendPoint",
    "Verdict",
    "YearStatistics",
    "category_statistics",
    "council_year_counts",
    "display",
    "published",
    "round_half_up",
    "statistics_for_years",
    "trend_points",
    "verdict",
    "year_counts",
    "year_statistics",
]
