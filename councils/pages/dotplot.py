"""The compare page's dot plot: each council's figure and its 95% range on one shared scale.

Drawn on the server (councils/includes/dot_plot.html) as one row per council, so it needs no
script, stays as compact as the list, and its axis can stay in view while the list scrolls.
Positions are percentages of the track's width: SVG attributes, which the Content-Security-Policy
allows where inline styles are not.
"""

from dataclasses import dataclass
from decimal import Decimal

from councils.pages.tables import CouncilRow, PublishedFigure

PERCENT_TICKS = (0, 25, 50, 75, 100)
TICK_COUNT = 4  # intervals on a per-residents scale (site.css draws grid lines at quarters)


@dataclass(frozen=True)
class Dot:
    row: CouncilRow
    selected: bool
    x: str | None = None  # the figure's position ("37.5%"); None: no figure
    low: str | None = None  # the 95% range's ends, when there is one
    high: str | None = None


@dataclass(frozen=True)
class Tick:
    x: str
    label: str


@dataclass(frozen=True)
class DotPlot:
    dots: list[Dot]
    ticks: list[Tick]
    average: str | None  # the similar-authority average's position


@dataclass(frozen=True)
class SortLink:
    label: str
    url: str
    current: bool


def _nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2 or 5 x 10^n ticks apart that reaches `value`: round tick labels."""
    magnitude = Decimal(1)
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude * TICK_COUNT >= value:
                return factor * magnitude * TICK_COUNT
        magnitude *= 10


def _scale_maximum(rows: list[CouncilRow], average: PublishedFigure) -> Decimal:
    if average.unit == "%":
        return Decimal(100)
    values = [average.value or 0]
    for row in rows:
        if row.cell.value is not None:
            values.append(row.cell.interval[1] if row.cell.interval else row.cell.value)
    return _nice_ceiling(Decimal(max(values)) or Decimal(1))


def _position(value, maximum: Decimal) -> str:
    share = min(Decimal(value) / maximum, Decimal(1)) * 100
    return f"{share.quantize(Decimal('0.01'))}%"


def dot_plot(rows: list[CouncilRow], average: PublishedFigure, selected: str | None) -> DotPlot:
    """The rows in their order, each placed on a scale from 0 to 100% (or a round maximum)."""
    maximum = _scale_maximum(rows, average)
    if average.unit == "%":
        ticks = [Tick(_position(t, maximum), f"{t}%") for t in PERCENT_TICKS]
    else:
        step = maximum / TICK_COUNT
        ticks = [
            Tick(_position(step * i, maximum), f"{(step * i).normalize():f}")
            for i in range(TICK_COUNT + 1)
        ]
    dots = []
    for row in rows:
        cell = row.cell
        place = {}
        if cell.value is not None:
            place["x"] = _position(cell.value, maximum)
            if cell.interval:
                place["low"] = _position(cell.interval[0], maximum)
                place["high"] = _position(cell.interval[1], maximum)
        dots.append(Dot(row, selected=row.council.slug == selected, **place))
    return DotPlot(
        dots=dots,
        ticks=ticks,
        average=None if average.value is None else _position(average.value, maximum),
    )


SORTS = (  # (label, sort, descending): by name or by figure, never a rank
    ("Name", "name", False),
    ("Highest figure first", "figure", True),
    ("Lowest figure first", "figure", False),
)


def sort_links(query, sort: str, descending: bool) -> list[SortLink]:
    """Links to the same page sorted another way, keeping every other query parameter."""
    links = []
    for label, key, desc in SORTS:
        params = query.copy()
        params["sort"] = key
        params["order"] = "desc" if desc else "asc"
        current = key == sort and (desc == descending or key == "name")
        links.append(SortLink(label, "?" + params.urlencode(), current))
    return links
