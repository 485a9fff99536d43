"""The hex map layout: one distinct hexagon per council, near its centroid, deterministic."""

import math
import random

import pytest
import shapely

from councils.geography.hexmap import Hex, hex_layout, layouts_document, outline, short_labels

LAND = shapely.box(0, 0, 100_000, 100_000)


def _scattered(count: int, seed: int = 1) -> dict[str, tuple[float, float]]:
    rng = random.Random(seed)
    return {
        f"E07{index:06d}": (rng.uniform(0, 100_000), rng.uniform(0, 100_000))
        for index in range(count)
    }


def test_every_council_gets_its_own_hexagon():
    centroids = _scattered(40)
    layout = hex_layout(centroids, LAND)
    assert set(layout) == set(centroids)
    assert len({(h.q, h.r) for h in layout.values()}) == len(centroids)


def test_a_dense_cluster_is_spread_over_distinct_hexagons():
    # Like London: many councils whose centroids almost coincide.
    centroids = {f"E09{i:06d}": (50_000 + i, 50_000 + i) for i in range(12)}
    centroids |= {"E07000001": (5_000, 5_000), "E07000002": (95_000, 95_000)}
    layout = hex_layout(centroids, LAND)
    assert len({(h.q, h.r) for h in layout.values()}) == len(centroids)
    # The outliers keep the corners they are in.
    corner_sums = {code: h.x + h.y for code, h in layout.items()}
    assert min(corner_sums, key=corner_sums.get) == "E07000001"
    assert max(corner_sums, key=corner_sums.get) == "E07000002"


def test_layout_is_deterministic_whatever_the_input_order():
    centroids = _scattered(30, seed=7)
    shuffled = list(centroids.items())
    random.Random(3).shuffle(shuffled)
    assert hex_layout(centroids, LAND) == hex_layout(dict(shuffled), LAND)


def test_cells_only_on_land():
    # Two islands 40 km apart: the hexagons keep the strait between them empty.
    land = shapely.union_all(
        [shapely.box(0, 0, 30_000, 100_000), shapely.box(70_000, 0, 100_000, 100_000)]
    )
    rng = random.Random(5)
    west = {f"E07{i:06d}": (rng.uniform(0, 30_000), rng.uniform(0, 100_000)) for i in range(10)}
    east = {
        f"E06{i:06d}": (rng.uniform(70_000, 100_000), rng.uniform(0, 100_000)) for i in range(10)
    }
    layout = hex_layout(west | east, land)
    strait = min(layout[c].x for c in east) - max(layout[c].x for c in west)
    assert strait > 2 * math.sqrt(3)  # at least one empty column of hexagons


def test_at_least_one_cell_per_council():
    with pytest.raises(ValueError, match="at least as many cells"):
        hex_layout(_scattered(3), LAND, cells_per_council=0.5)


def test_empty_input_gives_an_empty_layout():
    assert hex_layout({}, LAND) == {}


def test_hexagon_geometry():
    cell = Hex(q=2, r=-1)
    assert (cell.x, cell.y) == (round(math.sqrt(3) * 1.5, 4), -1.5)
    polygon = cell.polygon()
    assert polygon[0] == polygon[-1] and len(polygon) == 7
    assert shapely.Polygon(polygon).area == pytest.approx(1.5 * math.sqrt(3), rel=1e-3)
    # Neighbouring cells share an edge: centres sqrt(3) apart.
    neighbour = Hex(q=3, r=-1)
    assert math.dist((cell.x, cell.y), (neighbour.x, neighbour.y)) == pytest.approx(
        math.sqrt(3), abs=1e-3
    )


def test_document_shape():
    document = layouts_document({"lower_tier": {"E06000001": Hex(0, 0)}})
    entry = document["layouts"]["lower_tier"]["E06000001"]
    assert entry["q"] == 0 and entry["r"] == 0 and entry["x"] == 0 and entry["y"] == 0
    assert len(entry["polygon"]) == 7
    assert document["radius"] == 1


AXIAL_NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1))


def _connected(cells: set[tuple[int, int]]) -> bool:
    start = next(iter(cells))
    seen, todo = {start}, [start]
    while todo:
        q, r = todo.pop()
        for dq, dr in AXIAL_NEIGHBOURS:
            if (q + dq, r + dr) in cells and (q + dq, r + dr) not in seen:
                seen.add((q + dq, r + dr))
                todo.append((q + dq, r + dr))
    return seen == cells


def test_london_is_one_compact_block_with_other_councils_around_it():
    # London's boroughs amid other councils, some of them closer to London's middle.
    rng = random.Random(11)
    london = {f"E09{i:06d}": (50_000 + rng.uniform(-3_000, 3_000),) * 2 for i in range(12)}
    others = _scattered(40, seed=2) | {"E07000999": (50_000, 50_000)}
    layout = hex_layout(london | others, LAND)

    block = {(layout[code].q, layout[code].r) for code in london}
    assert _connected(block)
    # Its outline is that of a compact block: fewer edges than a strung-out one would have.
    assert len(outline(layout[code] for code in london)) <= 6 * len(london) // 2


def test_outline_leaves_out_shared_edges():
    assert len(outline([Hex(0, 0)])) == 6
    assert len(outline([Hex(0, 0), Hex(1, 0)])) == 10  # one edge shared
    assert len(outline([Hex(0, 0), Hex(1, 0), Hex(0, 1)])) == 12  # three shared


def test_document_has_london_outline_per_layout():
    document = layouts_document({"lower_tier": {"E09000001": Hex(0, 0), "E07000001": Hex(1, 0)}})
    assert len(document["london"]["lower_tier"]) == 6


def test_short_labels_are_distinct_three_letters_from_the_names():
    names = {
        "E07000170": "Ashfield",
        "E07000105": "Ashford",
        "E06000022": "Bath and North East Somerset",
        "E07000146": "King's Lynn and West Norfolk",
        "E07000040": "East Devon",
        "E09000001": "City of London",
    }
    labels = short_labels(names)

    assert labels["E07000170"] == "ASH"
    assert labels["E07000105"] == "ASF"  # ASH was taken by Ashfield, first by name
    assert labels["E06000022"] == "BNE"
    assert labels["E07000146"] == "KLW"
    assert labels["E07000040"] == "EDE"
    assert all(len(label) == 3 and label.isupper() for label in labels.values())
    assert len(set(labels.values())) == len(labels)
    assert short_labels(dict(reversed(names.items()))) == labels
