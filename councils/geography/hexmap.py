"""Hex maps: every council one same-sized hexagon, placed near where the council really is.

A lattice of pointy-top hexagons is laid over England's land, sized so there are a few more land
cells than councils; councils are then assigned to cells by an optimal assignment that minimises
the total squared distance between council centroids and cell centres. London's 33 boroughs thus
get 33 hexagons, pushing their neighbours outwards, instead of a few pixels. They are placed
first, on the cells nearest their middle, so that they make one compact block.

Output coordinates are plain plane units (a hexagon's circumradius is 1, y grows northwards), not
geographic ones: the front end draws the polygons as they are, London's outline around its
boroughs' hexagons, and each council's short label (`short_labels`) on its hexagon.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
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
LONDON_PREFIX = "E09"  # the London boroughs' codes: laid out, and outlined, as one block

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
    london = np.array([code.startswith(LONDON_PREFIX) for code in codes])
    free = np.ones(len(q), dtype=bool)
    layout = {}
    # London first, onto the cells nearest its middle (a compact block), then everyone else.
    for group in (london, ~london):
        if not group.any():
            continue
        members = np.flatnonzero(group)
        cells = np.flatnonzero(free)
        if group is london:
            middle = points[members].mean(axis=0)
            distance = (x[cells] - middle[0]) ** 2 + (y[cells] - middle[1]) ** 2
            cells = cells[np.argsort(distance, kind="stable")[: len(members)]]
        px, py = points[members, 0], points[members, 1]
        cost = (px[:, None] - x[None, cells]) ** 2 + (py[:, None] - y[None, cells]) ** 2
        chosen_members, chosen_cells = linear_sum_assignment(cost)
        for i, j in zip(chosen_members, chosen_cells, strict=True):
            cell = cells[j]
            layout[codes[members[i]]] = Hex(int(q[cell]), int(r[cell]))
            free[cell] = False
    return layout


def outline(hexes: Iterable[Hex]) -> list[list[list[float]]]:
    """The edges around a group of hexagons (those no two of them share), each [[x, y], [x, y]]."""
    edges: dict[tuple, list[list[float]]] = {}
    counts: dict[tuple, int] = {}
    for cell in hexes:
        corners = cell.polygon()
        for a, b in itertools.pairwise(corners):
            # Neighbours' shared corners agree to rounding (each is centre + offset, rounded).
            key = tuple(
                sorted([(round(a[0], 2), round(a[1], 2)), (round(b[0], 2), round(b[1], 2))])
            )
            edges.setdefault(key, [a, b])
            counts[key] = counts.get(key, 0) + 1
    return [edges[key] for key in sorted(edges) if counts[key] == 1]


def layouts_document(layouts: Mapping[str, Mapping[str, Hex]]) -> dict[str, Any]:
    """The `hexes.json` content: per layout, per council code, the hexagon's centre and polygon;
    and per layout the outline of London's boroughs, drawn round them as one block."""
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
        "london": {
            name: outline(h for code, h in layout.items() if code.startswith(LONDON_PREFIX))
            for name, layout in layouts.items()
        },
    }


# Words a short label skips: "Bath and North East Somerset" is BNE, not BAN.
MINOR_WORDS = {"and", "of", "on", "upon", "the", "in", "with", "city", "county", "borough"}


def _label_candidates(name: str) -> Iterable[str]:
    """Three-letter labels for a name, the most recognisable first: initials of three words, the
    first word's initial and the next's first two letters, then any three of its letters in
    order starting with its first (as airport codes are made)."""
    every = [w.replace("'", "") for w in re.findall(r"[A-Za-z']+", name)]  # King's: one word
    words = [w for w in every if w.lower() not in MINOR_WORDS] or [w for w in every if w] or ["X"]
    if len(words) >= 3:
        yield "".join(w[0] for w in words[:3])
    if len(words) == 2:
        yield words[0][0] + words[1][:2]
    letters = "".join(words)
    if len(letters) < 3:
        yield letters.ljust(3, letters[-1])
    for rest in itertools.combinations(letters[1:], 2):
        yield letters[0] + "".join(rest)


def short_labels(names: Mapping[str, str]) -> dict[str, str]:
    """A distinct three-letter label (upper case) per code, from its name; the same names always
    give the same labels. Councils take their first free candidate in order of name and code."""
    taken: set[str] = set()
    labels = {}
    for code, name in sorted(names.items(), key=lambda item: (item[1], item[0])):
        label = next(
            (c.upper() for c in _label_candidates(name) if c.upper() not in taken),
            code[-3:],  # every candidate taken: the code's last digits, distinct within a type
        )
        taken.add(label)
        labels[code] = label
    return labels
