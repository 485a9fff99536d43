"""Hex maps: every council one same-sized hexagon, placed near where the council really is.

A lattice of pointy-top hexagons is laid over England's land, sized so there are a few more land
cells than councils; councils are then assigned to cells by an optimal assignment that minimises
the total squared distance between council centroids and cell centres. London's 33 boroughs thus
get 33 hexagons, pushing their neighbours outwards, instead of a few pixels.

Output coordinates are plain plane units (a hexagon's circumradius is 1, y grows northwards), not
geographic ones: the front end draws the polygons as they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from scipy.optimize import linear_sum_assignment

SQRT3 = math.sqrt(3)
# Few spare cells keep England's outline solid; with more (1.4+) sparse regions such as the
# north and the south-west break up into scattered hexagons.
CELLS_PER_COUNCIL = 1.05
DECIMALS = 4

# Corners of a pointy-top hexagon of circumradius 1, clockwise from the top, closed.
CORNERS = tuple(
    (round(math.sin(math.radians(a)), DECIMALS), round(math.cos(math.radians(a)), DECIMALS))
    for a in (0, 60, 120, 180, 240, 300, 0)
)


@dataclass(frozen=True)
class Hex:
    """A lattice cell: axial coordinates (q, r) and its centre in hexagon units."""

    q: int
    r: int

    @property
    def x(self) -> float:
        return round(SQRT3 * (self.q + self.r / 2), DECIMALS)

    @property
    def y(self) -> float:
        return round(1.5 * self.r, DECIMALS)

    def polygon(self) -> list[list[float]]:
        return [[round(self.x + dx, DECIMALS), round(self.y + dy, DECIMALS)] for dx, dy in CORNERS]


def _lattice(bounds: tuple[float, float, float, float], radius: float) -> tuple[np.ndarray, ...]:
    """Axial (q, r) and metre centres (x, y) of the cells covering `bounds`, row by row."""
    min_x, min_y, max_x, max_y = bounds
    rows = np.arange(math.ceil((max_y - min_y) / (1.5 * radius)) + 2)
    cols = np.arange(math.ceil((max_x - min_x) / (SQRT3 * radius)) + 2)
    row, col = (a.ravel() for a in np.meshgrid(rows, cols, indexing="ij"))
    x = min_x - radius + SQRT3 * radius * (col + (row % 2) / 2)
    y = min_y - radius + 1.5 * radius * row
    q = col - (row - (row % 2)) // 2  # offset ("odd-r") to axial coordinates
    return q, row, x, y


def _land_cells(land: shapely.Geometry, radius: float) -> tuple[np.ndarray, ...]:
    q, r, x, y = _lattice(land.bounds, radius)
    inside = shapely.contains_xy(land, x, y)
    return q[inside], r[inside], x[inside], y[inside]


def hex_layout(
    centroids: Mapping[str, tuple[float, float]],
    land: shapely.Geometry,
    cells_per_council: float = CELLS_PER_COUNCIL,
) -> dict[str, Hex]:
    """One distinct hexagon per council, close to its centroid; deterministic.

    `centroids` and `land` are in the same metric plane (OS grid metres). The hexagon size is
    the largest that gives at least `cells_per_council` land cells per council.
    """
    if not centroids:
        return {}
    if cells_per_council < 1:
        raise ValueError("there must be at least as many cells as councils")
    codes = sorted(centroids)
    points = np.array([centroids[code] for code in codes], dtype=float)
    wanted = math.ceil(len(codes) * cells_per_council)
    # A hexagon of circumradius R covers 1.5 * sqrt(3) * R^2: start from the size that would
    # fit exactly and shrink until the coastline's losses are made up.
    radius = math.sqrt(land.area / (1.5 * SQRT3 * wanted))
    q, r, x, y = _land_cells(land, radius)
    while len(q) < wanted:
        radius *= 0.98
        q, r, x, y = _land_cells(land, radius)
    cost = (points[:, None, 0] - x[None, :]) ** 2 + (points[:, None, 1] - y[None, :]) ** 2
    councils, cells = linear_sum_assignment(cost)
    return {codes[i]: Hex(int(q[j]), int(r[j])) for i, j in zip(councils, cells, strict=True)}


def layouts_document(layouts: Mapping[str, Mapping[str, Hex]]) -> dict[str, Any]:
    """The `hexes.json` content: per layout, per council code, the hexagon's centre and polygon."""
    return {
        "radius": 1,
        "orientation": "pointy-top",
        "layouts": {
            name: {
                code: {"q": h.q, "r": h.r, "x": h.x, "y": h.y, "polygon": h.polygon()}
                for code, h in sorted(layout.items())
            }
            for name, layout in layouts.items()
        },
    }
