import datetime
import importlib
import os
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.cache import cache, caches

from councils import memo
from councils.models import CouncilType, Outcome
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with empty caches: the page store and the figures each worker keeps per
    data version (tests roll back, so version numbers repeat)."""
    cache.clear()
    caches["jobs"].clear()  # background jobs' progress
    memo.clear()
    yield
    cache.clear()
    caches["jobs"].clear()
    memo.clear()


def restore_seeded_rows() -> None:
    """Put back the council types and categories migration 0005 adds, if a transactional
    test's flush (at its end) removed them: every council and decision needs them."""
    if not CouncilType.objects.exists():
        migration = importlib.import_module("councils.migrations.0005_council_types_and_categories")
        migration.add_types_and_categories(apps, None)


@pytest.fixture(autouse=True)
def _seeded_rows(request):
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        restore_seeded_rows()


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between page actions are ordinary synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page that records every request it makes, for the no-other-host check."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.requested_hosts = set()
    page.on("request", lambda request: page.requested_hosts.add(urlsplit(request.url).netloc))
    yield page
    context.close()


@pytest.fixture
def years():
    """2023-24 public since 24 July 2024; 2024-25 not yet (no publication date)."""
    public = ReportingYearFactory(label="2023-24", published_on=datetime.date(2024, 7, 24))
    embargoed = ReportingYearFactory(label="2024-25", published_on=None)
    return public, embargoed


@pytest.fixture
def ashdale(years):
    """A district upheld 3 of 4 times in 2023-24 (75%) and 7 of 8 in embargoed 2024-25 (88%)."""
    council = CouncilFactory(
        name="Ashdale", official_name="Ashdale District Council", slug="ashdale",
        type=CouncilType.DISTRICT,
    )  # fmt: skip
    for outcome in [Outcome.UPHELD] * 3 + [Outcome.NOT_UPHELD]:
        DecisionFactory(council=council, outcome=outcome, decided=datetime.date(2023, 9, 1))
    for outcome in [Outcome.UPHELD] * 7 + [Outcome.NOT_UPHELD]:
        DecisionFactory(council=council, outcome=outcome, decided=datetime.date(2024, 6, 3))
    return council
