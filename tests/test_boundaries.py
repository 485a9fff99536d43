"""Council areas from postcodes, official boundary imports and the files the map reads."""

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command

from councils.geography import boundaries, geojson
from councils.geography.boundaries import Grid, LabelledPoints, label_points
from councils.geography.postcodes import PostcodePoint
from councils.geography.register import load_councils
from councils.models import Council, CouncilType

A, B, C = "E07000001", "E07000002", "E06000001"  # two districts and a unitary, by label 0, 1, 2
COUNTY = "E10000001"
GRID = Grid(x0=0, y0=0, cell=1_000, width=12, height=8)

# A grid reference in Kirkby-in-Ashfield (Nottinghamshire), OS grid metres.
ASHFIELD_EASTING, ASHFIELD_NORTHING = 450_300, 356_300
ENGLAND_LON_LAT = (-6.5, 49.8, 1.8, 55.9)  # Scilly to Lowestoft, the Lizard to Berwick


def built(layer: str) -> dict:
    """A file `build_boundaries` wrote, as JSON."""
    return json.loads(boundaries.layer_path(layer).read_bytes())


def _points(*rows: tuple[str, float, float]) -> LabelledPoints:
    return label_points(PostcodePoint(*row) for row in rows)


def _block(
    code: str, cols: range, rows: range, per_cell: int = 1
) -> list[tuple[str, float, float]]:
    """Postcodes in every cell of a block of the test grid, `per_cell` in each."""
    return [
        (code, col * 1_000 + 100 + 50 * i, row * 1_000 + 500)
        for col in cols
        for row in rows
        for i in range(per_cell)
    ]


# --- labelling and rasterising --------------------------------------------------------------


def test_labels_are_sorted_codes_with_wales_and_scotland_outside():
    points = _points(
        (B, 1, 1), (A, 2, 2), ("W06000001", 3, 3), ("S12000001", 4, 4), ("N09000001", 5, 5)
    )
    assert points.codes == (A, B)
    assert points.outside == 2
    # Northern Ireland (Irish grid references) is dropped altogether.
    assert points.labels.tolist() == [1, 0, 2, 2]
    assert points.eastings.tolist() == [1, 2, 3, 4]


def test_each_cell_takes_the_council_most_of_its_postcodes_are_in():
    points = _points(
        (A, 100, 100),
        (A, 200, 200),
        (B, 300, 300),  # cell (0, 0): A wins 2-1
        (A, 1100, 100),
        (B, 1200, 200),
        (B, 1300, 300),  # cell (0, 1): B wins 2-1
        (B, 2100, 100),
        (A, 2200, 200),  # cell (0, 2): a tie goes to the lower code, A
        (A, 99_000, 99_000),  # outside the grid: ignored
    )
    cells = boundaries.majority_grid(points, Grid(0, 0, 1_000, width=4, height=2))
    assert cells.tolist() == [[0, 1, 0, -1], [-1, -1, -1, -1]]


def test_empty_land_goes_to_the_nearest_council_and_the_sea_stays_empty():
    cells = np.full((7, 9), -1, dtype=np.int32)
    cells[1:6, 1] = 0  # council 0's west edge
    cells[1:6, 5] = 1  # council 1's east edge
    cells[1, 1:6] = cells[5, 1:6] = [0, 0, 0, 1, 1]  # a closed ring round an empty moor
    filled = boundaries.fill_land(cells)
    # The enclosed moor is shared by distance: its west to council 0, its east to council 1.
    assert filled[3, 2] == 0 and filled[3, 4] == 1
    # Open sea all round stays sea.
    assert (filled[:, 7:] == -1).all() and (filled[0, :] == -1).all()


def test_a_narrow_inlet_is_closed_but_a_wide_one_stays_sea():
    cells = np.full((16, 16), -1, dtype=np.int32)
    cells[2:14, 2:14] = 0
    cells[7:9, 6:] = -1  # a two-cell-wide inlet from the east
    assert boundaries.fill_land(cells)[7, 8] == 0
    cells[7:10, 6:] = -1  # three cells wide
    assert boundaries.fill_land(cells)[7, 8] == -1
    assert boundaries.fill_land(cells, close_cells=2)[7, 8] == 0


