"""Council areas for the map: derived from the ONS Postcode Directory, or imported from ONS files.

Derivation (`build_boundaries`), all in OS grid metres (EPSG:27700):
1. each 1 km cell takes the council most of its postcodes are in;
2. land cells with no postcode take the council of the nearest cell that has one; land is the
   postcode cells closed by one cell (so narrow gaps fill but estuaries and the sea stay open)
   with every enclosed hole filled (moors, lakes, forests);
3. the cells are merged per council and simplified as a coverage, so neighbours keep one shared
   border (no slivers, no overlaps);
4. counties are the union of their districts;
5. reprojected to longitude/latitude and wound as plotly.js expects.

Postcodes in Wales and Scotland take part in steps 1-2 as "outside England", so English areas
stop at the border instead of swallowing their neighbours, and are dropped afterwards.

GeoJSON and its winding: `councils.geography.geojson`.
"""

from __future__ import annotations

import gc
import itertools
import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from scipy import ndimage

from councils.geography.geojson import feature_collection, os_grid_to_lon_lat
from councils.geography.hexmap import hex_layout, layouts_document
from councils.geography.postcodes import ENGLISH_LOWER_TIER_PREFIXES, PostcodePoint
from councils.models import Council, CouncilType

LOWER_TIER = "lower_tier"
COUNTIES = "counties"
LAYERS = (LOWER_TIER, COUNTIES)
HEXES = "hexes"
# The hex layouts: LOWER_TIER, every council but the counties; UPPER_TIER, every council but
# the districts (counties, unitaries, metropolitan and London boroughs).
UPPER_TIER = "upper_tier"


# Council codes of the countries whose postcodes bound England's areas without being mapped.
NEIGHBOUR_PREFIXES = ("W", "S")

DEFAULT_SIMPLIFY_METRES = 1000.0  # just above a 1 km cell's staircase step, which it smooths


