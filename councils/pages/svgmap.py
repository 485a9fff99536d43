"""The map page's map as SVG drawn on the server: there before any script runs, a link per council.

static/js/map.js replaces it with the interactive plotly.js map once that is drawn. Both colour a
council the same way, from what the server puts in the map's data island: `value_classes` (the
legend's classes) and each council's `fill`.

The areas are `build_boundaries`' lower-tier GeoJSON (longitude, latitude), projected as map.js
projects them (longitude squeezed by the cosine of England's middle latitude) onto a plane
VIEW_WIDTH units wide, in whole units, each ring a relative SVG path.
"""

import functools
import json
import math
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

from councils.pages.tables import CouncilRow

# Sequential, colour-blind safe (ColorBrewer YlGnBu without its near-white end).
VALUE_COLOURS = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")
STEP_MULTIPLES = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10), Decimal(20))
X_SCALE = math.cos(math.radians(52.6))
VIEW_WIDTH = 1000


@dataclass(frozen=True)
class ValueClass:
    low: Decimal  # from, inclusive
    high: Decimal  # to, exclusive (the last class takes everything above)
    colour: str


def value_classes(values: list[Decimal | int]) -> list[ValueClass]:
    """Round class breaks (1, 2, 2.5 or 5 times a power of ten) covering the values in at most
    six classes, spread over the whole palette, light to dark."""
    low = Decimal(min(values, default=0))
    high = Decimal(max(values, default=1))
    if high <= low:
        high = low + 1
    count_limit = len(VALUE_COLOURS)
    rough = (high - low) / count_limit
    power = Decimal(10) ** (rough.adjusted())  # the power of ten at or below `rough`

    def start(step: Decimal) -> Decimal:
        return (low / step).to_integral_value(ROUND_FLOOR) * step

    def class_count(step: Decimal) -> int:
        return math.ceil((high - start(step)) / step)

    step = next(m * power for m in STEP_MULTIPLES if class_count(m * power) <= count_limit)
    count = max(1, class_count(step))
    last = count_limit - 1
    return [
        ValueClass(
            low=start(step) + index * step,
            high=start(step) + (index + 1) * step,
            colour=VALUE_COLOURS[
                last
                if count == 1
                else int((Decimal(index * last) / (count - 1)).quantize(1, ROUND_HALF_UP))
            ],
        )
        for index in range(count)
    ]


def fill_for(classes: list[ValueClass], value: Decimal | int) -> str:
    return next((c.colour for c in classes if value < c.high), classes[-1].colour)


def value_fills(rows: list[CouncilRow]) -> tuple[list[ValueClass], dict[str, str]]:
    """The classes for these councils' figures, and the fill of each council coloured by its
    figure (by code): those with a figure, on a base of at least 5 (others are greyed)."""
    coloured = [row for row in rows if row.cell.value is not None and not row.cell.greyed]
    classes = value_classes([row.cell.value for row in coloured])
    return classes, {row.council.code: fill_for(classes, row.cell.value) for row in coloured}


@dataclass(frozen=True)
class MapAreas:
    view_box: str
    paths: dict[str, str]  # council code -> SVG path data


def map_areas(geojson: Path) -> MapAreas | None:
    """The areas of `build_boundaries`' lower-tier file as SVG paths; None before it is built."""
    try:
        changed = geojson.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return _map_areas(geojson, changed)


@functools.lru_cache(maxsize=2)
def _map_areas(geojson: Path, changed: int) -> MapAreas:  # `changed`: read again once rebuilt
    features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    rings = {
        str(feature["id"]): [
            [(lon * X_SCALE, lat) for lon, lat in ring]
            for polygon in _polygons(feature["geometry"])
            for ring in polygon
        ]
        for feature in features
    }
    points = [point for areas in rings.values() for ring in areas for point in ring]
    west, east = min(x for x, _ in points), max(x for x, _ in points)
    south, north = min(y for _, y in points), max(y for _, y in points)
    scale = VIEW_WIDTH / (east - west)
    height = math.ceil((north - south) * scale)

    def path(areas) -> str:
        commands = []
        for ring in areas:
            at = None
            for x, y in ring:
                point = (round((x - west) * scale), round((north - y) * scale))
                if at is None:
                    commands.append(f"M{point[0]} {point[1]}")
                elif point != at:
                    commands.append(f"l{point[0] - at[0]} {point[1] - at[1]}")
                at = point
            commands.append("z")
        return "".join(commands)

    return MapAreas(f"0 0 {VIEW_WIDTH} {height}", {code: path(a) for code, a in rings.items()})


def _polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