def test_land_beyond_the_top_edge_closes_areas_open_only_to_it():
    cells = np.full((5, 6), -1, dtype=np.int32)
    cells[:, 0] = cells[:, 4] = cells[0, :5] = 0  # a U open to the north (top) edge
    assert boundaries.fill_land(cells)[3, 2] == -1
    assert boundaries.fill_land(cells, land_beyond_top=True)[3, 2] == 0


def test_neighbouring_country_is_closed_widely_so_sparse_border_hills_are_land():
    cells = np.full((9, 12), -1, dtype=np.int32)
    cells[:, :6] = 0  # England
    cells[:, 6:] = 1  # Scotland...
    cells[3:6, 6:] = -1  # ...with empty hills three cells wide running from the border to the sea
    assert boundaries.fill_land(cells)[4, 8] == -1
    widened = boundaries.fill_land(cells, neighbour=1, neighbour_close_cells=2)
    assert widened[4, 9] == 1
    assert widened[4, 6] == 0  # the English side of the hills is England's


def test_sieve_hands_specks_to_their_neighbour_but_keeps_islands():
    cells = np.zeros((7, 9), dtype=np.int32)
    cells[:, 6:] = -1  # sea to the east
    cells[3, 2] = 1  # a one-cell speck of council 1 inside council 0
    cells[0:2, 0:2] = 1  # council 1's main body
    cells[5, 8] = 1  # a one-cell island of council 1 in the sea
    sieved = boundaries.sieve(cells)
    assert sieved[3, 2] == 0
    assert sieved[5, 8] == 1
    assert (sieved[0:2, 0:2] == 1).all()


# --- polygons -------------------------------------------------------------------------------


def _two_councils() -> dict[str, shapely.Geometry]:
    """Two councils with an empty moor between them, closed at the north and south."""
    points = _points(
        *_block(A, range(0, 5), range(0, 8)),
        *_block(A, range(5, 6), range(0, 8, 7)),
        *_block(B, range(6, 7), range(0, 8, 7)),
        *_block(B, range(7, 12), range(0, 8)),
    )
    return boundaries.derive_areas(points, GRID, tolerance=0)


def test_derived_areas_tile_the_land_without_overlap():
    areas = _two_councils()
    assert set(areas) == {A, B}
    assert all(area.is_valid for area in areas.values())
    # The moor is split down the middle.
    assert areas[A].area == areas[B].area == 6 * 8 * 1_000_000
    assert areas[A].intersection(areas[B]).area == 0
    assert areas[A].touches(areas[B])


def test_simplification_keeps_shared_borders_shared():
    rows = [
        (A, 500 + 1000 * col, 500 + 1000 * row)
        for row in range(8)
        for col in range(12)
        if col <= row
    ]
    rows += [
        (B, 500 + 1000 * col, 500 + 1000 * row)
        for row in range(8)
        for col in range(12)
        if col > row
    ]
    areas = boundaries.derive_areas(_points(*rows), GRID, tolerance=1_000)
    assert areas[A].intersection(areas[B]).area == pytest.approx(0, abs=1)
    assert shapely.union_all(list(areas.values())).area == pytest.approx(12 * 8 * 1e6, rel=0.05)
    # The staircase border became a straight diagonal.
    assert shapely.get_num_coordinates(areas[A]) < 10


def test_county_is_the_union_of_its_districts():
    areas = _two_councils() | {C: shapely.box(0, -5_000, 12_000, 0)}
    counties = boundaries.county_areas(areas, {A: COUNTY, B: COUNTY, "E07000099": COUNTY})
    assert set(counties) == {COUNTY}
    assert counties[COUNTY].area == pytest.approx(areas[A].area + areas[B].area)
    assert counties[COUNTY].geom_type == "Polygon"


def test_os_grid_reference_in_ashfield_is_in_nottinghamshire_in_lon_lat():
    point = geojson.os_grid_to_lon_lat(shapely.Point(ASHFIELD_EASTING, ASHFIELD_NORTHING))
    assert point.x == pytest.approx(-1.25, abs=0.05)
    assert point.y == pytest.approx(53.10, abs=0.05)
    back = geojson.lon_lat_to_os_grid(point)
    assert back.distance(shapely.Point(ASHFIELD_EASTING, ASHFIELD_NORTHING)) < 1


def _clockwise(ring: list[list[float]]) -> bool:
    return not shapely.LinearRing(ring).is_ccw


def test_geojson_rings_are_wound_as_plotly_geo_expects():
    # RFC 7946 winding in (exterior counter-clockwise, hole clockwise): d3's comes out.
    square = shapely.Polygon(
        [(-1.3, 53.0), (-1.2, 53.0), (-1.2, 53.1), (-1.3, 53.1)],
        holes=[[(-1.26, 53.04), (-1.26, 53.06), (-1.24, 53.06), (-1.24, 53.04)]],
    )
    square = shapely.orient_polygons(square, exterior_cw=False)
    collection = geojson.feature_collection({C: square, A: shapely.MultiPolygon([square])})
    assert [f["id"] for f in collection["features"]] == [C, A]  # by code
    for feature in collection["features"]:
        assert feature["properties"] == {"code": feature["id"]}
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        for exterior, *holes in polygons:
            assert _clockwise(exterior)
            assert holes and not any(_clockwise(hole) for hole in holes)


def test_coordinates_are_rounded():
    collection = geojson.feature_collection(
        {C: shapely.box(-1.123456789, 53.0, -1.0, 53.987654321)}
    )
    coordinates = collection["features"][0]["geometry"]["coordinates"][0]
    assert [-1.1235, 53.9877] in coordinates


# --- files ----------------------------------------------------------------------------------


@pytest.fixture
def geography_dir(settings, tmp_path: Path) -> Path:
    settings.GEOGRAPHY_DIR = tmp_path / "geography"
    return settings.GEOGRAPHY_DIR


def _os_grid_square(col: int, row: int, size: float = 10_000) -> shapely.Geometry:
    x, y = 400_000 + col * size, 300_000 + row * size
    return shapely.box(x, y, x + size, y + size)


def test_write_geography_writes_both_layers_and_the_hexes(geography_dir: Path):
    areas = {A: _os_grid_square(0, 0), B: _os_grid_square(1, 0), C: _os_grid_square(0, 1)}
    written = boundaries.write_geography(areas, {A: COUNTY, B: COUNTY})
    assert [w.path.name for w in written] == [
        "lower_tier.geojson",
        "counties.geojson",
        "hexes.json",
    ]

    lower = built(boundaries.LOWER_TIER)
    assert [f["id"] for f in lower["features"]] == [C, A, B]
    counties = built(boundaries.COUNTIES)
    assert [f["id"] for f in counties["features"]] == [COUNTY]
    for feature in lower["features"] + counties["features"]:
        min_x, min_y, max_x, max_y = shapely.bounds(shapely.geometry.shape(feature["geometry"]))
        assert ENGLAND_LON_LAT[0] < min_x < max_x < ENGLAND_LON_LAT[2]
        assert ENGLAND_LON_LAT[1] < min_y < max_y < ENGLAND_LON_LAT[3]

    hexes = built(boundaries.HEXES)["layouts"]
    assert set(hexes[boundaries.LOWER_TIER]) == {A, B, C}
    assert set(hexes[boundaries.UPPER_TIER]) == {C, COUNTY}


def test_unknown_layer_is_refused():
    with pytest.raises(ValueError, match="unknown map layer"):
        boundaries.layer_path("wards")


# --- commands -------------------------------------------------------------------------------


def _council(code: str, name: str, **fields) -> Council:
    return Council.objects.create(
        code=code,
        name=name,
        official_name=f"{name} Council",
        type_id=CouncilType.from_code(code),
        **fields,
    )


@pytest.fixture
def register(db) -> dict[str, Council]:
    county = _council(COUNTY, "Shire")
    return {
        COUNTY: county,
        A: _council(A, "Westville", county=county),
        B: _council(B, "Eastville", county=county),
        C: _council(C, "Northtown"),
    }


def _feature(code: str, col: int, row: int, **properties) -> dict:
    area = geojson.os_grid_to_lon_lat(_os_grid_square(col, row))
    return {
        "type": "Feature",
        "properties": {"LAD24CD": code, "LAD24NM": "x", **properties},
        "geometry": json.loads(shapely.to_geojson(area)),
    }


def _geojson_file(tmp_path: Path, *features: dict) -> Path:
    path = tmp_path / "lad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


