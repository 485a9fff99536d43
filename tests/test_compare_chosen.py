"""Compare the councils someone chooses: /compare/?councils=...&year=..."""

import datetime
import re

import pytest
from django.contrib.auth.models import User

from councils import dataversion
from councils.models import CouncilType
from tests.factories import (
    CouncilFactory,
    PopulationFactory,
    ReportingYearFactory,
    investigations,
    kent_barnet_camden,
)

D = datetime.date


SEPTEMBER_2023 = D(2023, 9, 1)


@pytest.fixture
def data():
    year = ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24))
    older = ReportingYearFactory(label="2022-23", published_on=D(2023, 7, 24))
    hidden = ReportingYearFactory(label="2024-25", published_on=None)
    kent, barnet, camden = kent_barnet_camden()
    investigations(kent, 3, 21)  # 12.5% -> 13%
    investigations(barnet, 9, 1)  # 90%; London average with Camden: 11 of 14 = 79%
    investigations(camden, 2, 2)  # base 4: too few to compare
    investigations(kent, 1, 1, decided=D(2022, 9, 1))  # 2022-23: 50%
    investigations(barnet, 5, 0, decided=D(2024, 9, 1))  # in the unpublished year
    PopulationFactory(council=kent, year=year, population=1_600_000)
    return {"year": year, "older": older, "hidden": hidden, "kent": kent, "barnet": barnet}


def _row(html: str, name: str) -> str:
    start = html.index(name)
    return html[html.rindex("<tr>", 0, start) : html.index("</tr>", start)]


def _cells(row: str) -> list[str]:
    """Each cell's text, tags dropped and spaces collapsed."""
    cells = re.split(r"<t[hd][^>]*>", row)[1:]
    return [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in cells]


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


@pytest.mark.django_db
class TestCompareChosen:
    def test_each_council_against_the_average_of_its_own_type(self, client, data):
        page = client.get(
            "/compare/", {"councils": ["kent", "barnet"], "year": "2023-24"}
        ).content.decode()
        uphold = _section(page, "chosen-uphold_rate")
        kent, barnet = _row(uphold, "Kent County Council"), _row(uphold, "London Borough of Barnet")
        assert _cells(kent)[1:] == [
            "County council",
            "13% (base 24)",
            "4% to 31%",  # Wilson 95% for 3 of 24
            "13%",
            "Similar to the average for similar authorities",
        ]
        # Barnet against the London boroughs' pooled 11 of 14 (79%), not the county's 13%.
        assert _cells(barnet)[2] == "90% (base 10)" and _cells(barnet)[4] == "79%"
        assert uphold.index("Kent County Council") < uphold.index("London Borough of Barnet")

    def test_small_numbers_are_flagged_and_get_no_verdict(self, client, data):
        page = client.get("/compare/?councils=camden&councils=kent&year=2023-24").content.decode()
        uphold = _section(page, "chosen-uphold_rate")
        camden = _cells(_row(uphold, "London Borough of Camden"))
        assert camden[2] == "50% (base 4, too few to compare)"
        assert camden[5] == "No comparison"
        assert "Likely range (95%)" in uphold

    def test_over_the_years_for_every_visible_year_only(self, client, data):
        page = client.get("/compare/?councils=kent&councils=barnet&year=2023-24").content.decode()
        uphold = _section(page, "chosen-uphold_rate")
        assert "2022-23" in uphold and "50%" in uphold
        assert "2024-25" not in page  # unpublished: neither offered nor shown
        assert "100%" not in uphold  # Barnet's 5 of 5 in 2024-25

    def test_per_100k_has_its_base_the_population(self, client, data):
        page = client.get("/compare/?councils=kent&councils=barnet").content.decode()
        per_100k = _section(page, "chosen-upheld_per_100k")
        assert "0.2" in per_100k and "population 1,600,000" in per_100k

    def test_names_are_found_and_the_url_becomes_the_slugs(self, client, data):
        response = client.get(
            "/compare/", {"councils": ["kent county council", "Barnet"], "year": "2023-24"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/compare/?councils=kent&councils=barnet&year=2023-24"

    def test_duplicates_are_dropped(self, client, data):
        response = client.get("/compare/?councils=kent&councils=Kent&councils=barnet")
        assert response["Location"] == "/compare/?councils=kent&councils=barnet"

    def test_unknown_name_is_said_and_the_form_keeps_what_was_typed(self, client, data):
        response = client.get("/compare/?councils=kent&councils=Nowhereshire")
        page = response.content.decode()
        assert response.status_code == 200
        assert "We could not find a council called “Nowhereshire”" in page
        assert 'value="Nowhereshire"' in page and 'value="Kent County Council"' in page
        assert 'id="chosen-uphold_rate"' not in page

    def test_one_council_is_the_start_of_a_choice_not_an_error(self, client, data):
        page = client.get("/compare/?councils=kent&year=2023-24").content.decode()
        assert 'value="Kent County Council"' in page
        assert 'role="alert"' not in page
        assert 'id="chosen-uphold_rate"' not in page

    def test_at_most_five_are_compared(self, client, data):
        slugs = [CouncilFactory(type=CouncilType.DISTRICT).slug for _ in range(6)]
        page = client.get("/compare/", {"councils": slugs}).content.decode()
        assert "Choose at most 5 councils" in page
        year_table = _section(page, "chosen-uphold_rate").split("</table>")[0]
        assert year_table.count('scope="row"><a') == 5

    def test_form_works_without_javascript_and_suggests_every_name(self, client, data):
        page = client.get("/compare/").content.decode()
        assert '<form class="selectors compare-form" method="get" action="/compare/">' in page
        assert page.count('name="councils"') == 5
        assert '<option value="London Borough of Camden">' in page
        assert "<script" not in page

    def test_no_ranks(self, client, data):
        page = client.get("/compare/?councils=kent&councils=barnet").content.decode()
        assert "Rank" not in page and "rank" not in page.replace("Frank", "")
        assert "Using these figures responsibly" in page

    def test_unpublished_year_is_404_for_the_public_and_a_preview_for_staff(self, client, data):
        url = "/compare/?councils=kent&councils=barnet&year=2024-25"
        assert client.get(url).status_code == 404
        client.force_login(User.objects.create_user("staff", is_staff=True))
        response = client.get(url)
        assert response.status_code == 200
        assert "Not yet published." in response.content.decode()
        assert "no-store" in response["Cache-Control"]

    def test_linked_from_every_council_page(self, client, data):
        page = client.get("/councils/kent/").content.decode()
        assert 'href="/compare/?councils=kent&amp;year=2023-24">Compare with…' in page


@pytest.mark.django_db
def test_query_ceiling_holds_at_ten_times_the_data(client, django_assert_max_num_queries, data):
    def add_data(per_type, decisions_each):
        for council_type in CouncilType.SLUGS:
            for _ in range(per_type):
                council = CouncilFactory(type=council_type)
                PopulationFactory(council=council, year=data["year"])
                investigations(council, decisions_each, 1)
        dataversion.bump()

    url = "/compare/?councils=kent&councils=barnet&councils=camden&year=2023-24"
    # Visible years, the councils asked for, council names (suggestions), statistics for
    # every visible year (4), demo banner (data version, demo rows).
    ceiling = 9
    add_data(per_type=1, decisions_each=2)
    with django_assert_max_num_queries(ceiling):
        assert client.get(url).status_code == 200
    add_data(per_type=10, decisions_each=20)
    with django_assert_max_num_queries(ceiling):
        assert client.get(url).status_code == 200
