"""Hostile input to every public URL: a 4xx at worst, never a server error (issue 11, item 3).

The URL patterns are walked from the resolver (everything but the admin), so a new page is
covered without editing this file. Each one is requested with valid path parameters from a small
dataset, then with each path parameter, and each query parameter its view reads, replaced by
hostile values. The query parameters are found by watching which ones the view asks for.
Any status below 500 passes (a harmless value may well give the page), but a NUL must be a 4xx.
Also here: methods a public page does not serve get 405, and query parameters a cached page
does not read share its cache entry (item 7).

Today is 1 September 2024: 2023-24 is public, Ashdale has figures and a public letter in it.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import time_machine
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from councils import caching
from councils.models import CouncilType, Outcome
from letters import rendering
from letters.generation import generate_letters
from letters.models import LetterTemplate
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory

pytestmark = pytest.mark.django_db

D = datetime.date

# A valid value for every path parameter of a public pattern, from the dataset below.
VALID = {
    "slug": "ashdale",
    "key": "ashdale",
    "year": "2023-24",
    "council_type": "district",
    "fmt": "csv",
    "name": "hexes.json",
    "uidb64": "MQ",
    "token": "set-password",
    "number": "1",
    "section": "councils",
}
# Patterns without a name cannot be reversed: an example path for each.
UNNAMED = {"api/^.*/$": "/api/no-such-endpoint/"}

# As they would arrive on the wire: percent-encoded, or deliberately broken encodings.
NUL = "%00"
HOSTILE = {
    "empty": "",
    "slash": "/",
    "nul": NUL,
    "long": "x" * 10_000,
    "many-words": quote("a " * 2_000),
    "umlaut": quote("ü"),
    "right-to-left": quote("\u202eabc\u202c"),
    "emoji": quote("🏛️"),
    "lone-percent": "%",
    "bad-escape": "%zz",
    "overlong-slash": "%C0%AF",
    "dot-dot-slash": "..%2f",
}


@dataclass(frozen=True)
class Public:
    """A public URL pattern, with the names it can be reversed by."""

    route: str  # the full pattern, for test ids
    pattern: URLPattern
    name: str | None  # with its namespaces

    @property
    def params(self) -> list[str]:
        return list(self.pattern.pattern.regex.groupindex)

    def url(self, **overrides: str) -> str:
        """The valid URL, with some path parameters replaced by raw (already encoded) text."""
        if self.name is None:
            return UNNAMED[self.route]
        url = reverse(self.name, kwargs={name: VALID[name] for name in self.params})
        for name, raw in overrides.items():
            assert url.count(VALID[name]) == 1, (url, name)
            url = url.replace(VALID[name], raw)
        return url


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Public]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, inner)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield Public(route, pattern, name)


PUBLIC = list(_walk(get_resolver().url_patterns))
# The sign-in pages take a POST; every other public page is read-only.
READ_ONLY = [p for p in PUBLIC if not p.route.startswith("accounts/")]
CACHED = [p for p in PUBLIC if hasattr(p.pattern.callback, "query_params")]


def ids(patterns: list[Public]) -> list[str]:
    return [p.route for p in patterns]


def test_the_walk_finds_the_public_site():
    routes = set(ids(PUBLIC))
    assert {"", "councils/<str:slug>/", "search/", "letters/", "healthz"} <= routes
    assert "api/councils/" in routes and any(r.startswith("data/") for r in routes)
    assert not any(r.startswith("admin/") for r in routes)
    assert {"", "councils/<str:slug>/", "compare/<str:council_type>/<str:year>/"} <= set(
        ids(CACHED)
    )


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2024, 9, 1, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def dataset(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n")
    settings.GEOGRAPHY_DIR = tmp_path
    (tmp_path / "hexes.json").write_text("{}")
    year = ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24))
    ashdale = CouncilFactory(
        name="Ashdale", official_name="Ashdale District Council", slug="ashdale",
        type=CouncilType.DISTRICT,
    )  # fmt: skip
    for outcome in (Outcome.UPHELD, Outcome.UPHELD, Outcome.NOT_UPHELD):
        DecisionFactory(council=ashdale, outcome=outcome, decided=D(2023, 9, 1))
    template = LetterTemplate.objects.create(
        year=year, letter_date=D(2024, 7, 17), publication_date=D(2024, 7, 24),
        signatory_name="Pat Signer", signatory_titles="Ombudsman", body="Dear {council_name}",
    )  # fmt: skip
    generate_letters(template, council_ids=[ashdale.pk])
    # Reissued once, so that its first version is there to download.
    generate_letters(
        template, council_ids=[ashdale.pk], regenerate=True, reissue_reason="Figures corrected."
    )


@pytest.fixture
def client():
    """Answers as production does (DEBUG is off under pytest): a view's exception is a 500."""
    return Client(raise_request_exception=False)