@dataclass(frozen=True)
class Grid:
    """A raster of square cells in OS grid metres; row 0 is the southernmost row."""

    x0: float
    y0: float
    cell: float
    width: int
    height: int
    land_beyond_top: bool = False

    def cell_indices(self, eastings: np.ndarray, northings: np.ndarray) -> tuple[np.ndarray, ...]:
        """(rows, cols, inside) for each point; rows and cols are only meaningful where inside."""
        cols = np.floor((eastings - self.x0) / self.cell).astype(np.int64)
        rows = np.floor((northings - self.y0) / self.cell).astype(np.int64)
        inside = (cols >= 0) & (cols < self.width) & (rows >= 0) & (rows < self.height)
        return rows, cols, inside

    def with_cell(self, cell: float) -> Grid:
        """The same extent cut into cells of another size."""
        return Grid(
            x0=self.x0,
            y0=self.y0,
            cell=cell,
            width=math.ceil(self.width * self.cell / cell),
            height=math.ceil(self.height * self.cell / cell),
            land_beyond_top=self.land_beyond_top,
        )

    def cell_boxes(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        x = self.x0 + cols * self.cell
        y = self.y0 + rows * self.cell
        return shapely.box(x, y, x + self.cell, y + self.cell)


# England with a margin: the Isles of Scilly to Lowestoft, the Lizard to Berwick-upon-Tweed.
ENGLAND_GRID = Grid(x0=80_000, y0=0, cell=1_000, width=580, height=670, land_beyond_top=True)


@dataclass(frozen=True)
class LabelledPoints:
    """Postcode points labelled by council: `labels[i]` indexes `codes`; `outside` = not England."""

    codes: tuple[str, ...]
    labels: np.ndarray
    eastings: np.ndarray
    northings: np.ndarray

    @property
    def outside(self) -> int:
        return len(self.codes)


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Each collection walks every tuple built so far, and building millions of them triggers
    # many: reading is 2-3x faster without (none of them can be in a reference cycle).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def label_points(points: Iterable[PostcodePoint]) -> LabelledPoints:
    """English lower-tier councils by sorted code, Welsh and Scottish postcodes as `outside`.

    Anything else (Northern Ireland, whose grid references are on the Irish grid, the Channel
    Islands, the Isle of Man) is dropped.
    """
    with _gc_paused():
        columns = list(zip(*points, strict=True))
    if not columns:
        raise ValueError("no postcode points")
    point_codes, eastings, northings = columns
    distinct = set(point_codes)
    english = tuple(sorted(c for c in distinct if c.startswith(ENGLISH_LOWER_TIER_PREFIXES)))
    outside = len(english)
    label_of = dict.fromkeys(distinct, -1)
    label_of.update((code, outside) for code in distinct if code.startswith(NEIGHBOUR_PREFIXES))
    label_of.update((code, index) for index, code in enumerate(english))
    labels = np.fromiter(map(label_of.__getitem__, point_codes), np.int32, len(point_codes))
    keep = labels >= 0
    return LabelledPoints(
        codes=english,
        labels=labels[keep],
        eastings=np.asarray(eastings, dtype=float)[keep],
        northings=np.asarray(northings, dtype=float)[keep],
    )


def majority_grid(points: LabelledPoints, grid: Grid) -> np.ndarray:
    """Per cell, the label most of its points have (ties: the lowest label); -1 where none."""
    rows, cols, inside = grid.cell_indices(points.eastings, points.northings)
    n_labels = points.outside + 1
    cells = rows[inside] * grid.width + cols[inside]
    result = np.full(grid.width * grid.height, -1, dtype=np.int32)
    if not cells.size:
        return result.reshape(grid.height, grid.width)
    keys, counts = np.unique(cells * n_labels + points.labels[inside], return_counts=True)
    key_cells, key_labels = keys // n_labels, keys % n_labels
    # Within each cell, the biggest count first and, among equals, the lowest label.
    order = np.lexsort((key_labels, -counts, key_cells))
    key_cells, key_labels = key_cells[order], key_labels[order]
    first = np.r_[True, key_cells[1:] != key_cells[:-1]]
    result[key_cells[first]] = key_labels[first]
    return result.reshape(grid.height, grid.width)


def _close(mask: np.ndarray, radius: int) -> np.ndarray:
    """Morphological closing by a disk (the caller pads the mask by more than the radius)."""
    if radius <= 0:
        return mask
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return ndimage.binary_closing(mask, structure=x * x + y * y <= radius * radius)


def fill_land(
    cells: np.ndarray,
    close_cells: int = 1,
    neighbour: int | None = None,
    neighbour_close_cells: int = 4,
    land_beyond_top: bool = False,
) -> np.ndarray:
    """Give empty land cells the label of the nearest labelled cell; the sea stays -1.

    Land: the labelled cells after a morphological closing of `close_cells` (gaps up to about
    twice that wide fill), with every hole this leaves enclosed filled too. The `neighbour`
    label's cells (Wales, Scotland) are closed more widely: only their edge with England
    matters, and sparse hills there (the Cheviots) would otherwise open a channel to the sea.
    `land_beyond_top`: the land goes on past the top row (Scotland above England's grid), so an
    empty area open only to that edge is land, not sea.
    """
    occupied = cells >= 0
    if not occupied.any():
        return cells.copy()
    # A margin so that closing and hole filling see what lies past the grid's edges.
    margin = max(close_cells, neighbour_close_cells) + 1
    padded = np.pad(occupied, margin)
    if land_beyond_top:
        padded[-margin:, :] = True
    land = padded | _close(padded, close_cells)
    if neighbour is not None:
        land |= _close(np.pad(cells == neighbour, margin), neighbour_close_cells)
    land = ndimage.binary_fill_holes(land)[margin:-margin, margin:-margin]
    _, (nearest_rows, nearest_cols) = ndimage.distance_transform_edt(~occupied, return_indices=True)
    return np.where(land, cells[nearest_rows, nearest_cols], -1).astype(np.int32)


def sieve(cells: np.ndarray, min_cells: int = 4) -> np.ndarray:
    """Give specks (a council's small detached patches touching other councils) to a neighbour.

    Sparse postcodes leave single cells of one council scattered inside another; each becomes
    the label most common around it. A council's largest patch and islands in the sea stay.
    """
    result = cells.copy()
    four_neighbours = ndimage.generate_binary_structure(2, 1)
    for label in np.unique(cells[cells >= 0]):
        patches, count = ndimage.label(cells == label)
        if count < 2:
            continue
        sizes = np.bincount(patches.ravel())
        sizes[0] = 0
        largest = int(np.argmax(sizes))
        for index, window in enumerate(ndimage.find_objects(patches), start=1):
            if index == largest or sizes[index] >= min_cells:
                continue
            # A window one cell larger holds the patch and its neighbours.
            rows, cols = (slice(max(s.start - 1, 0), s.stop + 1) for s in window)
            patch = patches[rows, cols] == index
            ring = ndimage.binary_dilation(patch, four_neighbours) & ~patch
            around = result[rows, cols][ring]
            around = around[(around >= 0) & (around != label)]
            if around.size:
                result[rows, cols][patch] = np.bincount(around).argmax()
    return result


def merge_cells(
    cells: np.ndarray, grid: Grid, codes: tuple[str, ...]
) -> dict[str, shapely.Geometry]:
    """Each council's cells as one (multi)polygon; labels outside `codes` are dropped.

    Unit boxes merged with a coverage union keep a vertex at every cell corner on both sides of a
    shared border, which coverage simplification needs.
    """
    rows, cols = np.nonzero((cells >= 0) & (cells < len(codes)))
    labels = cells[rows, cols]
    order = np.argsort(labels, kind="stable")
    rows, cols, labels = rows[order], cols[order], labels[order]
    if not labels.size:
        return {}
    boxes = grid.cell_boxes(rows, cols)
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1], True])
    return {
        codes[labels[start]]: shapely.coverage_union_all(boxes[start:end])
        for start, end in itertools.pairwise(starts)
    }


