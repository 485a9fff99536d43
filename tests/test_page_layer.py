"""The HTTP/page layer's headers and fast path (councils.caching), for every public page and
download: what a CDN or proxy in front is told, 304s, compression, and that nothing signed-in
or embargoed is ever shared.

Today is 1 September 2024: 2023-24 is public (since 24 July 2024) with Ashdale's letter in it;
2024-25 is not (no date yet) and has a letter in its embargo week for Ashdale's officers.
"""

import datetime
import gzip

import brotli
import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import get_resolver

from councils import caching, dataversion
from councils.models import CouncilType, Outcome
from letters import rendering
from letters.generation import generate_letters
from letters.models import LetterTemplate, Officer
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory

pytestmark = pytest.mark.django_db

D = datetime.date
PUBLIC = "public, max-age=60, s-maxage=300"

PAGES = [
    "/",
    "/?statistic=compliance_rate&type=district",
    "/search/?q=nowhere",
    "/councils/ashdale/",
    "/councils/ashdale/2023-24/",
    "/councils/kent/",
    "/compare/district/2023-24/",
    "/years/2023-24/",
    "/methodology/",
    "/sitemap.xml",
    "/sitemap-councils.xml",
    "/sitemap-letters.xml",
    "/letters/",
    "/letters/ashdale/",
    "/letters/ashdale/2023-24/",
    "/letters/ashdale/2023-24.pdf",
    "/data/",
    "/api/",
    "/api/councils/",
    "/api/councils/ashdale/",
    "/api/years/",
    "/api/years/2023-24/",
]
DOWNLOADS = [
    f"/data/2023-24/{name}.{fmt}"
    for name in ("statistics", "categories", "revisions")
    for fmt in ("csv", "xlsx", "json")
] + [f"/data/councils/ashdale/{name}.csv" for name in ("statistics", "decisions")]


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2024, 9, 1, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def dataset(monkeypatch):
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n")
    public = ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24))
    embargoed = ReportingYearFactory(label="2024-25", published_on=D(2024, 9, 5))
    kent = CouncilFactory(name="Kent", slug="kent", type=CouncilType.COUNTY)
    ashdale = CouncilFactory(
        name="Ashdale", official_name="Ashdale District Council", slug="ashdale",
        type=CouncilType.DISTRICT, county=kent,
    )  # fmt: skip
    for decided in (D(2023, 9, 1), D(2024, 5, 1)):
        for outcome in (Outcome.UPHELD, Outcome.UPHELD, Outcome.NOT_UPHELD):
            DecisionFactory(council=ashdale, outcome=outcome, decided=decided)
    for year, publication in ((public, D(2024, 7, 24)), (embargoed, D(2024, 9, 5))):
        template = LetterTemplate.objects.create(
            year=year, letter_date=publication - datetime.timedelta(days=7),
            publication_date=publication, signatory_name="Pat Signer",
            signatory_titles="Ombudsman", body="Dear {council_name}",
        )  # fmt: skip
        generate_letters(template, council_ids=[ashdale.pk])
    return ashdale


@pytest.fixture
def stored(monkeypatch) -> list[str]:
    keys: list[str] = []
    real = caching._keep
    monkeypatch.setattr(caching, "_keep", lambda key, page: (keys.append(key), real(key, page)))
    return keys


@pytest.fixture
def staff():
    return User.objects.create_user("staff", is_staff=True)


@pytest.fixture
def officer(dataset):
    user = User.objects.create_user("ashdale-officer")
    Officer.objects.create(user=user, council=dataset)
    return user


def test_every_public_pattern_is_in_the_page_layer_or_said_not_to_be():
    """A new public page must join the page layer (or be added here with its reason)."""
    outside = {
        "healthz": "load balancer probes: never cached",
        "robots.txt": "the trivial view bench/pages.py compares pages with",
        "map/<str:name>": "files built by build_boundaries, with their own Cache-Control",
        "api/schema/": "the same until the next release: ETag of the release",
        "api/^.*/$": "the API's 404",
    }

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                if not route.startswith(("admin/", "accounts/")):
                    yield from walk(pattern.url_patterns, route)
            else:
                yield route, pattern.callback

    for route, view in walk(get_resolver().url_patterns):
        assert hasattr(view, "query_params") or route in outside, route


