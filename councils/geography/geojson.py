"""Council areas as GeoJSON: between OS grid metres and longitude/latitude, wound for plotly.js.

Winding: plotly.js draws `geo` traces with d3-geo, which reads a ring on the sphere as enclosing
the area on its right, so exterior rings must run CLOCKWISE and holes counter-clockwise, the
opposite of RFC 7946 (a counter-clockwise ring would fill the rest of the globe). The files follow
d3's convention so they also work in a plotly `choropleth` trace; our own map draws them as
filled SVG paths, where the nonzero fill rule only needs holes wound against their exterior.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

OS_GRID = "EPSG:27700"
LON_LAT = "EPSG:4326"
COORDINATE_DECIMALS = 4  # about 7 m: far finer than the simplification


@functools.cache
def _to_lon_lat() -> Transformer:
    return Transformer.from_crs(OS_GRID, LON_LAT, always_xy=True)


@functools.cache
def _to_os_grid() -> Transformer:
    return Transformer.from_crs(LON_LAT, OS_GRID, always_xy=True)


def os_grid_to_lon_lat(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(
        geometry, lambda xy: np.column_stack(_to_lon_lat().transform(xy[:, 0], xy[:, 1]))
    )


def lon_lat_to_os_grid(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(
        geometry, lambda xy: np.column_stack(_to_os_grid().transform(xy[:, 0], xy[:, 1]))
    )


def _ring(coords: np.ndarray) -> list[list[float]]:
    return np.round(coords, COORDINATE_DECIMALS).tolist()


def geojson_geometry(geometry: shapely.Geometry) -> dict[str, Any]:
    """A (Multi)Polygon in lon/lat as GeoJSON: exterior rings clockwise, holes counter-clockwise.

    Rounding happens after winding; a ring too small to survive rounding is dropped.
    """
    polygons = [
        shapely.orient_polygons(part, exterior_cw=True)
        for part in shapely.get_parts(geometry)
        if isinstance(part, shapely.Polygon) and not part.is_empty
    ]
    coordinates = []
    for polygon in polygons:
        rings = [_ring(np.asarray(polygon.exterior.coords))]
        rings += [_ring(np.asarray(hole.coords)) for hole in polygon.interiors]
        rings = [ring for ring in rings if len({tuple(point) for point in ring}) >= 3]
        if rings:
            coordinates.append(rings)
    if len(coordinates) == 1:
        return {"type": "Polygon", "coordinates": coordinates[0]}
    return {"type": "MultiPolygon", "coordinates": coordinates}


def feature_collection(areas_lon_lat: Mapping[str, shapely.Geometry]) -> dict[str, Any]:
    """GeoJSON features with `id` (and `properties.code`) = the council's GSS code, by code."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code},
                "geometry": geojson_geometry(areas_lon_lat[code]),
            }
            for code in sorted(areas_lon_lat)
        ],
    }
