"""Browser tests in real Chromium: journeys and axe-core accessibility checks.

Skipped with a reason when Chromium is missing (`apt-get install chromium`); CI installs it.
"""

import pytest
from django.core.management import call_command

from councils.demo import seed_demo_data
from councils.geography.register import load_councils
from tests.browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The interactive map has drawn every lower-tier area (map.js adds the plot, then plotly its
# data). A function, not an expression: polling an expression needs eval, which the CSP blocks.
MAP_DRAWN = "() => (document.querySelector('.council-map__plot')?.data || []).length >= 296"


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
    page.wait_for_function(MAP_DRAWN)
    _click_council(page, "E06000065")  # North Yorkshire: large and compact
    page.wait_for_url("**/councils/north-yorkshire/")
    assert page.get_by_role("heading", level=1).inner_text() == "North Yorkshire Council"


def test_changing_year_and_statistic_keeps_them_in_the_url(page, site):
    page.goto("/")
    page.get_by_label("Year").select_option("2022-23")
    page.get_by_label("Statistic").select_option("compliance_rate")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/?year=2022-23&statistic=compliance_rate*")
    page.wait_for_function(MAP_DRAWN)
    caption = page.locator("table.council-table caption").inner_text()
    assert caption.startswith("Compliance with recommendations") and "2022" in caption


def test_hex_view_is_drawn_and_kept_in_the_url(page, site):
    page.goto("/")
    page.wait_for_selector(".council-map--ready .main-svg")
    page.get_by_label("Same-size hexagons").check()
    page.wait_for_url("**view=hex*")
    page.wait_for_function(MAP_DRAWN)


def test_hex_view_labels_each_council_and_outlines_london(page, site):
    page.set_viewport_size({"width": 1366, "height": 1400})
    page.goto("/?view=hex")
    page.wait_for_selector(".council-map--ready .main-svg")
    page.wait_for_function(MAP_DRAWN)
    page.wait_for_function(
        "() => document.querySelectorAll('.council-map__plot .textpoint').length > 0"
    )
    labels = page.locator(".council-map__plot .textpoint text").evaluate_all(
        "(texts) => texts.map((text) => text.textContent)"
    )
    assert len(labels) == 296 and len(set(labels)) == 296
    assert all(len(label) == 3 and label.isupper() for label in labels)
    font_size = page.locator(".council-map__plot .textpoint text").first.evaluate(
        "(text) => parseFloat(getComputedStyle(text).fontSize)"
    )
    assert font_size >= 7
    london = page.evaluate(
        """() => document.querySelector('.council-map__plot').data
            .filter((t) => t.mode === 'lines' && t.hoverinfo === 'skip' && !t.fill)
            .map((t) => t.x.filter((v) => v === null).length)"""
    )
    assert london == [42]  # edges round London's 33 boroughs as one compact block


def test_the_map_is_drawn_and_its_councils_reached_by_keyboard_without_javascript(browser, site):
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    links = page.locator(".council-map__static a")
    assert links.count() == 296  # every lower-tier area of the current register
    assert page.locator(".council-map__static").bounding_box()["height"] > 300
    links.first.focus()
    page.keyboard.press("Tab")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/councils/*/*/")
    assert page.get_by_role("heading", level=1).inner_text() in label
    context.close()


def test_the_interactive_map_takes_the_place_of_the_one_drawn_on_the_server(page, site):
    page.goto("/")
    page.wait_for_selector(".council-map--ready .main-svg")
    page.wait_for_function(MAP_DRAWN)
    assert page.locator(".council-map__static").count() == 0
    # plotly.js was fetched only once the page had loaded, with the map drawn on the server.
    plotly_start, load_event = page.evaluate(
        """() => [
            performance.getEntriesByType('resource')
                .find((r) => r.name.includes('plotly-basic')).startTime,
            performance.getEntriesByType('navigation')[0].loadEventStart]"""
    )
    assert plotly_start >= load_event


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
     "/years/2023-24/", "/search/?q=york", "/search/?q=Ashfeld", "/search/?q=CF10+1EP",
     "/councils/allerdale/", "/councils/kent/"],
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


PHONE_AND_TABLET_WIDTHS = (320, 360, 390, 768)
PUBLIC_PAGES = (
    "/", "/search/?q=york", "/councils/ashfield/", "/councils/ashfield/2022-23/",
    "/compare/district/2023-24/?council=ashfield", "/years/2023-24/", "/methodology/", "/data/",
    "/api/", "/letters/", "/councils/allerdale/", "/search/?q=CF10+1EP", "/councils/kent/",
)  # fmt: skip


def _public_letter(page):
    """A public letter's page, if the demo data published one."""
    page.goto("/letters/")
    links = page.locator("main a[href^='/letters/'][href$='/']")
    return links.first.get_attribute("href") if links.count() else None


def test_no_page_scrolls_sideways_on_a_phone_or_tablet(page, site):
    letter = _public_letter(page)
    paths = PUBLIC_PAGES + ((letter,) if letter else ())
    wide = []
    for width in PHONE_AND_TABLET_WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for path in paths:
            page.goto(path)
            page.wait_for_load_state("networkidle")  # charts and the map drawn
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                wide.append(f"{path} is {scroll_width} px wide at {width} px")
    assert wide == []
    assert page.requested_hosts == {site.url.split("//", 1)[1]}