@pytest.mark.parametrize("url", PAGES + DOWNLOADS)
class TestEveryPublicPageAndDownload:
    def test_says_public_with_an_etag_and_vary(self, client, url):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == PUBLIC
        assert response["ETag"].startswith('W/"')
        vary = {v.strip() for v in response["Vary"].split(",")}
        assert {"Accept-Encoding", "Cookie"} <= vary

    def test_a_matching_etag_is_a_304_for_one_query(
        self, client, url, django_assert_max_num_queries
    ):
        etag = client.get(url)["ETag"]
        cache.clear()  # the ETag alone answers: no stored copy needed
        # Expected: the data version.
        with django_assert_max_num_queries(1):
            again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again["ETag"] == etag
        assert again["Cache-Control"] == PUBLIC
        assert client.get(url, HTTP_IF_NONE_MATCH='W/"older"').status_code == 200

    def test_a_hit_is_the_same_response_with_its_security_headers(self, client, url):
        first = client.get(url)
        again = client.get(url)
        assert (first[caching.CACHE_HEADER], again[caching.CACHE_HEADER]) == ("miss", "hit")
        assert again.content == first.content
        for header in ("Content-Type", "ETag", "Cache-Control", "Content-Security-Policy"):
            assert again.get(header) == first.get(header), header
        assert again["X-Content-Type-Options"] == "nosniff" and "X-Request-ID" in again
        assert again["X-Frame-Options"] == "DENY"

    def test_signed_in_staff_get_a_private_copy_never_stored(self, client, staff, stored, url):
        client.force_login(staff)
        response = client.get(url)
        assert response.status_code == 200
        assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
        assert "ETag" not in response and caching.CACHE_HEADER not in response
        assert stored == []


@pytest.mark.parametrize(
    "encoding, decompress", [("br", brotli.decompress), ("gzip", gzip.decompress)]
)
@pytest.mark.parametrize("url", ["/", "/councils/ashdale/", "/data/2023-24/statistics.csv"])
def test_stored_pages_are_served_compressed_as_asked(client, url, encoding, decompress):
    plain = client.get(url).content
    for _ in ("miss", "hit"):
        response = client.get(url, HTTP_ACCEPT_ENCODING=f"{encoding}, identity")
        assert response["Content-Encoding"] == encoding
        assert int(response["Content-Length"]) == len(response.content)
        assert decompress(response.content) == plain


def test_a_session_cookie_skips_the_store(client, officer, stored):
    client.get("/councils/ashdale/")
    client.force_login(officer)
    page = client.get("/councils/ashdale/")
    assert caching.CACHE_HEADER not in page and len(stored) == 1


class TestEmbargoedContent:
    def test_an_officers_embargoed_letter_is_private_no_store_and_never_stored(
        self, client, officer, stored
    ):
        client.force_login(officer)
        for url in ("/letters/ashdale/2024-25/", "/letters/ashdale/2024-25.pdf", "/letters/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert "private" in response["Cache-Control"], url
        assert "no-store" in client.get("/letters/ashdale/2024-25/")["Cache-Control"]
        assert stored == []
        client.logout()
        assert client.get("/letters/ashdale/2024-25/").status_code == 404

    def test_a_staff_preview_is_private_no_store(self, client, staff, stored):
        client.force_login(staff)
        preview = client.get("/councils/ashdale/2024-25/")
        assert preview.status_code == 200
        assert {"private", "no-store"} <= {
            part.strip() for part in preview["Cache-Control"].split(",")
        }
        assert stored == []


class TestTheEtag:
    def test_changes_with_the_data_version_the_day_and_the_release(self, client, settings):
        etag = client.get("/councils/ashdale/")["ETag"]
        dataversion.bump()
        after_import = client.get("/councils/ashdale/")["ETag"]
        assert after_import != etag
        with time_machine.travel(datetime.datetime(2024, 9, 2, 12, tzinfo=datetime.UTC)):
            assert client.get("/councils/ashdale/")["ETag"] != after_import
        settings.RELEASE = "the next release"
        assert client.get("/councils/ashdale/")["ETag"] != after_import

    def test_a_year_public_from_midnight_is_a_new_page_for_an_old_etag(self, client):
        with time_machine.travel(datetime.datetime(2024, 9, 4, 22, 59, tzinfo=datetime.UTC)):
            etag = client.get("/")["ETag"]  # 23:59 on 4 September in London
        with time_machine.travel(datetime.datetime(2024, 9, 4, 23, 1, tzinfo=datetime.UTC)):
            after = client.get("/", HTTP_IF_NONE_MATCH=etag)
            assert after.status_code == 200 and '"year": "2024-25"' in after.content.decode()


def test_an_anonymous_visitor_with_a_session_cookie_still_gets_304s(client):
    etag = client.get("/methodology/")["ETag"]
    client.cookies["sessionid"] = "no-such-session"
    assert client.get("/methodology/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_database_down_on_the_fast_path_is_the_503_page(monkeypatch):
    def down():
        from django.db import OperationalError

        raise OperationalError("could not connect to server")

    client = Client(raise_request_exception=False)
    client.get("/methodology/")  # stored
    monkeypatch.setattr(dataversion, "current", down)
    response = client.get("/methodology/")
    assert response.status_code == 503 and "temporarily unavailable" in response.content.decode()
