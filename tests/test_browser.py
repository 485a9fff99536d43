"""Browser tests in real Chromium: journeys and axe-core accessibility checks.

Skipped with a reason when Chromium is missing (`apt-get install chromium`); CI installs it.
"""

import pytest

from councils.demo import seed_demo_data
from councils.register import load_councils
from tests.browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server):
    """The real register and a small amount of demo data for two published years."""
    load_councils()
    seed_demo_data("2022-23", "2023-24", scale=0.05)
    return live_server


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
    ["/councils/ashfield/", "/compare/district/2023-24/?council=ashfield", "/methodology/",
     "/years/2023-24/", "/search/?q=kent"],
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
