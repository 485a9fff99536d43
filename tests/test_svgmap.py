"""The map drawn on the server: colour classes shared with map.js, SVG paths, a link a council."""

import datetime
import json
import math
from decimal import Decimal

import pytest

from councils.models import CouncilType, Outcome
from councils.pages import svgmap
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory

D = datetime.date


def test_percentages_from_0_to_100_get_five_classes_of_20_over_the_whole_palette():
    classes = svgmap.value_classes([0, 37, 100])

    assert [(c.low, c.high) for c in classes] == [(0, 20), (20, 40), (40, 60), (60, 80), (80, 100)]
    # Palette positions 0, 1.25, 2.5, 3.75, 5 rounded half up: 0, 1, 3, 4, 5.
    assert [c.colour for c in classes] == [svgmap.VALUE_COLOURS[i] for i in (0, 1, 3, 4, 5)]


def test_per_residents_figures_get_round_breaks_and_each_value_its_class():
    classes = svgmap.value_classes([Decimal("3.1"), Decimal("14.6")])

    assert [c.low for c in classes] == [Decimal("2.5"), Decimal("5.0"), Decimal("7.5"), 10, 12.5]
    assert svgmap.fill_for(classes, Decimal("3.1")) == classes[0].colour
    assert svgmap.fill_for(classes, Decimal("14.6")) == classes[-1].colour
    assert svgmap.fill_for(classes, Decimal("5.0")) == classes[1].colour  # "from" is inclusive


def test_one_value_or_none_still_gives_classes_from_it():
    assert svgmap.value_classes([50])[0].low == 50  # as if the values ran from 50 to 51
    assert svgmap.value_classes([])[0].low == 0


def _square_map(directory, code="E07000170"):
    ring = [[-1.0, 53.0], [-0.9, 53.0], [-0.9, 53.1], [-1.0, 53.1], [-1.0, 53.0]]
    feature = {
        "type": "Feature",
        "id": code,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    path = directory / "lower_tier.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def test_areas_become_relative_svg_paths_scaled_to_the_view_width(tmp_path):
    areas = svgmap.map_areas(_square_map(tmp_path))

    # 0.1 degree of longitude is squeezed by cos(52.6): the square is taller than wide.
    exact = 0.1 * 1000 / (0.1 * svgmap.X_SCALE)
    assert areas.view_box == f"0 0 1000 {math.ceil(exact)}"
    height = round(exact)
    assert areas.paths == {"E07000170": f"M0 {height}l1000 0l0 -{height}l-1000 0l0 {height}z"}
    assert svgmap.map_areas(tmp_path / "missing.geojson") is None


@pytest.mark.django_db
def test_the_map_page_draws_each_council_as_a_link_before_any_script(client, settings, tmp_path):
    settings.GEOGRAPHY_DIR = tmp_path
    _square_map(tmp_path)
    ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24))
    ashfield = CouncilFactory(
        code="E07000170", type=CouncilType.DISTRICT, name="Ashfield",
        official_name="Ashfield District Council", slug="ashfield",
    )  # fmt: skip
    for outcome in (Outcome.UPHELD,) * 6 + (Outcome.NOT_UPHELD,) * 4:
        DecisionFactory(council=ashfield, outcome=outcome, decided=D(2023, 9, 1))

    page = client.get("/").content.decode()
    island = json.loads(
        page.split('id="map-data" type="application/json">')[1].split("</script>")[0]
    )
    [entry] = island["councils"]

    svg = page.split('<svg class="council-map__static"')[1].split("</svg>")[0]
    assert (
        '<a href="/councils/ashfield/2023-24/" aria-label="Ashfield District Council: 60%">'
        '<path d="M0 ' in svg
    )
    assert f'fill="{entry["fill"]}"' in svg
    assert island["classes"][0]["colour"] == entry["fill"]  # the lowest value: the first class


@pytest.mark.django_db
def test_a_keyboard_user_can_skip_the_maps_council_links(client, settings, tmp_path):
    settings.GEOGRAPHY_DIR = tmp_path
    _square_map(tmp_path)
    ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24))
    CouncilFactory(code="E07000170", type=CouncilType.DISTRICT, slug="ashfield")

    page = client.get("/").content.decode()

    skip = page.index('<a class="skip-map" href="#table-heading">')
    assert skip < page.index('<svg class="council-map__static"')  # before the first council link
    assert 'id="table-heading"' in page[skip:]
