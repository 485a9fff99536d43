"""A county council's page lists the district councils in its area with their figures."""

import datetime

import pytest

from councils import dataversion
from councils.models import Compliance, CouncilType, Outcome
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory

D = datetime.date
SEPTEMBER_2023 = D(2023, 9, 1)


def _decisions(council, upheld, not_upheld, remedied=0, complied=0):
    for i in range(upheld + not_upheld):
        DecisionFactory(
            council=council,
            outcome=Outcome.UPHELD if i < upheld else Outcome.NOT_UPHELD,
            decided=SEPTEMBER_2023,
            remedied_by_council=i < remedied,
            compliance=Compliance.COMPLIED if i < complied else "",
            compliance_date=SEPTEMBER_2023 if i < complied else None,
        )


@pytest.fixture
def kent(db):
    ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24))
    county = CouncilFactory(
        type=CouncilType.COUNTY, name="Kent", official_name="Kent County Council", slug="kent"
    )
    ashford = CouncilFactory(
        type=CouncilType.DISTRICT, name="Ashford", official_name="Ashford Borough Council",
        slug="ashford", county=county,
    )  # fmt: skip
    CouncilFactory(
        type=CouncilType.DISTRICT, name="Dover", official_name="Dover District Council",
        slug="dover", county=county,
    )  # fmt: skip
    elsewhere = CouncilFactory(type=CouncilType.COUNTY, name="Surrey", slug="surrey")
    CouncilFactory(
        type=CouncilType.DISTRICT, name="Woking", official_name="Woking Borough Council",
        county=elsewhere,
    )  # fmt: skip
    _decisions(ashford, upheld=6, not_upheld=14, remedied=3, complied=4)
    return county


def _districts_table(client, url) -> str:
    page = client.get(url).content.decode()
    return page.split('id="districts-heading"', 1)[1].split("</table>", 1)[0]


@pytest.mark.django_db
def test_the_county_page_lists_its_districts_with_the_three_rates_and_their_bases(client, kent):
    table = _districts_table(client, "/councils/kent/")

    assert "Ashford Borough Council" in table and "Dover District Council" in table
    assert "Woking" not in table
    ashford = table.split("Ashford Borough Council", 1)[1].split("</tr>", 1)[0]
    assert '<span class="figure">30%</span> <span class="base muted">(base 20)' in ashford
    assert '<span class="figure greyed">100%</span> <span class="base muted">(base 4,' in ashford
    assert '<span class="figure">50%</span> <span class="base muted">(base 6,' in ashford
    dover = table.split("Dover District Council", 1)[1].split("</tr>", 1)[0]
    assert dover.count("no figure") == 3  # no complaints: listed, with no figure
    assert 'href="/councils/ashford/2023-24/"' in table


@pytest.mark.django_db
def test_a_former_district_is_listed_only_in_a_year_it_has_figures(client, kent):
    gone = CouncilFactory(
        type=CouncilType.DISTRICT, name="Shepway", official_name="Shepway District Council",
        county=kent, ceased_on=D(2025, 4, 1),
    )  # fmt: skip
    CouncilFactory(
        type=CouncilType.DISTRICT, name="Oldham Parva", official_name="Oldham Parva Council",
        county=kent, ceased_on=D(2025, 4, 1),
    )  # fmt: skip
    _decisions(gone, upheld=1, not_upheld=1)

    table = _districts_table(client, "/councils/kent/")
    assert "Shepway District Council" in table and "Oldham Parva" not in table


@pytest.mark.django_db
def test_only_county_pages_list_districts(client, kent):
    assert 'id="districts-heading"' not in client.get("/councils/ashford/").content.decode()


@pytest.mark.django_db
def test_county_page_query_ceiling_holds_at_ten_times_the_districts(
    client, django_assert_max_num_queries, kent
):
    def add_districts(count):
        for _ in range(count):
            _decisions(CouncilFactory(type=CouncilType.DISTRICT, county=kent), 3, 2, 1, 1)
        dataversion.bump()  # as every import does: the cached page is recomputed

    # The council page's 16 (test_council_page.py) and the county's districts.
    ceiling = 17
    add_districts(2)
    with django_assert_max_num_queries(ceiling):
        assert client.get("/councils/kent/").status_code == 200
    add_districts(20)
    with django_assert_max_num_queries(ceiling):
        assert client.get("/councils/kent/").status_code == 200
    assert _districts_table(client, "/councils/kent/").count("<tr>") == 1 + 24  # heading row