def simplify(
    areas: Mapping[str, shapely.Geometry], tolerance: float
) -> dict[str, shapely.Geometry]:
    """Coverage-simplify every area together, so shared borders stay shared."""
    if tolerance <= 0 or not areas:
        return dict(areas)
    codes = list(areas)
    simplified = shapely.coverage_simplify(np.array([areas[c] for c in codes]), tolerance)
    return dict(zip(codes, simplified, strict=True))


def derive_areas(
    points: LabelledPoints,
    grid: Grid = ENGLAND_GRID,
    close_cells: int = 1,
    tolerance: float = DEFAULT_SIMPLIFY_METRES,
) -> dict[str, shapely.Geometry]:
    """Every English council's area in OS grid metres, from its postcodes (steps 1-3 above)."""
    cells = fill_land(
        majority_grid(points, grid),
        close_cells,
        neighbour=points.outside,
        land_beyond_top=grid.land_beyond_top,
    )
    return simplify(merge_cells(sieve(cells), grid, points.codes), tolerance)


def county_lookup() -> dict[str, str]:
    """District code -> county code, for the current councils in the register."""
    return dict(
        Council.objects.current()
        .filter(type=CouncilType.DISTRICT, county__isnull=False)
        .values_list("code", "county__code")
    )


def register_lower_tier_codes() -> set[str]:
    """Codes of the current lower-tier councils in the register: what the map must cover."""
    return set(
        Council.objects.current().exclude(type=CouncilType.COUNTY).values_list("code", flat=True)
    )


def county_areas(
    areas: Mapping[str, shapely.Geometry], county_of: Mapping[str, str]
) -> dict[str, shapely.Geometry]:
    """Each county's area: the union of its districts' areas (districts without an area skipped)."""
    districts: dict[str, list[shapely.Geometry]] = {}
    for district, county in sorted(county_of.items()):
        if district in areas:
            districts.setdefault(county, []).append(areas[district])
    return {county: shapely.union_all(parts) for county, parts in sorted(districts.items())}


def geography_dir() -> Path:
    return Path(getattr(settings, "GEOGRAPHY_DIR", settings.BASE_DIR / "var" / "geography"))


def layer_path(layer: str) -> Path:
    """The file of a layer (`lower_tier`, `counties`) or of the hex layouts (`hexes`)."""
    if layer == HEXES:
        return geography_dir() / "hexes.json"
    if layer not in LAYERS:
        raise ValueError(f"unknown map layer {layer!r}")
    return geography_dir() / f"{layer}.geojson"


def write_json(path: Path, data: Any) -> int:
    """Write compact JSON atomically (a view reading meanwhile sees the old or the new file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    content = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as file:
        file.write(content)
    os.chmod(file.name, 0o644)  # temporary files are private; the web server must read it
    os.replace(file.name, path)
    return len(content)


@dataclass(frozen=True)
class WrittenFile:
    """What `write_geography` wrote, for the commands' report."""

    path: Path
    contents: str
    size: int


def write_geography(
    areas: Mapping[str, shapely.Geometry], county_of: Mapping[str, str]
) -> list[WrittenFile]:
    """Write both layers and the hex layouts from lower-tier areas in OS grid metres.

    `areas` must form a coverage (no overlaps); `county_of` maps district codes to county codes.
    """
    counties = county_areas(areas, county_of)
    upper_tier = {
        code: area
        for code, area in areas.items()
        if CouncilType.from_code(code) != CouncilType.DISTRICT
    }
    upper_tier.update(counties)
    land = shapely.union_all(list(areas.values()))
    shapely.prepare(land)
    layouts = {
        LOWER_TIER: hex_layout(_centroids(areas), land),
        UPPER_TIER: hex_layout(_centroids(upper_tier), land),
    }
    written = []
    for layer, layer_areas in ((LOWER_TIER, areas), (COUNTIES, counties)):
        lon_lat = {code: os_grid_to_lon_lat(area) for code, area in layer_areas.items()}
        path = layer_path(layer)
        size = write_json(path, feature_collection(lon_lat))
        written.append(WrittenFile(path, f"{len(lon_lat)} areas", size))
    path = layer_path(HEXES)
    size = write_json(path, layouts_document(layouts))
    counts = " + ".join(str(len(layout)) for layout in layouts.values())
    written.append(WrittenFile(path, f"{counts} hexagons", size))
    return written


def _centroids(areas: Mapping[str, shapely.Geometry]) -> dict[str, tuple[float, float]]:
    return {code: (area.centroid.x, area.centroid.y) for code, area in areas.items()}
