"""The page layer's store (councils.caching) and the data version every change bumps.

Today is 1 September 2024: 2023-24 is public (since 24 July 2024), 2024-25 is not (no date yet).
Ashdale has figures in both years; staff preview 2024-25.
"""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token

from councils import caching, dataversion
from councils.caching import page_key, public_page, storable
from councils.demo import clear_demo_data, seed_demo_data
from councils.models import CouncilType, Decision, ReportingYear
from letters import rendering
from letters.generation import generate_letters
from letters.models import LetterTemplate, Officer
from tests.factories import CouncilFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2024, 9, 1)

PAGES = [
    "/",
    "/?statistic=compliance_rate&type=district",
    "/councils/ashdale/",
    "/councils/ashdale/2023-24/",
    "/compare/district/2023-24/",
    "/years/2023-24/",
    "/methodology/",
    "/sitemap.xml",
    "/sitemap-councils.xml",
    "/sitemap-letters.xml",
]


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2024, 9, 1, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def stored(monkeypatch) -> list[str]:
    """The keys of every page put in the cache."""
    keys: list[str] = []
    real = caching._keep

    def spy(key, page):
        keys.append(key)
        real(key, page)

    monkeypatch.setattr(caching, "_keep", spy)
    return keys


@pytest.fixture
def staff():
    return User.objects.create_user("staff", is_staff=True)


def fresh(response) -> bool:
    """Whether the view ran for this response (no page-cache hit)."""
    return response.get(caching.CACHE_HEADER) != "hit"


class TestCachedPages:
    @pytest.mark.parametrize("url", PAGES)
    def test_a_repeat_visit_costs_one_query_and_is_identical(
        self, client, ashdale, url, django_assert_max_num_queries
    ):
        first = client.get(url)
        assert first.status_code == 200 and first[caching.CACHE_HEADER] == "miss"
        # Expected: the data version.
        with django_assert_max_num_queries(1):
            again = client.get(url)
        assert again.status_code == 200 and again[caching.CACHE_HEADER] == "hit"
        assert again.content == first.content
        assert again["Content-Type"] == first["Content-Type"]

    def test_head_is_answered_from_the_cache(self, client, ashdale):
        client.get("/councils/ashdale/")
        assert client.head("/councils/ashdale/")[caching.CACHE_HEADER] == "hit"

    def test_the_order_of_query_parameters_does_not_matter(self, client, ashdale):
        client.get("/?type=district&statistic=compliance_rate")
        assert not fresh(client.get("/?statistic=compliance_rate&type=district"))
        assert fresh(client.get("/?statistic=compliance_rate&type=county"))

    def test_parameters_the_page_does_not_read_share_its_entry_and_stay_out_of_it(
        self, client, ashdale, stored
    ):
        first = client.get("/?statistic=compliance_rate&utm_source=newsletter")
        again = client.get("/?fbclid=abc123&statistic=compliance_rate")
        assert again[caching.CACHE_HEADER] == "hit" and len(stored) == 1
        # The table's sort links keep the page's own parameters only, for every later visitor.
        assert "statistic=compliance_rate" in first.content.decode()
        assert "utm_source" not in first.content.decode()

    def test_the_key_holds_url_version_day_and_release(self, rf, settings):
        params = ("a", "b")
        request = rf.get("/compare/district/2023-24/?b=2&a=1&utm=x")
        key = page_key(request, params, 7)
        assert key == page_key(rf.get("/compare/district/2023-24/?a=1&b=2"), params, 7)
        assert key != page_key(rf.get("/compare/district/2023-24/?a=1&b=3"), params, 7)
        assert key != page_key(request, params, 8)
        other_host = rf.get("/compare/district/2023-24/?b=2&a=1", HTTP_HOST="localhost")
        assert key != page_key(other_host, params, 7)
        with time_machine.travel(datetime.datetime(2024, 9, 2, 12, tzinfo=datetime.UTC)):
            assert key != page_key(request, params, 7)
        settings.RELEASE = "another release"
        assert key != page_key(request, params, 7)

    def test_a_bump_recomputes_the_page(self, client, ashdale):
        assert "Ashdale District Council" in client.get("/councils/ashdale/").content.decode()
        with connection.cursor() as cursor:  # raw SQL: the one kind of write that does not bump
            cursor.execute(
                "UPDATE councils_council SET official_name = %s WHERE id = %s",
                ["Ashdale Borough Council", ashdale.pk],
            )
        # Without a bump the page is the stored one: the store really is in use.
        assert "Ashdale District Council" in client.get("/councils/ashdale/").content.decode()
        dataversion.bump()
        response = client.get("/councils/ashdale/")
        assert fresh(response) and "Ashdale Borough Council" in response.content.decode()

    def test_a_year_published_today_appears_at_midnight_without_a_bump(self, client, ashdale):
        ReportingYear.objects.filter(label="2024-25").update(published_on=D(2024, 9, 2))
        with time_machine.travel(datetime.datetime(2024, 9, 1, 22, 59, tzinfo=datetime.UTC)):
            before = client.get("/").content.decode()  # 23:59 in London
            assert "2024-25" not in before
            assert client.get("/").content.decode() == before  # cached
        with time_machine.travel(datetime.datetime(2024, 9, 1, 23, 1, tzinfo=datetime.UTC)):
            after = client.get("/")  # 00:01 on 2 September in London
            assert fresh(after) and '"year": "2024-25"' in after.content.decode()

    def test_errors_and_redirects_are_not_stored(self, client, ashdale, stored):
        for url in ["/councils/nowhere/", "/years/2024-25/", "/councils/ashdale/?year=2023-24"]:
            first = client.get(url)
            assert first.status_code in (302, 404)
            assert fresh(client.get(url))
        assert stored == []

    def test_the_cache_server_being_down_only_costs_speed(self, client, ashdale, monkeypatch):
        def down(*args, **kwargs):
            raise ConnectionError("cache server unreachable")

        monkeypatch.setattr(cache, "get", down)
        monkeypatch.setattr(cache, "set", down)
        response = client.get("/councils/ashdale/")
        assert response.status_code == 200 and "Ashdale" in response.content.decode()


