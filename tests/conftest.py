import os
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from councils import computed
from tests.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with empty caches: the shared one (demo banner, page cache) and the
    figures each worker keeps per data version (tests roll back, so version numbers repeat)."""
    cache.clear()
    computed.memo.clear()
    yield
    cache.clear()
    computed.memo.clear()


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
