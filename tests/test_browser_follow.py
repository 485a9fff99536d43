"""Browser tests for compare-the-councils-I-choose (with and without JavaScript) and the embed
card framed by a page of another origin. Skipped with a reason when Chromium is missing."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from councils.demo import seed_demo_data
from councils.geography.register import load_councils
from tests.browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server):
    load_councils()
    seed_demo_data("2022-23", "2023-24", scale=0.05)
    return live_server


def _compare_from_the_council_page(page):
    page.goto("/councils/ashfield/")
    page.get_by_role("link", name="Compare with… other councils you choose").click()
    assert page.get_by_label("Council 1").input_value() == "Ashfield District Council"
    page.get_by_label("Council 2").fill("Leeds City Council")
    page.get_by_label("Council 3 (optional)").fill("kent")
    page.get_by_label("Year").select_option("2022-23")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/compare/?councils=ashfield&councils=leeds&councils=kent&year=2022-23")
    table = page.get_by_role("table", name="Complaints upheld, 1 April 2022 to 31 March 2023")
    rows = table.locator("tbody tr")
    assert [rows.nth(i).locator("th").inner_text() for i in range(3)] == [
        "Ashfield District Council", "Leeds City Council", "Kent County Council",
    ]  # fmt: skip
    # Each against its own type's average: a district, a metropolitan borough, a county.
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(3)] == [
        "District council", "Metropolitan borough", "County council",
    ]  # fmt: skip


def test_compare_the_councils_i_choose_with_javascript(page, site):
    _compare_from_the_council_page(page)


def test_compare_the_councils_i_choose_without_javascript(browser, site):
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    try:
        _compare_from_the_council_page(context.new_page())
    finally:
        context.close()


@pytest.fixture
def other_site():
    """Another origin (its own port) serving one article, whose HTML the test sets. On this
    machine too: Chrome refuses a public site's frame of a local address (Local Network Access)."""
    article = {"html": ""}

    class Article(BaseHTTPRequestHandler):
        def do_GET(self):
            body = article["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Article)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", article
    server.shutdown()
    server.server_close()


def _article(embed: str) -> str:
    return f"<!doctype html><html lang=en><title>News</title><h1>Our council</h1>{embed}</html>"


def test_embed_card_shows_inside_a_page_of_another_origin(browser, site, other_site):
    origin, article = other_site
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{site.url}/councils/ashfield/")
        embed_code = page.get_by_label("Code to copy").input_value()
        assert embed_code.startswith(f'<iframe src="{site.url}/embed/councils/ashfield/"')
        context.clear_cookies()
        article["html"] = _article(embed_code)
        page.goto(f"{origin}/story")
        card = page.frame_locator("iframe")
        card.get_by_role("heading", name="Ashfield District Council").wait_for()
        assert card.get_by_text("Complaints upheld", exact=True).is_visible()
        assert card.get_by_text("Similar authorities:").first.is_visible()
        link = card.get_by_role("link", name="All figures for Ashfield")
        assert link.get_attribute("href") == "/councils/ashfield/2023-24/"
        assert context.cookies() == []  # the card set none
    finally:
        context.close()


def test_other_pages_refuse_to_be_framed(browser, site, other_site):
    origin, article = other_site
    article["html"] = _article(f'<iframe src="{site.url}/councils/ashfield/"></iframe>')
    context = browser.new_context()
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text))
    try:
        page.goto(f"{origin}/story")
        page.wait_for_timeout(1000)
        frame = page.frame_locator("iframe")
        assert frame.get_by_role("heading", name="Ashfield District Council").count() == 0
        assert any("frame-ancestors" in text for text in refused), refused
    finally:
        context.close()


@pytest.mark.parametrize(
    "path",
    ["/compare/?councils=ashfield&councils=leeds&councils=kent", "/compare/",
     "/embed/councils/ashfield/"],
)  # fmt: skip
def test_no_serious_accessibility_violations(page, site, path):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []
