"""The council page: the Ombudsman's sentences, bases, verdicts, lists and the embargo."""

import datetime

import pytest
from django.contrib.auth.models import User

from councils import dataversion
from councils.models import Compliance, CouncilType, Outcome, RecommendationKind
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    PopulationFactory,
    RecommendationFactory,
    ReportingYearFactory,
    investigations,
)

D = datetime.date


SEPTEMBER_2023 = D(2023, 9, 1)


@pytest.fixture
def year():
    return ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24))


@pytest.fixture
def ashfield(year):
    council = CouncilFactory(
        type=CouncilType.DISTRICT, name="Ashfield", official_name="Ashfield District Council",
        slug="ashfield", code="E07000170",
    )  # fmt: skip
    peer = CouncilFactory(type=CouncilType.DISTRICT, name="Peerton")
    investigations(council, upheld=76, not_upheld=18)  # 76/94 = 80.85% -> 81%
    investigations(peer, upheld=94, not_upheld=6)  # pooled (76+94)/(94+100) = 87.6% -> 88%
    PopulationFactory(council=council, year=year, population=130_000)
    return council


@pytest.mark.django_db
class TestCouncilPage:
    def test_ombudsman_sentences_with_base_and_period(self, client, ashfield):
        page = client.get("/councils/ashfield/").content.decode()
        assert "81% of complaints we investigated were upheld." in page
        assert "This compares to an average of 88% in similar authorities." in page
        assert (
            "Statistics are based on a total of 94 detailed investigations for the period "
            "between 1 April 2023 to 31 March 2024."
        ) in page
        # 76 upheld per 130,000 residents = 58.46 per 100,000 -> 58.5
        assert "We upheld 58.5 complaints per 100,000 residents." in page

    def test_zero_base_says_so_instead_of_zero_percent(self, client, ashfield):
        page = client.get("/councils/ashfield/").content.decode()
        assert "We recorded no compliance outcomes for this council in this period." in page
        assert "In 0% of cases we were satisfied" not in page  # no figure, not 0%
        assert "In 0% of upheld cases" in page  # 0 of 76 upheld is a real 0%

    def test_small_base_is_flagged(self, client, year):
        council = CouncilFactory(slug="tiny")
        investigations(council, upheld=3, not_upheld=3)
        page = client.get("/councils/tiny/2023-24/").content.decode()
        assert "based on fewer than 10 cases" in page

    def test_trend_table_covers_every_year_and_says_when_there_was_no_data(self, client, ashfield):
        ReportingYearFactory(label="2022-23")
        page = client.get("/councils/ashfield/").content.decode()
        trend = page.split('id="trend-heading"', 1)[1].split("<table", 1)[1].split("</table>")[0]
        assert trend.index("2022-23") < trend.index("2023-24")
        assert "no data" in trend.split("2023-24", 1)[0]  # 2022-23: nothing about Ashfield
        assert ">81%<" in trend and ">88%<" in trend  # 2023-24: the council and similar

    def test_gss_code_redirects_to_the_page(self, client, ashfield):
        response = client.get("/councils/E07000170/")
        assert response.status_code == 301
        assert response["Location"] == "/councils/ashfield/"
        assert (
            client.get("/councils/E07000170/2023-24/")["Location"] == "/councils/ashfield/2023-24/"
        )

    def test_unknown_council_and_year_are_404(self, client, ashfield):
        assert client.get("/councils/nowhere/").status_code == 404
        assert client.get("/councils/E07999999/").status_code == 404
        assert client.get("/councils/ashfield/2031-32/").status_code == 404

    def test_lists_public_reports_and_service_improvements(self, client, ashfield):
        report = DecisionFactory(
            council=ashfield, outcome=Outcome.UPHELD, public_report=True, decided=D(2023, 10, 2),
            summary="The council failed to assess a disabled child's needs.",
        )  # fmt: skip
        RecommendationFactory(
            decision=report, kind=RecommendationKind.SERVICE_IMPROVEMENT,
            text="Train staff on assessment deadlines.",
        )  # fmt: skip
        page = client.get("/councils/ashfield/").content.decode()
        assert "The council failed to assess a disabled child&#x27;s needs." in page
        assert "Train staff on assessment deadlines." in page

    def test_compliance_counts_in_the_year_of_its_date(self, client, ashfield, year):
        DecisionFactory(
            council=ashfield, outcome=Outcome.UPHELD, decided=D(2023, 2, 1),
            compliance=Compliance.COMPLIED, compliance_date=D(2023, 6, 1),
        )  # fmt: skip
        page = client.get("/councils/ashfield/2023-24/").content.decode()
        assert "In 100% of cases we were satisfied the council had successfully implemented" in page

    def test_former_council_says_what_replaced_it(self, client, year):
        successor = CouncilFactory(type=CouncilType.UNITARY, name="Newshire", slug="newshire")
        former = CouncilFactory(name="Oldshire", slug="oldshire", ceased_on=D(2023, 4, 1))
        former.successors.add(successor)
        page = client.get("/councils/oldshire/").content.decode()
        assert "This council no longer exists." in page
        assert 'href="/councils/newshire/"' in page


@pytest.mark.django_db
class TestEmbargo:
    def test_unpublished_year_is_invisible_to_the_public(self, client, ashfield):
        ReportingYearFactory(label="2024-25", published_on=D(2099, 7, 24))
        investigations(ashfield, upheld=1, not_upheld=0, decided=D(2024, 9, 1))
        assert client.get("/councils/ashfield/2024-25/").status_code == 404
        page = client.get("/councils/ashfield/").content.decode()
        assert "2024-25" not in page

    def test_staff_preview_with_a_banner(self, client, ashfield):
        ReportingYearFactory(label="2024-25", published_on=None)
        client.force_login(User.objects.create_user("staff", is_staff=True))
        response = client.get("/councils/ashfield/2024-25/")
        assert response.status_code == 200
        assert "Not yet published." in response.content.decode()


@pytest.mark.django_db
def test_council_page_query_ceiling_holds_at_ten_times_the_data(
    client, django_assert_max_num_queries, year
):
    council = CouncilFactory(slug="subject")

    def add_data(councils, decisions_each):
        for _ in range(councils):
            other = CouncilFactory()
            PopulationFactory(council=other, year=year)
            investigations(other, upheld=decisions_each, not_upheld=1)
        for _ in range(decisions_each):
            report = DecisionFactory(council=council, outcome=Outcome.UPHELD, public_report=True)
            RecommendationFactory(decision=report, kind=RecommendationKind.SERVICE_IMPROVEMENT)
        dataversion.bump()  # as every import does: the cached page is recomputed

    # Expected: session/user none; council (+successors, predecessors prefetch), visible years,
    # statistics for every year (3), counts (2), public reports, service improvements,
    # published decisions, letters; the demo-banner check.
    ceiling = 15
    add_data(councils=2, decisions_each=2)
    with django_assert_max_num_queries(ceiling):
        assert client.get("/councils/subject/").status_code == 200
    add_data(councils=20, decisions_each=20)
    with django_assert_max_num_queries(ceiling):
        assert client.get("/councils/subject/").status_code == 200