def test_import_boundaries_writes_the_layers(register, geography_dir: Path, tmp_path: Path):
    file = _geojson_file(
        tmp_path,
        _feature(A, 0, 0),
        _feature(B, 1, 0),
        _feature(C, 0, 1),
        _feature("W06000001", 5, 5),  # Wales: skipped
    )
    out, err = StringIO(), StringIO()
    call_command("import_boundaries", str(file), stdout=out, stderr=err)
    assert "Read 3 English council areas" in out.getvalue()
    assert "1 features outside England skipped" in out.getvalue()
    assert err.getvalue() == ""
    assert [f["id"] for f in built(boundaries.LOWER_TIER)["features"]] == [
        C,
        A,
        B,
    ]
    county = built(boundaries.COUNTIES)["features"]
    assert [f["id"] for f in county] == [COUNTY]
    area = shapely.geometry.shape(county[0]["geometry"])
    assert area.is_valid and area.geom_type == "Polygon"  # the two districts merged


def test_import_boundaries_refuses_unknown_codes(register, geography_dir: Path, tmp_path: Path):
    file = _geojson_file(tmp_path, _feature(A, 0, 0), _feature("E07000999", 1, 0))
    with pytest.raises(
        CommandError, match="not current lower-tier councils in the register: E07000999"
    ):
        call_command("import_boundaries", str(file))
    assert not geography_dir.exists()


def test_import_boundaries_reports_missing_councils(register, geography_dir: Path, tmp_path: Path):
    file = _geojson_file(tmp_path, _feature(A, 0, 0), _feature(B, 1, 0))
    err = StringIO()
    call_command("import_boundaries", str(file), stdout=StringIO(), stderr=err)
    assert f"No boundary for 1 councils, not on the map: {C}" in err.getvalue()


def test_import_boundaries_needs_a_code_property_it_can_find(register, tmp_path: Path):
    file = _geojson_file(tmp_path, _feature(A, 0, 0, CTYUA24CD=A))
    with pytest.raises(CommandError, match="use --code-property"):
        call_command("import_boundaries", str(file))


def test_import_boundaries_accepts_a_councils_previous_code(
    register, geography_dir: Path, tmp_path: Path
):
    register[A].previous_codes.create(code="E07000900")
    file = _geojson_file(
        tmp_path, _feature("E07000900", 0, 0), _feature(B, 1, 0), _feature(C, 0, 1)
    )
    call_command("import_boundaries", str(file), "--code-property", "LAD24CD", stdout=StringIO())
    assert A in {f["id"] for f in built(boundaries.LOWER_TIER)["features"]}


def test_import_boundaries_refuses_grid_metres_without_a_crs(register, tmp_path: Path):
    feature = _feature(A, 0, 0)
    feature["geometry"] = json.loads(shapely.to_geojson(_os_grid_square(0, 0)))
    with pytest.raises(CommandError, match="not longitude/latitude"):
        call_command("import_boundaries", str(_geojson_file(tmp_path, feature)))


def test_build_boundaries_needs_the_register(db):
    with pytest.raises(CommandError, match="load_councils"):
        call_command("build_boundaries")


def test_full_build_from_the_postcode_directory(db, geography_dir: Path):
    """The real thing, end to end (about 10 s): every council mapped, Ashfield where it is."""
    load_councils()
    out = StringIO()
    call_command("build_boundaries", stdout=out, stderr=StringIO())
    assert "Wrote the geography files" in out.getvalue()
    assert "postcode files (100%)" in out.getvalue()  # progress, as plain lines off a terminal

    lower = built(boundaries.LOWER_TIER)["features"]
    assert {f["id"] for f in lower} == boundaries.register_lower_tier_codes()
    assert len(lower) == 296
    counties = built(boundaries.COUNTIES)["features"]
    assert len(counties) == Council.objects.current().filter(type=CouncilType.COUNTY).count() == 21

    areas = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in lower + counties}
    assert all(area.is_valid for area in areas.values())
    min_x, min_y, max_x, max_y = shapely.total_bounds(list(areas.values()))
    assert ENGLAND_LON_LAT[0] < min_x and max_x < ENGLAND_LON_LAT[2]
    assert ENGLAND_LON_LAT[1] < min_y and max_y < ENGLAND_LON_LAT[3]
    ashfield = geojson.os_grid_to_lon_lat(shapely.Point(ASHFIELD_EASTING, ASHFIELD_NORTHING))
    assert areas["E07000170"].contains(ashfield)  # Ashfield
    assert areas["E10000024"].contains(ashfield)  # Nottinghamshire

    hexes = built(boundaries.HEXES)["layouts"]
    assert len(hexes[boundaries.LOWER_TIER]) == 296
    assert len(hexes[boundaries.UPPER_TIER]) == 21 + 63 + 36 + 33
