"""Security: who may reach staff and officer URLs, CSRF on every form, and nothing unpublished
leaking through search, the API, the map data, sitemaps, downloads or the page cache.

Today is 15 May 2024.
- 2023-24 is public since 1 May 2024. Ashdale's decision 24 999 001 was made on 20 March 2024,
  less than three months ago, so it is not published yet (its figures count, its row does not).
- 2024-25 is under embargo until 24 July 2025; Ashdale has decisions (`25 …`) and a population
  of 987,654 in it.
- Ashdale's 2023-24 annual review letter is under embargo until 22 May 2024.
"""

import datetime
import json
import re

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from councils.jobs.running import run_job
from councils.models import (
    Council,
    CouncilType,
    Decision,
    ImportRecord,
    Job,
    Outcome,
    RecommendationKind,
    ReportingYear,
)
from letters import rendering
from letters.generation import generate_letters
from letters.models import Letter, LetterSending, LetterTemplate, Officer
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    PopulationFactory,
    RecommendationFactory,
    ReportingYearFactory,
    RevisionFactory,
)
from tests.sitemap import whole_sitemap

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2024, 5, 15)
EMBARGOED_YEAR = "2024-25"
UNPUBLISHED_DECISION = "24 999 001"
PUBLISHED_DECISION = "23 999 001"
EMBARGOED_POPULATION = "987,654"
LETTER = "/letters/ashdale/2023-24/"


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2024, 5, 15, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(monkeypatch):
    """Councils, years, decisions and letters as in the module docstring."""
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n")
    public = ReportingYearFactory(label="2023-24", published_on=D(2024, 5, 1))
    embargoed = ReportingYearFactory(label=EMBARGOED_YEAR, published_on=D(2025, 7, 24))
    ashdale = CouncilFactory(
        name="Ashdale", official_name="Ashdale District Council", slug="ashdale",
        type=CouncilType.DISTRICT,
    )  # fmt: skip
    brookfield = CouncilFactory(
        name="Brookfield", official_name="Brookfield District Council", slug="brookfield",
        type=CouncilType.DISTRICT,
    )  # fmt: skip
    DecisionFactory(
        council=ashdale, reference=PUBLISHED_DECISION, decided=D(2023, 9, 1),
        outcome=Outcome.UPHELD, summary="Published summary",
    )  # fmt: skip
    DecisionFactory(
        council=ashdale, reference=UNPUBLISHED_DECISION, decided=D(2024, 3, 20),
        outcome=Outcome.UPHELD, summary="Recent summary",
    )  # fmt: skip
    for n in range(6):
        DecisionFactory(council=ashdale, reference=f"25 000 00{n}", decided=D(2024, 4, 10))
        DecisionFactory(council=brookfield, decided=D(2023, 10, 1))
    PopulationFactory(council=ashdale, year=public, population=120_000)
    PopulationFactory(council=ashdale, year=embargoed, population=987_654)
    template = LetterTemplate.objects.create(
        year=public, letter_date=TODAY, publication_date=D(2024, 5, 22),
        signatory_name="Pat Signer", signatory_titles="Ombudsman", body="Dear {council_name}",
    )  # fmt: skip
    generate_letters(template, council_ids=[ashdale.pk])
    RecommendationFactory(decision=Decision.objects.get(reference=PUBLISHED_DECISION))
    ImportRecord.objects.create(kind="decisions", file_name="decisions.csv", file_size=10)
    job = Job.objects.create(
        title="Import decisions from decisions.csv", key="import:decisions", runner="x"
    )
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        run_job.enqueue(str(job.pk))  # queued in the database, never run
    RevisionFactory(year=public, councils=[ashdale])
    Group.objects.create(name="Importers")
    return {"ashdale": ashdale, "brookfield": brookfield, "template": template}


@pytest.fixture
def users(world):
    staff = User.objects.create_user("staff", is_staff=True, is_superuser=True)
    member = User.objects.create_user("member")  # signed in, neither staff nor officer
    own = User.objects.create_user("ashdale-officer")
    Officer.objects.create(user=own, council=world["ashdale"])
    other = User.objects.create_user("brookfield-officer")
    Officer.objects.create(user=other, council=world["brookfield"])
    return {"staff": staff, "member": member, "own officer": own, "other officer": other}