@pytest.fixture
def parameters_read(monkeypatch) -> set[str]:
    """The names of the query parameters asked for (by `in`, `get`, `[]` or `getlist`)."""
    read: set[str] = set()
    for method in ("__contains__", "__getitem__", "get", "getlist"):
        real = getattr(QueryDict, method)

        def spy(self, key, *args, _real=real, **kwargs):
            read.add(key)
            return _real(self, key, *args, **kwargs)

        monkeypatch.setattr(QueryDict, method, spy)
    return read


def query_parameters(client: Client, public: Public, read: set[str]) -> set[str]:
    read.clear()
    client.get(public.url())
    return set(read) | set(getattr(public.pattern.callback, "query_params", ()))


def check(client: Client, url: str, value: str) -> str | None:
    """What is wrong with the answer to this hostile URL, if anything."""
    status = client.get(url).status_code
    if status >= 500 or (value == NUL and not 400 <= status < 500):
        return f"{status} for {url[:120]}"
    return None


@pytest.mark.parametrize("public", PUBLIC, ids=ids(PUBLIC))
def test_hostile_path_and_query_parameters_never_give_a_server_error(
    client, dataset, parameters_read, public
):
    # The valid URL reaches its page (the unnamed pattern is the API's 404 for any other path).
    assert client.get(public.url()).status_code in (200, 302, 405 if public.name else 404)
    problems = [
        check(client, public.url(**{name: raw}), raw)
        for name in public.params
        for raw in HOSTILE.values()
    ]
    url = public.url()
    separator = "&" if "?" in url else "?"
    for name in sorted(query_parameters(client, public, parameters_read)):
        problems += [
            check(client, f"{url}{separator}{name}={raw}", raw) for raw in HOSTILE.values()
        ]
    # And as the names of parameters.
    problems += [check(client, f"{url}{separator}{raw}=1", raw) for raw in HOSTILE.values()]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "url",
    ["/councils/ashdale/?year=", "/councils/ashdale/?year=a/b", "/councils/%00/",
     "/search/?q=a%00", "/?year=%00", "/api/councils/?q=%00"],
)  # fmt: skip
def test_the_urls_seen_failing_are_4xx(client, dataset, url):
    assert 400 <= client.get(url).status_code < 500


def test_the_year_selector_still_goes_to_the_year_page(client, dataset):
    response = client.get("/councils/ashdale/?year=2023-24")
    assert response.status_code == 302 and response["Location"] == "/councils/ashdale/2023-24/"


@pytest.mark.parametrize("public", READ_ONLY, ids=ids(READ_ONLY))
def test_methods_a_public_page_does_not_serve_are_405_with_allow(client, dataset, public):
    for method in ("TRACE", "PROPFIND", "POST", "PUT", "PATCH", "DELETE"):
        response = client.generic(method, public.url())
        assert response.status_code == 405, method
        assert response["Allow"] == "GET, HEAD", method


@pytest.mark.parametrize("public", CACHED, ids=ids(CACHED))
def test_a_cached_page_reads_only_its_declared_parameters(client, dataset, parameters_read, public):
    declared = set(public.pattern.callback.query_params)
    assert query_parameters(client, public, parameters_read) - declared == set()


@pytest.mark.parametrize("public", CACHED, ids=ids(CACHED))
def test_parameters_a_cached_page_does_not_read_share_its_entry(client, dataset, public):
    url = public.url()
    first = client.get(url)
    assert first.status_code == 200 and first[caching.CACHE_HEADER] == "miss", url
    for junk in ("utm_source=newsletter", "_=1725192000", "zz=%zz&yy=ü"):
        again = client.get(f"{url}?{junk}")
        assert again[caching.CACHE_HEADER] == "hit", junk
        assert again.content == first.content, junk