class TestSignedInUsersBypassTheCache:
    def test_staff_preview_never_reaches_the_public(self, client, ashdale, staff):
        client.force_login(staff)
        preview = client.get("/councils/ashdale/2024-25/")
        assert preview.status_code == 200 and "Not yet published" in preview.content.decode()
        home = client.get("/?year=2024-25")
        assert home.status_code == 200 and '"year": "2024-25"' in home.content.decode()
        staff_home = client.get("/").content.decode()
        assert "2024-25" in staff_home  # the year menu offers the preview
        assert "private" in preview["Cache-Control"]
        client.logout()

        assert client.get("/councils/ashdale/2024-25/").status_code == 404
        assert client.get("/?year=2024-25").status_code == 404
        public_home = client.get("/")
        assert fresh(public_home) and "2024-25" not in public_home.content.decode()

    def test_staff_are_never_served_the_public_copy(self, client, ashdale, staff):
        public = client.get("/").content.decode()
        client.force_login(staff)
        for _ in range(2):
            response = client.get("/")
            assert fresh(response) and "2024-25" in response.content.decode()
            assert response.content.decode() != public

    def test_officers_see_their_embargoed_letter_and_the_public_does_not(
        self, client, ashdale, years, monkeypatch
    ):
        monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n")
        template = LetterTemplate.objects.create(
            year=years[0], letter_date=TODAY, publication_date=TODAY + datetime.timedelta(days=7),
            signatory_name="Pat Signer", signatory_titles="Ombudsman", body="Dear {council_name}",
        )  # fmt: skip
        generate_letters(template)
        officer = User.objects.create_user("ashdale-officer")
        Officer.objects.create(user=officer, council=ashdale)
        letter_link = "/letters/ashdale/2023-24/"

        assert letter_link not in client.get("/councils/ashdale/").content.decode()  # cached
        client.force_login(officer)
        page = client.get("/councils/ashdale/")
        assert fresh(page) and letter_link in page.content.decode()
        assert "not yet public" in page.content.decode()
        client.logout()
        assert letter_link not in client.get("/councils/ashdale/").content.decode()
        cache.clear()  # and the officer's visit stored nothing for the public either
        client.force_login(officer)
        client.get("/councils/ashdale/")
        client.logout()
        public = client.get("/councils/ashdale/")
        assert fresh(public) and letter_link not in public.content.decode()