def client_as(user: User | None, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


# --- Staff URLs ------------------------------------------------------------------------------


def admin_urls() -> list[str]:
    """Every URL of the admin site (but the login and logout), objects filled in."""
    objects = {
        model: model._default_manager.order_by("pk").first() for model in admin.site._registry
    }
    urls = ["/admin/", "/admin/password_change/", "/admin/password_change/done/"]
    urls += ["/admin/jsi18n/", "/admin/autocomplete/?app_label=councils&model_name=council"]
    urls += [f"/admin/{app}/" for app in ("auth", "councils", "letters")]
    council = objects[Council]
    urls.append(f"/admin/r/{ContentType.objects.get_for_model(Council).pk}/{council.pk}/")
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for pattern in model_admin.urls:
            route = str(pattern.pattern)
            if "<" in route:
                obj = objects[model]
                assert obj is not None, f"the scenario has no {model.__name__}"
                route = re.sub(r"<(?:\w+:)?(?:object_id|id)>", str(obj.pk), route)
            urls.append(base + route)
    return urls


def is_login_redirect(response, url: str) -> bool:
    return response.status_code == 302 and response.url.startswith("/admin/login/?next=")


class TestStaffUrls:
    def test_the_list_covers_every_model_and_its_import_and_export(self, users):
        urls = admin_urls()
        for name in ("council", "population", "decision", "recommendation"):
            for view in ("import", "process_import", "export"):
                assert f"/admin/councils/{name}/{view}/" in urls
        assert "/admin/letters/letter/export/" in urls
        for model in admin.site._registry:
            base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert {base, base + "add/"} < set(urls)
            assert any(url.startswith(base) and url.endswith("/delete/") for url in urls)

    @pytest.mark.parametrize("who", [None, "member", "own officer"], ids=str)
    def test_anonymous_and_non_staff_are_sent_to_the_login(self, users, who):
        client = client_as(users.get(who))
        for url in admin_urls():
            for method in (client.get, client.post):
                response = method(url)
                assert is_login_redirect(response, url), (who, method.__name__, url)
        assert Decision.objects.count() == 14 and ImportRecord.objects.count() == 1

    def test_staff_reach_every_one_of_them(self, users):
        client = client_as(users["staff"])
        for url in admin_urls():
            response = client.get(url)
            assert not is_login_redirect(response, url) and response.status_code < 500, url

    def test_staff_without_permissions_are_refused(self, users):
        clerk = User.objects.create_user("clerk", is_staff=True)
        client = client_as(clerk)
        for url in ["/admin/councils/decision/", "/admin/councils/decision/import/"]:
            assert client.get(url).status_code == 403
        assert client.post("/admin/councils/decision/process_import/").status_code == 403
        assert client.get("/admin/letters/letter/export/").status_code == 403

    def test_an_inactive_staff_account_is_refused(self, users):
        users["staff"].is_active = False
        users["staff"].save()
        client = client_as(None)
        client.force_login(
            users["staff"], backend="django.contrib.auth.backends.AllowAllUsersModelBackend"
        )
        assert is_login_redirect(client.get("/admin/councils/decision/"), "")


# --- Officer URLs ----------------------------------------------------------------------------


class TestOfficerUrls:
    @pytest.mark.parametrize(
        "who, status",
        [
            (None, 404),
            ("member", 404),
            ("other officer", 404),
            ("own officer", 200),
            ("staff", 200),
        ],
        ids=str,
    )
    def test_embargoed_letter(self, users, who, status):
        client = client_as(users.get(who))
        for url in [LETTER, "/letters/ashdale/2023-24.pdf"]:
            response = client.get(url)
            assert response.status_code == status, url
            if status == 200:
                assert "no-store" in response["Cache-Control"]
        listed = LETTER in text(client.get("/letters/"))
        on_council_page = LETTER in text(client.get("/councils/ashdale/"))
        assert listed == on_council_page == (status == 200)

    def test_the_refusal_looks_like_a_letter_that_does_not_exist(self, users):
        client = client_as(users["other officer"])
        hidden, missing = client.get(LETTER), client.get("/letters/nowhere/2023-24/")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content

    def test_a_deactivated_officer_sees_what_the_public_sees(self, users):
        client = client_as(users["own officer"])
        assert client.get(LETTER).status_code == 200
        users["own officer"].is_active = False
        users["own officer"].save()
        assert client.get(LETTER).status_code == 404


# --- CSRF --------------------------------------------------------------------------------------


class TestCsrf:
    def test_sign_in_forms_carry_a_token_and_refuse_a_post_without_it(self, users):
        client = Client(enforce_csrf_checks=True)
        for url in ["/admin/login/", "/accounts/login/"]:
            assert 'name="csrfmiddlewaretoken"' in text(client.get(url))
            response = client.post(url, {"username": "staff", "password": "x"})
            assert response.status_code == 403, url

    def test_a_post_with_the_token_gets_through(self, users):
        """The control: the 403s below are the CSRF check, not something else."""
        client = Client(enforce_csrf_checks=True)
        client.get("/accounts/login/")
        token = client.cookies["csrftoken"].value
        response = client.post(
            "/accounts/login/",
            {"username": "nobody", "password": "x", "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 200  # the form again, with "wrong password"

    def test_every_admin_form_and_sign_out_refuse_a_post_without_the_token(self, users, world):
        client = client_as(users["staff"], enforce_csrf_checks=True)
        for url in [*admin_urls(), "/admin/logout/", "/accounts/logout/"]:
            assert client.post(url, {"post": "yes"}).status_code == 403, url

    @pytest.mark.parametrize(
        "url, action",
        [
            ("/admin/letters/letter/", "regenerate_selected"),
            ("/admin/letters/letter/", "send_selected"),
            ("/admin/letters/letter/", "send_again"),
            ("/admin/letters/lettertemplate/", "generate_missing_letters"),
            ("/admin/councils/decision/", "delete_selected"),
        ],
    )
    def test_admin_actions_refuse_a_post_without_the_token(self, users, world, url, action):
        letter = Letter.objects.get()
        selected = {
            "/admin/letters/letter/": letter.pk,
            "/admin/letters/lettertemplate/": world["template"].pk,
            "/admin/councils/decision/": Decision.objects.first().pk,
        }[url]
        generated_at = letter.generated_at
        form = {"action": action, "_selected_action": [selected], "post": "yes"}
        client = client_as(users["staff"], enforce_csrf_checks=True)
        assert client.post(url, form).status_code == 403
        letter.refresh_from_db()
        assert letter.generated_at == generated_at and not LetterSending.objects.exists()
        assert Decision.objects.count() == 14
        # The same form with the token is carried out (for the delete: its confirmation page).
        client.get(url)
        form["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
        assert client.post(url, form).status_code in (200, 302)

    def test_only_read_only_views_are_exempt_from_csrf(self):
        exempt = {
            f"{view.__module__}.{view.__name__}"
            for view in _views(get_resolver().url_patterns)
            if getattr(view, "csrf_exempt", False)
        }
        assert exempt and all(
            name.startswith(
                (
                    "councils.opendata.api.",
                    "councils.opendata.views.",
                    "councils.opendata.datapackage.",
                )
            )
            for name in exempt
        ), exempt

    @pytest.mark.parametrize(
        "url",
        ["/api/", "/api/schema/", "/api/councils/", "/api/years/", "/data/",
         "/data/2023-24/statistics.csv", "/data/councils/ashdale/decisions.csv"],
    )  # fmt: skip
    def test_and_they_refuse_every_post(self, world, url):
        assert Client(enforce_csrf_checks=True).post(url).status_code == 405


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern.callback


# --- Nothing unpublished leaks -------------------------------------------------------------


def assert_no_leak(body: str, where: str) -> None:
    for secret in (EMBARGOED_YEAR, UNPUBLISHED_DECISION, "25 000 00", EMBARGOED_POPULATION):
        assert secret not in body, f"{secret!r} leaks through {where}"
    assert LETTER not in body, f"the embargoed letter leaks through {where}"


def assert_not_found(client: Client, url: str) -> None:
    """A 404 that says no more than the one for a year or letter that never existed."""
    response = client.get(url)
    assert response.status_code == 404, url
    never = url.replace(EMBARGOED_YEAR, "2031-32").replace("ashdale/2023-24", "nowhere/2023-24")
    expected = text(client.get(never))
    expected = expected.replace("2031-32", EMBARGOED_YEAR).replace("nowhere", "ashdale")
    assert text(response) == expected, url


PUBLIC_URLS = [
    "/",
    "/?year=2023-24&statistic=upheld_per_100k",
    "/councils/ashdale/",
    "/councils/ashdale/2023-24/",
    "/compare/district/2023-24/",
    "/years/2023-24/",
    "/search/?q=Ashdale",
    "/search/?q=ash",
    "/sitemap.xml",
    "/sitemap-councils.xml",
    "/sitemap-letters.xml",
    "/api/councils/",
    "/api/councils/ashdale/",
    "/api/years/",
    "/api/years/2023-24/",
    "/data/",
    "/data/2023-24/statistics.csv",
    "/data/2023-24/statistics.json",
    "/data/councils/ashdale/statistics.csv",
    "/data/councils/ashdale/statistics.json",
    "/data/councils/ashdale/decisions.csv",
    "/data/councils/ashdale/decisions.json",
    "/letters/",
]
EMBARGOED_URLS = [
    "/?year=2024-25",
    "/councils/ashdale/2024-25/",
    "/compare/district/2024-25/",
    "/years/2024-25/",
    "/api/years/2024-25/",
    "/data/2024-25/statistics.csv",
    "/data/2024-25/statistics.xlsx",
    "/data/2024-25/statistics.json",
    LETTER,
    "/letters/ashdale/2023-24.pdf",
]


class TestNothingUnpublishedLeaks:
    def test_the_scenario_has_something_to_leak(self, users):
        """Staff do see the embargoed year and the letter; the public must not."""
        staff = client_as(users["staff"])
        assert EMBARGOED_YEAR in text(staff.get("/"))
        assert EMBARGOED_POPULATION in text(staff.get("/councils/ashdale/2024-25/"))
        assert LETTER in text(staff.get("/councils/ashdale/"))
        assert Decision.objects.filter(reference=UNPUBLISHED_DECISION).exists()
        assert ReportingYear.objects.public().count() == 1

    def test_public_pages_downloads_and_api(self, world):
        client = Client()
        for url in PUBLIC_URLS:
            response = client.get(url, follow=True)  # a search with one match opens the council
            assert response.status_code == 200, url
            assert_no_leak(text(response), url)

    def test_embargoed_urls_look_like_ones_that_never_existed(self, world):
        client = Client()
        for url in EMBARGOED_URLS:
            assert_not_found(client, url)

    def test_the_published_decision_is_there_and_the_recent_one_is_not(self, world):
        client = Client()
        for url in ["/data/councils/ashdale/decisions.csv", "/councils/ashdale/2023-24/"]:
            body = text(client.get(url))
            assert PUBLISHED_DECISION in body and UNPUBLISHED_DECISION not in body, url

    def test_a_recent_public_report_and_its_service_improvement_wait_too(self, world):
        recent = Decision.objects.get(reference=UNPUBLISHED_DECISION)
        recent.public_report = True
        recent.save()
        RecommendationFactory(
            decision=recent, kind=RecommendationKind.SERVICE_IMPROVEMENT, text="Train the staff"
        )
        page = text(Client().get("/councils/ashdale/2023-24/"))
        assert UNPUBLISHED_DECISION not in page and "Recent summary" not in page
        assert "Train the staff" not in page

    def test_the_map_data_island_holds_public_years_only(self, world):
        page = text(Client().get("/"))
        island = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', page)
        data = json.loads(island.group(1))
        assert data["year"] == "2023-24"
        assert {c["code"] for c in data["councils"]} == {
            world["ashdale"].code,
            world["brookfield"].code,
        }
        assert EMBARGOED_YEAR not in page

    def test_the_api_and_downloads_hide_the_embargo_from_staff_too(self, users):
        client = client_as(users["staff"])
        years = json.loads(text(client.get("/api/years/")))["results"]
        assert [year["label"] for year in years] == ["2023-24"]
        assert client.get("/data/2024-25/statistics.csv").status_code == 404
        assert_no_leak(text(client.get("/data/councils/ashdale/decisions.csv")), "staff CSV")
        assert_no_leak(whole_sitemap(client), "staff sitemap")

    @pytest.mark.parametrize("who", ["staff", "own officer"])
    def test_signed_in_visits_never_reach_the_public_through_the_cache(self, users, who):
        signed_in = client_as(users[who])
        urls = ["/", "/councils/ashdale/", "/councils/ashdale/2023-24/", "/years/2023-24/"]
        urls += EMBARGOED_URLS
        for url in urls:
            signed_in.get(url)
        public = Client()
        for url in urls:
            if url in EMBARGOED_URLS:
                assert_not_found(public, url)
            else:
                response = public.get(url)
                assert response.status_code == 200, url
                assert_no_leak(text(response), f"the page cache ({url} after {who})")

    def test_a_page_cached_before_publication_day_is_not_served_after_it(self, world):
        client = Client()
        assert client.get("/councils/ashdale/").status_code == 200  # cached on 15 May
        with time_machine.travel(datetime.datetime(2024, 5, 22, 12, tzinfo=datetime.UTC)):
            assert LETTER in text(client.get("/councils/ashdale/"))
