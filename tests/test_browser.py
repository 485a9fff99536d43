"""Browser tests in real Chromium: journeys and axe-core accessibility checks.

Skipped with a reason when Chromium is missing (`apt-get install chromium`); CI installs it.
"""

import pytest
from django.core.management import call_command

from councils.demo import seed_demo_data
from councils.register import load_councils
from tests.browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def geography_dir(tmp_path_factory):
    """Where this module's map files go; built once, by the first test that needs them."""
    return tmp_path_factory.mktemp("geography")


@pytest.fixture
def site(live_server, settings, geography_dir):
    """The real register, its map, and a small amount of demo data for two published years."""
    settings.GEOGRAPHY_DIR = geography_dir
    load_councils()
    if not (geography_dir / "lower_tier.geojson").exists():
        call_command("build_boundaries", verbosity=0)
    seed_demo_data("2022-23", "2023-24", scale=0.05)
    return live_server


def _click_council(page, code):
    """Click the middle of a council's area on the map, as a person would."""
    point = page.evaluate(
        """(code) => {
            const plot = document.querySelector(".council-map__plot");
            const trace = plot.data.find((t) => t.meta && t.meta.code === code);
            const xs = trace.x.filter((v) => v !== null), ys = trace.y.filter((v) => v !== null);
            const mean = (values) => values.reduce((a, b) => a + b) / values.length;
            const x = mean(xs), y = mean(ys);
            const layout = plot._fullLayout, box = plot.getBoundingClientRect();
            return {x: box.left + layout.xaxis._offset + layout.xaxis.l2p(x),
                    y: box.top + layout.yaxis._offset + layout.yaxis.l2p(y)};
        }""",
        code,
    )
    page.mouse.move(point["x"], point["y"])
    page.mouse.click(point["x"], point["y"])


def test_map_draws_and_a_click_opens_the_council(page, site):
    page.set_viewport_size({"width": 1280, "height": 2600})  # the whole map on screen
    page.goto("/")
    page.wait_for_selector(".council-map--ready .council-map__plot .main-svg")
    page.wait_for_function("document.querySelector('.council-map__plot').data.length >= 296")
    _click_council(page, "E06000065")  # North Yorkshire: large and compact
    page.wait_for_url("**/councils/north-yorkshire/")
    assert page.get_by_role("heading", level=1).inner_text() == "North Yorkshire Council"


def test_changing_year_and_statistic_keeps_them_in_the_url(page, site):
    page.goto("/")
    page.get_by_label("Year").select_option("2022-23")
    page.get_by_label("Statistic").select_option("compliance_rate")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/?year=2022-23&statistic=compliance_rate*")
    page.wait_for_function("document.querySelector('.council-map__plot').data.length >= 296")
    caption = page.locator("table.council-table caption").inner_text()
    assert caption.startswith("Compliance with recommendations") and "2022" in caption


def test_hex_view_is_drawn_and_kept_in_the_url(page, site):
    page.goto("/")
    page.wait_for_selector(".council-map--ready .main-svg")
    page.get_by_label("Same-size hexagons").check()
    page.wait_for_url("**view=hex*")
    page.wait_for_function("document.querySelector('.council-map__plot').data.length >= 296")


def test_map_page_makes_no_request_to_another_host(page, site):
    page.goto("/")
    page.wait_for_selector(".council-map--ready .main-svg")
    page.wait_for_load_state("networkidle")
    assert page.requested_hosts == {site.url.split("//", 1)[1]}


def test_search_by_postcode_then_open_the_council(page, site):
    page.goto("/")
    page.get_by_label("Find a council by name or postcode").fill("NG17 8DA")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Ashfield District Council").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ashfield District Council"
    assert page.get_by_role("heading", name="Complaints upheld").is_visible()


def test_unknown_postcode_message(page, site):
    page.goto("/search/?q=ZZ99+9ZZ")
    assert page.get_by_role("alert").inner_text().startswith("We could not find the postcode")


@pytest.mark.parametrize(
    "path",
    ["/", "/councils/ashfield/", "/compare/district/2023-24/?council=ashfield", "/methodology/",
     "/years/2023-24/", "/search/?q=york"],
)  # fmt: skip
def test_no_serious_accessibility_violations(page, site, path):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []


def test_council_page_works_without_javascript(browser, site):
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/councils/ashfield/")
    page.get_by_label("Year").select_option("2022-23")
    page.get_by_role("button", name="Show").click()
    assert page.url.endswith("/councils/ashfield/2022-23/")
    assert "1 April 2022 to 31 March 2023" in page.content()
    context.close()