class TestWhatIsStored:
    def respond(self, rf, view, method="get"):
        request = getattr(rf, method)("/methodology/")
        request.user = type("Anonymous", (), {"is_authenticated": False})()
        return request, public_page(view)(request)

    def test_a_plain_public_page_is_storable(self, rf, ashdale):
        request, response = self.respond(rf, lambda request: HttpResponse("ok"))
        assert storable(request, response)

    @pytest.mark.parametrize(
        "make",
        [
            lambda request: HttpResponse("no", status=500),
            lambda request: HttpResponse("gone", status=404),
            lambda request: StreamingHttpResponse(iter([b"a"])),
            lambda request: _with(HttpResponse("x"), "Cache-Control", "private"),
            lambda request: _with(HttpResponse("x"), "Cache-Control", "private, no-store"),
            lambda request: _cookie(HttpResponse("x")),
            lambda request: HttpResponse(get_token(request)),  # the page holds a CSRF token
        ],
        ids=["500", "404", "streaming", "private", "no-store", "set-cookie", "csrf-token"],
    )
    def test_never_stored(self, rf, ashdale, make):
        request, response = self.respond(rf, make)
        assert not storable(request, response)

    def test_only_get_is_stored(self, rf, ashdale):
        request, response = self.respond(rf, lambda request: HttpResponse("ok"), method="head")
        assert not storable(request, response)


def _with(response, header, value):
    response[header] = value
    return response


def _cookie(response):
    response.set_cookie("visitor", "1")
    return response


class TestEveryChangeBumpsTheVersion:
    def test_admin_edit_of_a_council_shows_at_once(self, client, ashdale, staff):
        staff.is_superuser = True
        staff.save()
        assert "Ashdale District Council" in client.get("/councils/ashdale/").content.decode()
        version = dataversion.current()
        client.force_login(staff)
        response = client.post(
            f"/admin/councils/council/{ashdale.pk}/change/",
            {
                "name": "Ashdale", "official_name": "Ashdale Borough Council", "slug": "ashdale",
                "type": "district", "chief_executive_title": "Chief Executive",
                "previous_codes-TOTAL_FORMS": "1", "previous_codes-INITIAL_FORMS": "0",
                "previous_codes-0-code": "E07000999", "previous_codes-0-council": ashdale.pk,
            },
        )  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:2000]
        assert ashdale.previous_codes.get().code == "E07000999"
        assert dataversion.current() > version
        client.logout()
        page = client.get("/councils/ashdale/").content.decode()
        assert "Ashdale Borough Council" in page and "Ashdale District Council" not in page

    def test_admin_publishing_a_year_shows_at_once(self, client, ashdale, staff, years):
        staff.is_superuser = True
        staff.save()
        assert "2024-25" not in client.get("/").content.decode()
        client.force_login(staff)
        response = client.post(
            f"/admin/councils/reportingyear/{years[1].pk}/change/",
            {"label": "2024-25", "published_on": "2024-09-01", "note": ""},
        )
        assert response.status_code == 302
        client.logout()
        assert '"year": "2024-25"' in client.get("/").content.decode()

    def test_admin_deletions_bump(self, client, ashdale, staff):
        staff.is_superuser = True
        staff.save()
        client.force_login(staff)
        decisions = list(Decision.objects.filter(council=ashdale).order_by("pk"))
        version = dataversion.current()
        # 2023-24 is public: deleting its decisions revises it, which needs a reason.
        confirm = {"post": "yes", "revision_reason": "Recorded twice."}
        response = client.post(f"/admin/councils/decision/{decisions[0].pk}/delete/", confirm)
        assert response.status_code == 302 and dataversion.current() > version
        version = dataversion.current()
        response = client.post(
            "/admin/councils/decision/",
            {"action": "delete_selected", "_selected_action": [decisions[1].pk], **confirm},
        )
        assert response.status_code == 302 and dataversion.current() > version
        assert Decision.objects.count() == len(decisions) - 2

    def test_publish_year_bumps(self, client, ashdale, capsys):
        assert "2024-25" not in client.get("/").content.decode()
        version = dataversion.current()
        call_command("publish_year", "2024-25", "--on", "2024-09-01")
        assert dataversion.current() > version
        assert '"year": "2024-25"' in client.get("/").content.decode()

    def test_seeding_and_clearing_demo_data_bump_and_the_banner_follows(self, client):
        for council_type in CouncilType.SLUGS:
            CouncilFactory(type=council_type)
        version = dataversion.current()
        seed_demo_data("2023-24", "2023-24", scale=0.05)
        assert dataversion.current() > version
        assert "Demonstration data" in client.get("/methodology/").content.decode()
        version = dataversion.current()
        clear_demo_data()
        assert dataversion.current() > version
        assert "Demonstration data" not in client.get("/methodology/").content.decode()

    def test_load_councils_bumps_only_when_it_changes_something(self):
        call_command("load_councils", stdout=None)
        version = dataversion.current()
        assert version > 0
        call_command("load_councils")
        assert dataversion.current() == version
