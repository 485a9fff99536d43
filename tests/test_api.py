"""The read-only JSON API: content, embargo, errors, caching, and conformance to its own schema."""

import datetime
import json

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings

from councils.models import CouncilType, Decision, Outcome, PreviousCode
from ombudsman.wsgi import application
from tests.factories import CouncilFactory, DecisionFactory, PopulationFactory, ReportingYearFactory
from tests.test_open_data import SPEC_COLUMNS

D = datetime.date
FIGURE_FIELDS = [
    "investigations",
    "upheld",
    "uphold_rate",
    "population",
    "upheld_per_100k",
    "compliance_outcomes",
    "complied",
    "compliance_rate",
    "satisfactory_remedies",
    "satisfactory_remedy_rate",
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def years():
    """2022-23 and 2023-24 published; 2024-25 due tomorrow; 2025-26 without a date."""
    return [
        ReportingYearFactory(label="2022-23", note="Our investigation process changed."),
        ReportingYearFactory(label="2023-24"),
        ReportingYearFactory(
            label="2024-25", published_on=timezone.localdate() + datetime.timedelta(1)
        ),
        ReportingYearFactory(label="2025-26", published_on=None),
    ]


@pytest.fixture
def councils(years):
    kent = CouncilFactory(
        type=CouncilType.COUNTY, name="Kent", official_name="Kent County Council", slug="kent"
    )
    ashford = CouncilFactory(
        type=CouncilType.DISTRICT, name="Ashford", official_name="Ashford Borough Council",
        slug="ashford", county=kent,
    )  # fmt: skip
    ashfield = CouncilFactory(
        type=CouncilType.DISTRICT, name="Ashfield", official_name="Ashfield District Council",
        slug="ashfield",
    )  # fmt: skip
    PreviousCode.objects.create(council=ashfield, code="E07000999")
    for day, upheld, not_upheld in [
        (D(2022, 6, 1), 1, 3),
        (D(2023, 6, 1), 3, 21),
        (D(2024, 6, 1), 7, 0),
        (D(2025, 6, 1), 5, 0),
    ]:
        for outcome, count in ((Outcome.UPHELD, upheld), (Outcome.NOT_UPHELD, not_upheld)):
            for _ in range(count):
                DecisionFactory(council=ashfield, outcome=outcome, decided=day)
    DecisionFactory(council=ashford, outcome=Outcome.UPHELD, decided=D(2023, 7, 1))
    PopulationFactory(council=kent, year=years[1], population=1_500_000)
    PopulationFactory(council=ashfield, year=years[1], population=120_000)
    return kent, ashford, ashfield


def _json(response, status=200):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


class TestCouncils:
    def test_list_filter_search_and_pages(self, client, councils):
        page = _json(client.get("/api/councils/"))
        assert page["count"] == 3 and page["next"] is None and page["previous"] is None
        assert [c["name"] for c in page["results"]] == ["Ashfield", "Ashford", "Kent"]
        assert page["results"][1] == {
            "code": councils[1].code,
            "name": "Ashford",
            "official_name": "Ashford Borough Council",
            "slug": "ashford",
            "type": "district",
            "county_code": councils[0].code,
            "ceased_on": None,
            "url": "/api/councils/ashford/",
        }
        districts = _json(client.get("/api/councils/?type=district"))
        assert [c["slug"] for c in districts["results"]] == ["ashfield", "ashford"]
        search = _json(client.get("/api/councils/?q=COUNTY"))
        assert [c["slug"] for c in search["results"]] == ["kent"]

        first = _json(client.get("/api/councils/?q=ash&page_size=1"))
        assert first["count"] == 2 and first["next"] == "/api/councils/?q=ash&page_size=1&page=2"
        second = _json(client.get(first["next"]))
        assert [c["slug"] for c in second["results"]] == ["ashford"]
        assert second["next"] is None
        assert second["previous"] == "/api/councils/?q=ash&page_size=1&page=1"

    @pytest.mark.parametrize(
        "query, status",
        [
            ("type=parish", 404),
            ("type=", 404),
            ("page=4", 404),
            ("page=0", 400),
            ("page=two", 400),
            ("page_size=201", 400),
            ("page_size=-1", 400),
            ("page=" + "9" * 5000, 400),
            ("q=%00", 400),
        ],
    )
    def test_bad_parameters_get_a_short_json_error(self, client, councils, query, status):
        body = _json(client.get(f"/api/councils/?{query}"), status)
        assert list(body) == ["detail"]

    @pytest.mark.parametrize(
        "query, status, detail",
        [
            ("type=parish&page=0", 404, "There is no council type 'parish'."),
            ("page_size=0&page=0", 400, "page_size must be a whole number from 1 to 200."),
            ("page=1.0", 400, "page must be a whole number from 1 to 1000000000."),
            ("page=%201", 400, "page must be a whole number from 1 to 1000000000."),
            ("page=4", 404, "There is no page 4."),
        ],
    )
    def test_errors_say_which_parameter_byte_for_byte(
        self, client, councils, query, status, detail
    ):
        response = client.get(f"/api/councils/?{query}")
        assert response.status_code == status
        assert response.content == json.dumps({"detail": detail}).encode()

    def test_one_council_by_slug_code_or_previous_code(self, client, councils):
        ashfield = councils[2]
        by_slug = _json(client.get("/api/councils/ashfield/"))
        assert _json(client.get(f"/api/councils/{ashfield.code}/")) == by_slug
        assert _json(client.get(f"/api/councils/{ashfield.code.lower()}/")) == by_slug
        assert _json(client.get("/api/councils/E07000999/")) == by_slug
        assert by_slug["previous_codes"] == ["E07000999"]
        assert by_slug["page_url"] == "/councils/ashfield/"
        assert by_slug["downloads"]["decisions_csv"] == "/data/councils/ashfield/decisions.csv"
        # Every public year with data, and nothing from the years not yet published.
        statistics = by_slug["statistics"]
        assert [row["year"] for row in statistics] == ["2022-23", "2023-24"]
        assert [list(row) for row in statistics] == [SPEC_COLUMNS] * 2
        assert (statistics[0]["upheld"], statistics[0]["uphold_rate"]) == (1, 25)
        assert (statistics[1]["uphold_rate"], statistics[1]["upheld_per_100k"]) == (13, 2.5)
        # The same figures as the council's statistics file.
        download = client.get("/data/councils/ashfield/statistics.json").json()
        assert download == statistics

    @pytest.mark.parametrize("key", ["nowhere", "E07000000", "a b", "%00"])
    def test_unknown_council_is_a_json_404(self, client, councils, key):
        assert "detail" in _json(client.get(f"/api/councils/{key}/"), 404)


class TestYears:
    def test_list_has_only_public_years_with_their_notes(self, client, years):
        body = _json(client.get("/api/years/"))
        assert [year["label"] for year in body["results"]] == ["2022-23", "2023-24"]
        assert body["results"][0] == {
            "label": "2022-23",
            "start": "2022-04-01",
            "end": "2023-03-31",
            "published_on": "2023-07-29",
            "note": "Our investigation process changed.",
            "url": "/api/years/2022-23/",
            "downloads": {
                "csv": "/data/2022-23/statistics.csv",
                "xlsx": "/data/2022-23/statistics.xlsx",
                "json": "/data/2022-23/statistics.json",
            },
        }

    def test_a_year_has_every_council_the_type_averages_and_england(self, client, councils):
        body = _json(client.get("/api/years/2023-24/"))
        assert body["year"]["label"] == "2023-24"
        # The same rows as the year's JSON file.
        assert body["councils"] == client.get("/data/2023-24/statistics.json").json()
        assert [row["council_name"] for row in body["councils"]] == [
            "Ashfield District Council",
            "Ashford Borough Council",
            "Kent County Council",
        ]
        assert list(body["averages"]) == ["county", "district", "metropolitan", "unitary", "london"]
        district = body["averages"]["district"]
        assert list(district) == FIGURE_FIELDS
        # (3 + 1) upheld of (24 + 1) investigations = 16%; 3 per 120,000 = 2.5 per 100,000.
        assert (district["uphold_rate"], district["upheld_per_100k"]) == (16, 2.5)
        assert body["averages"]["london"]["uphold_rate"] is None
        national = body["national"]
        # 4 of 25; 3 upheld among councils with a population, over 1.62 million: 0.185 -> 0.2.
        assert (national["upheld"], national["uphold_rate"], national["upheld_per_100k"]) == (
            4,
            16,
            0.2,
        )

    @pytest.mark.parametrize("label", ["2024-25", "2025-26", "2019-20", "2023-25", "latest"])
    def test_unpublished_unknown_or_malformed_year_is_a_json_404(self, client, years, label):
        staff = get_user_model().objects.create_user("staff", is_staff=True)
        client.force_login(staff)  # open data is public years only, for staff too
        assert "detail" in _json(client.get(f"/api/years/{label}/"), 404)

    def test_unpublished_years_are_absent_for_staff_too(self, client, councils):
        client.force_login(get_user_model().objects.create_user("staff", is_staff=True))
        labels = [year["label"] for year in _json(client.get("/api/years/"))["results"]]
        assert labels == ["2022-23", "2023-24"]
        rows = _json(client.get("/api/councils/ashfield/"))["statistics"]
        assert [row["year"] for row in rows] == ["2022-23", "2023-24"]


class TestProtocol:
    def test_conditional_requests_and_cache_headers(self, client, councils):
        for url in (
            "/api/councils/",
            "/api/councils/ashfield/",
            "/api/years/",
            "/api/years/2023-24/",
        ):
            response = client.get(url)
            assert response["Cache-Control"] == "public, max-age=60, s-maxage=300"
            assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304

    def test_head_answers_like_get_without_a_body(self, client, councils):
        get, head = client.get("/api/years/"), client.head("/api/years/")
        assert head.status_code == 200 and head.content == b""
        assert (head["ETag"], head["Content-Type"]) == (get["ETag"], get["Content-Type"])

    def test_errors_carry_no_cache_validators(self, client, years):
        response = client.get("/api/years/2025-26/")
        assert "ETag" not in response and "Cache-Control" not in response

    def test_unknown_endpoint_and_unsafe_methods(self, client, years):
        assert "detail" in _json(client.get("/api/nothing/here/"), 404)
        assert client.post("/api/years/").status_code == 405
        assert client.delete("/api/councils/kent/").status_code == 405

    def test_the_schema_describes_the_statistics_columns_in_order(self, client):
        schema = _json(client.get("/api/schema/"))
        row = schema["components"]["schemas"]["StatisticsRow"]
        assert list(row["properties"]) == SPEC_COLUMNS == row["required"]
        assert row["additionalProperties"] is False
        figures = schema["components"]["schemas"]["Figures"]
        assert list(figures["properties"]) == FIGURE_FIELDS

    def test_docs_page_describes_every_endpoint(self, client):
        page = client.get("/api/").content.decode()
        for path in ("/api/councils/", "/api/councils/{key}/", "/api/years/", "/api/years/{year}/"):
            assert f"GET {path}" in page
        assert 'href="/api/schema/"' in page
        for column in SPEC_COLUMNS:
            assert f"<code>{column}</code>" in page


# Loaded from the running app at import: the schema endpoint reads nothing from the database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def keep_connection():
    """Keep the test transaction's connection across WSGI calls, as Django's test client does.

    Otherwise the end of each request closes it, which on PostgreSQL ends the test transaction.
    """
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=12,
    derandomize=True,  # the same examples on every run: no flaky CI
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_openapi_schema(case, councils, keep_connection):
    # The WSGI test transport does not decompress, unlike a real client: ask for plain bodies.
    case.call_and_validate(headers={"Accept-Encoding": "identity"})


def test_query_ceilings_hold_at_ten_times_the_data(
    client, councils, years, django_assert_max_num_queries
):
    ceilings = {
        # Each answer first reads the data version for its page key, then:
        # public years, count, the page of councils (with their counties)
        "/api/councils/?type=district&page_size=200": 4,
        # public years, council (with its county), its previous codes;
        # investigations, compliance, populations, councils
        "/api/councils/ashfield/": 8,
        # public years
        "/api/years/": 2,
        # public years; investigations, compliance, populations, councils
        "/api/years/2023-24/": 6,
        # the docs page: the demo banner (one query)
        "/api/": 2,
        "/api/schema/": 0,
    }
    for scale in (1, 10):
        for council_type in CouncilType.SLUGS:
            for _ in range(2 * scale):
                council = CouncilFactory(type=council_type)
                PopulationFactory(council=council, year=years[1])
                Decision.objects.bulk_create(
                    DecisionFactory.build(council=council, decided=D(2023, 5, 1))
                    for _ in range(10 * scale)
                )
        for url, ceiling in ceilings.items():
            with django_assert_max_num_queries(ceiling):
                assert client.get(url).status_code == 200
    assert _json(client.get("/api/councils/?type=district&page_size=200"))["count"] == 2 + 22