def test_home_table_shows_the_figures_on_a_phone(page, site):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/")
    row = page.locator("table.council-table tbody tr").first
    for cell in row.locator("th, td").all():
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, cell.inner_text()
    assert row.locator("td[data-label='Base']").is_visible()
    sort_links = page.locator("table.council-table thead a")
    assert sort_links.count() == 3 and sort_links.first.is_visible()


def test_charts_fit_a_phone_with_their_legend_below(page, site):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/councils/ashfield/2023-24/")
    page.wait_for_selector("#trend-chart .main-svg")
    for chart in page.locator("#trend-chart .js-plotly-plot").all():
        plot, legend = chart.locator(".nsewdrag").first, chart.locator(".legend").first
        plot_box, legend_box = plot.bounding_box(), legend.bounding_box()
        assert legend_box["y"] >= plot_box["y"] + plot_box["height"]  # below, not over the lines
        assert legend_box["x"] + legend_box["width"] <= 390
        assert chart.locator(".xtick text").count() == 2  # every year labelled


@pytest.mark.parametrize("width", [390, 1366])
def test_compare_puts_the_visitors_council_first_with_the_axis_in_view(page, site, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/councils/ashfield/2023-24/")
    page.get_by_role("link", name="Compare with every district council").click()

    first = page.locator(".dot-row").first
    assert first.inner_text().startswith("Ashfield") and "selected" in first.get_attribute("class")
    table_first = page.locator("table.council-table tbody tr").first
    assert table_first.get_attribute("aria-current") == "true"
    assert page.locator(".dot-row").count() == 164
    row_height = page.locator(".dot-row").nth(5).bounding_box()["height"]
    assert row_height <= 24  # compact: a list, not a chart with empty bands
    track = page.locator(".dot-row .dot-track").nth(5).bounding_box()
    assert track["width"] >= 150 and track["x"] + track["width"] <= width
    # Half way down the list the axis is still at the top of the window.
    page.locator(".dot-row").nth(80).scroll_into_view_if_needed()
    axis = page.locator(".dot-axis").bounding_box()
    assert 0 <= axis["y"] <= 1 and page.locator(".dot-axis text").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("script[src*='plotly']").count() == 0  # drawn on the server


def test_compare_sorts_by_figure_without_javascript(browser, site):
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/compare/district/2023-24/?council=ashfield")
    page.get_by_role("link", name="Highest figure first").click()
    page.wait_for_url("**sort=figure&order=desc*")

    figures = [
        float(text.rstrip("%"))
        for text in page.locator(".dot-row .dot-figure").all_inner_texts()[1:]
        if text != "no figure"
    ]
    assert figures == sorted(figures, reverse=True) and len(set(figures)) > 1
    assert page.locator(".dot-row").first.inner_text().startswith("Ashfield")  # still first
    assert "#" not in page.locator(".dot-plot").inner_text()  # no rank numbers
    context.close()


def test_the_map_and_every_chart_draw_with_the_basic_plotly_bundle(page, site):
    scripts = []
    page.on("request", lambda request: scripts.append(request.url.rsplit("/", 1)[1]))
    page.goto("/")
    page.wait_for_selector(".council-map--ready .council-map__plot .main-svg")
    page.wait_for_function(MAP_DRAWN)
    # Councils with too few cases are hatched: scatter's fill pattern, in the basic bundle too.
    assert page.locator(".council-map__plot pattern").count() > 0
    page.goto("/councils/ashfield/2023-24/")
    page.wait_for_selector("#trend-chart .scatterlayer .point")
    page.goto("/years/2023-24/")
    page.wait_for_selector("#categories-chart .barlayer .point")
    page.wait_for_selector("#types-chart .barlayer .point")

    plotly = {name for name in scripts if "plotly" in name}
    assert plotly == {"plotly-basic.min.js", "plotly.css"}


def test_trend_chart_marks_small_bases_and_keeps_both_lines_visible(page, site):
    page.goto("/councils/ashfield/2023-24/")
    page.wait_for_selector("#trend-chart .main-svg")
    traces = page.evaluate(
        """() => [...document.querySelectorAll('#trend-chart .js-plotly-plot')].map((plot) =>
            plot.data.map((t) => ({x: t.x, symbols: t.marker.symbol, text: t.text})))"""
    )
    data = page.evaluate("JSON.parse(document.getElementById('trend-data').textContent)")
    for series, (similar, own) in zip(data["series"], traces, strict=True):
        assert all(a != b for a, b in zip(similar["x"], own["x"], strict=True))  # side by side
        for point, symbol, text in zip(series["own"], own["symbols"], own["text"], strict=True):
            if point["value"] is None:
                continue
            assert f"base {point['base']}" in text
            expected = "circle" if not point["small"] else "circle-open"
            assert symbol == (expected if point["compared"] else "circle-open-dot")
