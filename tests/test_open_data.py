"""Open data downloads (SPEC "Public data"): columns, published values, embargo, caching, safety."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from councils import dataversion, memo
from councils.models import Compliance, CouncilType, Decision, Outcome
from councils.statistics import year_statistics
from tests.factories import CouncilFactory, DecisionFactory, PopulationFactory, ReportingYearFactory

D = datetime.date
SPEC_COLUMNS = [
    "council_code",
    "council_name",
    "council_type",
    "year",
    "investigations",
    "upheld",
    "uphold_rate",
    "uphold_rate_average",
    "population",
    "upheld_per_100k",
    "upheld_per_100k_average",
    "compliance_outcomes",
    "complied",
    "compliance_rate",
    "compliance_rate_average",
    "satisfactory_remedies",
    "satisfactory_remedy_rate",
    "satisfactory_remedy_rate_average",
]
URL = "/data/2023-24/statistics.{}"
PUBLIC = "public, max-age=60, s-maxage=300"  # the page layer's defaults

pytestmark = pytest.mark.django_db


SEPTEMBER_2023 = D(2023, 9, 1)


def _decisions(council, outcome, count, decided=SEPTEMBER_2023, **extra):
    for _ in range(count):
        DecisionFactory(council=council, outcome=outcome, decided=decided, **extra)


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def year():
    return ReportingYearFactory(label="2023-24")  # published 29 July 2024


@pytest.fixture
def scenario(year):
    """Three districts and a unitary council with figures worked out by hand below."""
    alpha = CouncilFactory(type=CouncilType.DISTRICT, name="Alpha", official_name="Alpha DC")
    beta = CouncilFactory(type=CouncilType.DISTRICT, name="Beta", official_name="Beta BC")
    delta = CouncilFactory(type=CouncilType.DISTRICT, name="Delta", official_name="Delta DC")
    gamma = CouncilFactory(type=CouncilType.UNITARY, name="Gamma", official_name="Gamma UA")
    # Alpha: 3 upheld of 24 (12.5% -> 13), one remedied by the council (1 of 3 -> 33).
    _decisions(alpha, Outcome.UPHELD, 1, remedied_by_council=True)
    _decisions(alpha, Outcome.UPHELD, 2)
    _decisions(alpha, Outcome.NOT_UPHELD, 21)
    _decisions(alpha, Outcome.ADVICE_GIVEN, 4)  # not an investigation
    # Compliance checked in 2023-24 on decisions of the year before: 2 of 3 complied (67).
    for compliance in (Compliance.COMPLIED, Compliance.COMPLIED_LATE, Compliance.NOT_COMPLIED):
        _decisions(
            alpha, Outcome.UPHELD, 1, decided=D(2022, 12, 1), compliance=compliance,
            compliance_date=D(2023, 6, 1),
        )  # fmt: skip
    PopulationFactory(council=alpha, year=year, population=1_200_000)  # 3 / 12 = 0.25 -> 0.3
    # Beta: 9 upheld of 10 (90), none remedied (0 of 9 -> 0), 9.0 per 100,000.
    _decisions(beta, Outcome.UPHELD, 9)
    _decisions(beta, Outcome.NOT_UPHELD, 1)
    PopulationFactory(council=beta, year=year, population=100_000)
    # Delta: 2 of 2 upheld, no population: no per-100k figure.
    _decisions(delta, Outcome.UPHELD, 2)
    # Gamma: a population and nothing else.
    PopulationFactory(council=gamma, year=year, population=250_000)
    return alpha, beta, delta, gamma


# Districts pooled: upheld 14 of 36 -> 38.9 -> 39; per-100k 12 / 1.3m = 0.923 -> 0.9;
# compliance 2 of 3 -> 67; remedies 1 of 14 -> 7.1 -> 7. Unitary: only per-100k, 0.0.
EXPECTED = {
    "Alpha DC": "district,2023-24,24,3,13,39,1200000,0.3,0.9,3,2,67,67,1,33,7",
    "Beta BC": "district,2023-24,10,9,90,39,100000,9.0,0.9,0,0,,67,0,0,7",
    "Delta DC": "district,2023-24,2,2,100,39,,,0.9,0,0,,67,0,0,7",
    "Gamma UA": "unitary,2023-24,0,0,,,250000,0.0,0.0,0,0,,,0,,",
}


class TestYearStatisticsFiles:
    def test_csv_columns_and_hand_computed_values(self, client, scenario):
        response = client.get(URL.format("csv"))
        header = next(csv.reader(io.StringIO(response.content.decode())))
        assert header == SPEC_COLUMNS
        rows = _csv(response)
        assert [row["council_name"] for row in rows] == list(EXPECTED)  # sorted by name
        for row, council in zip(rows, scenario, strict=True):
            assert row["council_code"] == council.code
            assert ",".join(list(row.values())[2:]) == EXPECTED[row["council_name"]]
        assert 'filename="council-statistics-2023-24.csv"' in response["Content-Disposition"]

    def test_a_council_without_data_that_year_has_no_row(self, client, scenario):
        CouncilFactory(name="Epsilon")
        _decisions(scenario[0], Outcome.UPHELD, 1, decided=D(2022, 9, 1))  # another year
        rows = _csv(client.get(URL.format("csv")))
        assert len(rows) == 4

    def test_csv_round_trips_to_the_statistics(self, client, year, scenario):
        # More councils with varied counts, so the comparison is not only the hand-worked four.
        for n in range(1, 8):
            council = CouncilFactory(type=CouncilType.SLUGS[n % 5])
            _decisions(council, Outcome.UPHELD, n, remedied_by_council=n % 2 == 0)
            _decisions(council, Outcome.NOT_UPHELD, 3 * n)
            PopulationFactory(council=council, year=year, population=37_000 * n)
        stats = year_statistics(year)
        rows = _csv(client.get(URL.format("csv")))
        assert len(rows) == len(stats.councils)
        by_code = {entry.council.code: entry for entry in stats.councils.values()}

        def number(text: str, kind=int):
            return None if text == "" else kind(text)

        for row in rows:
            entry = by_code[row["council_code"]]
            figures, similar = entry.figures, entry.similar
            assert row["council_name"] == entry.council.official_name
            assert number(row["investigations"]) == figures.uphold.base
            assert number(row["upheld"]) == figures.uphold.numerator
            assert number(row["compliance_outcomes"]) == figures.compliance.base
            assert number(row["complied"]) == figures.compliance.numerator
            assert number(row["satisfactory_remedies"]) == figures.remedy.numerator
            assert number(row["population"]) == (figures.per_100k.population or None)
            for column, own, average in [
                ("uphold_rate", figures.uphold.percent, similar.uphold.percent),
                ("compliance_rate", figures.compliance.percent, similar.compliance.percent),
                ("satisfactory_remedy_rate", figures.remedy.percent, similar.remedy.percent),
            ]:
                assert (number(row[column]), number(row[f"{column}_average"])) == (own, average)
            assert number(row["upheld_per_100k"], Decimal) == figures.per_100k.rounded
            assert number(row["upheld_per_100k_average"], Decimal) == similar.per_100k.rounded

    def test_xlsx_holds_the_same_table_with_numbers_as_numbers(self, client, scenario):
        response = client.get(URL.format("xlsx"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == SPEC_COLUMNS
        alpha = dict(zip(SPEC_COLUMNS, rows[1], strict=True))
        assert alpha["council_name"] == "Alpha DC"
        assert (alpha["investigations"], alpha["uphold_rate"], alpha["population"]) == (
            24,
            13,
            1_200_000,
        )
        assert alpha["upheld_per_100k"] == pytest.approx(0.3)
        assert (
            sheet.cell(row=2, column=SPEC_COLUMNS.index("upheld_per_100k") + 1).number_format
            == "0.0"
        )
        gamma = dict(zip(SPEC_COLUMNS, rows[4], strict=True))
        assert gamma["uphold_rate"] is None and gamma["upheld_per_100k"] == 0

    def test_json_is_a_list_of_objects_with_the_same_keys(self, client, scenario):
        response = client.get(URL.format("json"))
        assert response["Content-Type"] == "application/json"
        rows = response.json()
        assert [list(row) for row in rows] == [SPEC_COLUMNS] * 4
        alpha, beta, delta, gamma = rows
        assert alpha["uphold_rate"] == 13 and alpha["upheld_per_100k"] == 0.3
        assert b'"upheld_per_100k": 9.0' in response.content  # one decimal, as a number
        assert delta["population"] is None and delta["upheld_per_100k"] is None
        assert beta["compliance_rate"] is None and gamma["uphold_rate_average"] is None


class TestFormulaNeutralisation:
    DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]

    def test_text_cells_that_start_a_formula_get_an_apostrophe(self, client, year):
        for n, text in enumerate(self.DANGEROUS):
            council = CouncilFactory(name=f"Council {n}", official_name=text)
            _decisions(council, Outcome.UPHELD, 1)
        names = {row["council_name"] for row in _csv(client.get(URL.format("csv")))}
        assert names == {"'" + text for text in self.DANGEROUS}

        sheet = openpyxl.load_workbook(io.BytesIO(client.get(URL.format("xlsx")).content)).active
        cells = [row[1] for row in sheet.iter_rows(min_row=2)]
        # XML stores a carriage return as a line feed; it follows the apostrophe, so it is inert.
        values = {cell.value.replace("\n", "\r") for cell in cells}
        assert values == {"'" + text for text in self.DANGEROUS}
        assert {cell.data_type for cell in cells} == {"s"}  # text, never a formula

        # JSON is not a spreadsheet: the name as it is.
        assert {row["council_name"] for row in client.get(URL.format("json")).json()} == set(
            self.DANGEROUS
        )

    def test_decision_summaries_are_neutralised(self, client, year):
        council = CouncilFactory(slug="risky")
        DecisionFactory(council=council, summary="=1+2 was the fee", decided=D(2023, 9, 1))
        rows = _csv(client.get("/data/councils/risky/decisions.csv"))
        assert rows[0]["summary"] == "'=1+2 was the fee"


class TestCouncilFiles:
    DECISION_COLUMNS = [
        "reference",
        "year",
        "category",
        "received",
        "decided",
        "outcome",
        "outcome_group",
        "remedied_by_council",
        "public_report",
        "compliance",
        "compliance_date",
        "summary",
    ]

    @time_machine.travel(datetime.datetime(2024, 5, 15, 12, tzinfo=datetime.UTC), tick=False)
    def test_decisions_are_published_ones_in_public_years(self, client):
        ReportingYearFactory(label="2023-24", published_on=D(2024, 4, 15))
        ReportingYearFactory(label="2022-23", published_on=D(2023, 7, 1))
        council = CouncilFactory(slug="ashfield")
        other = CouncilFactory()
        DecisionFactory(
            council=council, reference="23 000 001", decided=D(2024, 1, 10),
            outcome=Outcome.UPHELD, remedied_by_council=True, public_report=True,
            compliance=Compliance.COMPLIED, compliance_date=D(2024, 2, 1), summary="Delay.",
        )  # fmt: skip
        # Its compliance was checked in 2024-25, a year not yet published: left out.
        DecisionFactory(
            council=council, reference="22 000 002", decided=D(2022, 6, 1),
            outcome=Outcome.UPHELD, compliance=Compliance.NOT_COMPLIED,
            compliance_date=D(2024, 4, 20),
        )  # fmt: skip
        DecisionFactory(council=council, reference="23 000 003", decided=D(2024, 3, 1))  # recent
        DecisionFactory(council=council, reference="21 000 004", decided=D(2021, 6, 1))  # 2021-22
        DecisionFactory(council=council, reference="23 000 005", decided=None, outcome="")
        DecisionFactory(council=other, reference="23 000 006", decided=D(2023, 6, 1))

        response = client.get("/data/councils/ashfield/decisions.csv")
        assert next(csv.reader(io.StringIO(response.content.decode()))) == self.DECISION_COLUMNS
        rows = _csv(response)
        assert rows == [
            {
                "reference": "23 000 001",
                "year": "2023-24",
                "category": "Housing",
                "received": "2023-11-11",
                "decided": "2024-01-10",
                "outcome": "Upheld",
                "outcome_group": "investigated",
                "remedied_by_council": "yes",
                "public_report": "yes",
                "compliance": "Complied",
                "compliance_date": "2024-02-01",
                "summary": "Delay.",
            },
            {
                "reference": "22 000 002",
                "year": "2022-23",
                "category": "Housing",
                "received": "2022-04-02",
                "decided": "2022-06-01",
                "outcome": "Upheld",
                "outcome_group": "investigated",
                "remedied_by_council": "no",
                "public_report": "no",
                "compliance": "",
                "compliance_date": "",
                "summary": "",
            },
        ]

    def test_council_statistics_cover_every_public_year(self, client, scenario):
        ReportingYearFactory(label="2022-23")
        ReportingYearFactory(label="2024-25", published_on=None)
        alpha = scenario[0]
        _decisions(alpha, Outcome.UPHELD, 2, decided=D(2022, 6, 1))
        _decisions(alpha, Outcome.UPHELD, 5, decided=D(2024, 6, 1))  # embargoed year
        rows = _csv(client.get(f"/data/councils/{alpha.slug}/statistics.csv"))
        assert [(row["year"], row["upheld"]) for row in rows] == [
            ("2022-23", "5"),
            ("2023-24", "3"),
        ]
        assert ",".join(list(rows[1].values())[2:]) == EXPECTED["Alpha DC"]

    def test_unknown_council_is_a_plain_404(self, client, year):
        for key in ("nowhere", "E07000000", "%00"):
            for name in ("statistics", "decisions"):
                response = client.get(f"/data/councils/{key}/{name}.csv")
                assert response.status_code == 404
                assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert b"nowhere" in client.get("/data/councils/nowhere/decisions.json").content


class TestEmbargo:
    @pytest.fixture
    def hidden(self, scenario):
        """2024-25 with a publication date still to come, and 2025-26 without one."""
        ReportingYearFactory(
            label="2024-25", published_on=timezone.localdate() + datetime.timedelta(1)
        )
        ReportingYearFactory(label="2025-26", published_on=None)
        _decisions(scenario[0], Outcome.UPHELD, 3, decided=D(2024, 6, 1))
        _decisions(scenario[0], Outcome.UPHELD, 3, decided=D(2025, 6, 1))
        return ["2024-25", "2025-26"]

    @pytest.fixture(params=["anonymous", "staff"])
    def visitor(self, request, client):
        if request.param == "staff":
            staff = get_user_model().objects.create_user("staff", is_staff=True)
            client.force_login(staff)
        return client

    def test_unpublished_years_do_not_exist(self, visitor, hidden, scenario):
        for label in hidden:
            for fmt in ("csv", "xlsx", "json"):
                for name in ("statistics", "categories"):
                    response = visitor.get(f"/data/{label}/{name}.{fmt}")
                    assert response.status_code == 404
                    assert response["Content-Type"] == "text/plain; charset=utf-8"
                    # Never cacheable by a CDN (staff answers are marked private).
                    assert "ETag" not in response
                    assert "public" not in response.get("Cache-Control", "")
        page = visitor.get("/data/").content.decode()
        assert "2023-24" in page and not any(label in page for label in hidden)
        for url in (
            f"/data/councils/{scenario[0].slug}/statistics.csv",
            f"/data/councils/{scenario[0].slug}/decisions.csv",
        ):
            content = visitor.get(url).content.decode()
            assert "2023-24" in content and not any(label in content for label in hidden)

    def test_malformed_year_is_a_plain_404(self, client, year):
        for label in ("2023-25", "23-24", "latest", "2023-24x"):
            response = client.get(f"/data/{label}/statistics.csv")
            assert (response.status_code, response["Content-Type"]) == (
                404,
                "text/plain; charset=utf-8",
            )
        assert client.get("/data/2023-24/statistics.pdf").status_code == 404


def test_categories_file_has_englands_figures_by_service(client, scenario):
    rows = _csv(client.get("/data/2023-24/categories.csv"))
    assert [row["category"] for row in rows][:2] == ["Adult care services", "Benefits and tax"]
    housing = next(row for row in rows if row["category"] == "Housing")
    # Every decided factory decision is Housing: Alpha 24 + 4 advice, Beta 10, Delta 2
    # investigations or decisions in 2023-24; upheld 3 + 9 + 2 = 14 of 36 -> 39%.
    assert (housing["decided"], housing["investigations"], housing["upheld"]) == ("40", "36", "14")
    assert housing["uphold_rate"] == "39"
    assert next(row for row in rows if row["category"] == "Other")["uphold_rate"] == ""


class TestDataPage:
    def test_lists_every_public_year_and_describes_every_column(self, client, year):
        ReportingYearFactory(label="2022-23", note="Our investigation process changed.")
        response = client.get("/data/")
        page = response.content.decode()
        for label in ("2023-24", "2022-23"):
            for fmt in ("csv", "xlsx", "json"):
                assert f'href="/data/{label}/statistics.{fmt}"' in page
        assert page.index("2023-24") < page.index("2022-23")  # newest first
        assert "Our investigation process changed." in page
        for column in SPEC_COLUMNS + TestCouncilFiles.DECISION_COLUMNS:
            assert f"<code>{column}</code>" in page
        assert response["Cache-Control"] == PUBLIC


class TestConditionalRequests:
    def test_repeat_request_is_304_without_computing(
        self, client, scenario, monkeypatch, django_assert_max_num_queries
    ):
        first = client.get(URL.format("csv"))
        etag = first["ETag"]
        assert etag and first["Cache-Control"] == PUBLIC

        def must_not_run(years):
            raise AssertionError("statistics computed for a conditional request")

        memo.clear()  # not even from the figures kept since the first request
        cache.clear()  # nor from the page store: the ETag alone answers
        monkeypatch.setattr("councils.memo.statistics_for_years", must_not_run)
        # Expected queries: the data version.
        with django_assert_max_num_queries(1):
            again = client.get(URL.format("csv"), HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert (again["ETag"], again["Cache-Control"]) == (etag, PUBLIC)

    def test_etag_changes_with_the_data_version_and_publication(self, client, year, scenario):
        etag = client.get(URL.format("csv"))["ETag"]
        dataversion.bump()
        after_import = client.get(URL.format("csv"), HTTP_IF_NONE_MATCH=etag)
        assert after_import.status_code == 200 and after_import["ETag"] != etag

        etag = after_import["ETag"]
        call_command("publish_year", "2024-25", stdout=io.StringIO())
        after_publication = client.get(URL.format("csv"), HTTP_IF_NONE_MATCH=etag)
        assert after_publication.status_code == 200 and after_publication["ETag"] != etag

        year.note = "Casework paused for three months."
        year.save()  # as the admin does: the save moves the data version
        assert client.get(URL.format("csv"))["ETag"] != after_publication["ETag"]

    def test_each_url_has_its_own_etag(self, client, scenario):
        etags = {client.get(URL.format(fmt))["ETag"] for fmt in ("csv", "xlsx", "json")}
        assert len(etags) == 3

    def test_decision_files_change_every_day(self, client, scenario):
        url = f"/data/councils/{scenario[0].slug}/decisions.csv"
        with time_machine.travel(datetime.datetime(2025, 1, 1, 12, tzinfo=datetime.UTC)):
            etag = client.get(url)["ETag"]
            assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        with time_machine.travel(datetime.datetime(2025, 1, 2, 12, tzinfo=datetime.UTC)):
            assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def _add_data(year, councils_per_type: int, decisions_each: int) -> None:
    for council_type in CouncilType.SLUGS:
        for _ in range(councils_per_type):
            council = CouncilFactory(type=council_type)
            PopulationFactory(council=council, year=year)
            Decision.objects.bulk_create(
                DecisionFactory.build(
                    council=council, outcome=Outcome.UPHELD if n % 3 else Outcome.NOT_UPHELD
                )
                for n in range(decisions_each)
            )


def test_query_ceilings_hold_at_ten_times_the_data(client, year, django_assert_max_num_queries):
    council = CouncilFactory(slug="measured")
    _decisions(council, Outcome.UPHELD, 3)
    ceilings = {
        # Each file first reads the data version for its page key, then:
        # public years; investigations, compliance, populations, councils
        URL.format("csv"): 6,
        URL.format("xlsx"): 6,
        URL.format("json"): 6,
        # public years, council; investigations, compliance, populations, councils
        "/data/councils/measured/statistics.csv": 7,
        # public years, council, decisions
        "/data/councils/measured/decisions.csv": 4,
        # public years; the demo banner (one query)
        "/data/": 3,
    }
    for scale in (1, 10):
        _add_data(year, councils_per_type=scale, decisions_each=3 * scale)
        Decision.objects.bulk_create(
            DecisionFactory.build(council=council) for _ in range(30 * scale)
        )
        for url, ceiling in ceilings.items():
            with django_assert_max_num_queries(ceiling):
                assert client.get(url).status_code == 200
    assert len(_csv(client.get(URL.format("csv")))) == 5 * 11 + 1
    assert len(_csv(client.get("/data/councils/measured/decisions.csv"))) == 3 + 30 + 300
