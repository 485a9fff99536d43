"""Home table, compare, year in review, methodology, search and sitemap."""

import datetime
import json

import pytest
from django.contrib.auth.models import User

from councils.models import CouncilType
from tests.factories import (
    CouncilFactory,
    PopulationFactory,
    ReportingYearFactory,
    investigations,
    kent_barnet_camden,
)
from tests.sitemap import whole_sitemap

D = datetime.date


SEPTEMBER_2023 = D(2023, 9, 1)


@pytest.fixture
def data():
    year = ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24))
    hidden = ReportingYearFactory(label="2024-25", published_on=None)
    kent, barnet, camden = kent_barnet_camden()
    investigations(kent, 3, 21)  # 12.5% -> 13%
    investigations(barnet, 9, 1)  # 90%
    investigations(camden, 2, 2)  # base 4: greyed, no verdict
    investigations(barnet, 5, 0, decided=D(2024, 9, 1))  # in the unpublished year
    PopulationFactory(council=kent, year=year, population=1_600_000)
    return {"year": year, "hidden": hidden, "kent": kent, "barnet": barnet, "camden": camden}


@pytest.mark.django_db
class TestHome:
    def test_table_lists_every_council_with_published_figures(self, client, data):
        page = client.get("/").content.decode()
        assert "Kent County Council" in page and "London Borough of Barnet" in page
        assert ">13%<" in page and ">90%<" in page
        assert "Using these figures responsibly" in page
        assert 'id="map-data"' in page

    def test_former_councils_with_figures_that_year_are_listed(self, client, data):
        former = CouncilFactory(name="Oldshire", official_name="Oldshire District Council")
        former.ceased_on = D(2024, 4, 1)
        former.save()
        investigations(former, 1, 1)
        assert "Oldshire District Council" in client.get("/").content.decode()

    def test_map_data_gives_each_council_a_short_label_kept_under_a_type_filter(self, client, data):
        def labels(url):
            page = client.get(url).content.decode()
            island = page.split('<script id="map-data" type="application/json">', 1)[1]
            councils = json.loads(island.split("</script>", 1)[0])["councils"]
            return {c["code"]: c["short"] for c in councils}

        every, london = labels("/"), labels("/?type=london")
        assert len(set(every.values())) == len(every) == 3
        assert london == {code: every[code] for code in london} and len(london) == 2

    def test_unpublished_year_is_not_offered_or_shown(self, client, data):
        page = client.get("/").content.decode()
        assert "2024-25" not in page
        assert client.get("/?year=2024-25").status_code == 404

    def test_staff_can_preview_an_unpublished_year(self, client, data):
        client.force_login(User.objects.create_user("staff", is_staff=True))
        page = client.get("/?year=2024-25").content.decode()
        assert "Not yet published." in page
        assert ">100%<" in page  # Barnet 5 of 5 in 2024-25

    def test_sorting_by_figure_keeps_state_in_the_url(self, client, data):
        page = client.get("/?statistic=uphold_rate&sort=figure&order=desc").content.decode()
        assert page.index("London Borough of Barnet") < page.index("Kent County Council")
        assert 'aria-sort="descending"' in page

    def test_unknown_statistic_falls_back_to_uphold_rate(self, client, data):
        assert client.get("/?statistic=bogus").status_code == 200

    def test_no_published_year_says_so(self, client, db):
        assert "No figures have been published yet." in client.get("/").content.decode()


@pytest.mark.django_db
class TestCompare:
    def test_every_council_of_the_type_with_intervals_and_verdicts(self, client, data):
        page = client.get("/compare/london/2023-24/?council=barnet").content.decode()
        assert "London Borough of Barnet" in page and "London Borough of Camden" in page
        assert "Kent County Council" not in page
        # Pooled London average (9 + 2) / (10 + 4) = 78.6% -> 79%
        assert "<strong>79%</strong>" in page
        assert 'aria-current="true"' in page
        assert "Using these figures responsibly" in page

    def test_no_numbered_ranks(self, client, data):
        page = client.get("/compare/london/2023-24/").content.decode()
        assert "Rank" not in page and "<ol" not in page.split("<main", 1)[1]

    @pytest.mark.parametrize("url", ["/compare/parish/2023-24/", "/compare/london/2024-25/"])
    def test_unknown_type_or_unpublished_year_is_404(self, client, data, url):
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_year_in_review(client, data):
    page = client.get("/years/2023-24/").content.decode()
    # England pools every council: (3 + 9 + 2) / (24 + 10 + 4) = 36.8% -> 37%
    assert "37%" in page
    assert "Highest and lowest figures" in page
    assert "Housing" in page
    assert client.get("/years/2024-25/").status_code == 404


@pytest.mark.django_db
def test_methodology_explains_pooling_and_rounding(client):
    page = client.get("/methodology/").content.decode()
    assert "pooled" in page and "12.5%" in page and "Wilson" in page


@pytest.mark.django_db
class TestSearch:
    def test_by_name_is_tolerant_of_case_and_council_words(self, client, data):
        for query in ("kent", "KENT county council", "Kent Council"):
            assert client.get("/search/", {"q": query})["Location"] == "/councils/kent/", query

    def test_by_name_with_borough_words(self, client, data):
        response = client.get("/search/", {"q": "london borough of barnet"})
        assert response["Location"] == "/councils/barnet/"
        page = client.get("/search/", {"q": "london borough"}).content.decode()
        assert 'href="/councils/barnet/"' in page and 'href="/councils/camden/"' in page

    def test_by_postcode_finds_district_and_county(self, client, db):
        notts = CouncilFactory(type=CouncilType.COUNTY, name="Nottinghamshire", slug="notts")
        CouncilFactory(code="E07000170", name="Ashfield", slug="ashfield", county=notts)
        page = client.get("/search/", {"q": "ng17 8da"}).content.decode()
        assert 'href="/councils/ashfield/"' in page and 'href="/councils/notts/"' in page

    @pytest.mark.parametrize(
        "query, message",
        [
            ("ZZ99 9ZZ", "We could not find the postcode ZZ99 9ZZ"),
            ("NG17", "is not a full postcode"),
        ],
    )
    def test_unknown_or_partial_postcode_gets_a_clear_message(self, client, db, query, message):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200
        assert message in response.content.decode()


@pytest.mark.django_db
def test_sitemap_lists_public_pages_of_published_years_only(client, data):
    body = whole_sitemap(client)
    assert "/councils/kent/" in body and "/compare/london/2023-24/" in body
    assert "/councils/kent/2023-24/" in body and "/years/2023-24/" in body
    for page in ("/", "/methodology/", "/data/", "/api/"):
        assert f"<loc>http://testserver{page}</loc>" in body
    assert "2024-25" not in body


@pytest.mark.django_db
class TestMapGeometry:
    def test_serves_built_files_with_long_caching(self, client, settings, tmp_path):
        settings.GEOGRAPHY_DIR = tmp_path
        (tmp_path / "lower_tier.geojson").write_text('{"type": "FeatureCollection"}')
        response = client.get("/map/lower_tier.geojson")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/geo+json"
        assert "max-age=86400" in response["Cache-Control"]
        compressed = client.get("/map/lower_tier.geojson", HTTP_ACCEPT_ENCODING="gzip")
        assert compressed["Content-Encoding"] == "gzip"

    def test_missing_or_unknown_files_are_404(self, client, settings, tmp_path):
        settings.GEOGRAPHY_DIR = tmp_path
        assert client.get("/map/hexes.json").status_code == 404
        assert client.get("/map/..%2Fsecret").status_code == 404


def _add_councils_with_data(year, per_type, decisions_each):
    for council_type in CouncilType.SLUGS:
        for _ in range(per_type):
            council = CouncilFactory(type=council_type)
            PopulationFactory(council=council, year=year)
            investigations(council, decisions_each, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, ceiling",
    [
        # Each page first reads the data version for its page key, then:
        # visible years, statistics (3), current councils, council types, demo banner
        ("/", 8),
        # council types, visible years, statistics (3), demo banner
        ("/compare/district/2023-24/", 7),
        # visible years, statistics (3), categories (2), revisions, council types, demo banner
        ("/years/2023-24/", 10),
        ("/methodology/", 3),  # council types, demo banner
        # The index counts each section's items: public years (years section), public years
        # and council slugs (councils section), published letters.
        ("/sitemap.xml", 5),
        ("/sitemap-councils.xml", 3),  # public years, council slugs
        ("/sitemap-letters.xml", 3),  # published letters, counted and then read
    ],
)
def test_page_query_ceilings_hold_at_ten_times_the_data(
    client, django_assert_max_num_queries, data, url, ceiling
):
    _add_councils_with_data(data["year"], per_type=1, decisions_each=2)
    with django_assert_max_num_queries(ceiling):
        assert client.get(url).status_code == 200
    _add_councils_with_data(data["year"], per_type=10, decisions_each=20)
    with django_assert_max_num_queries(ceiling):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, ceiling",
    [
        # Each first reads the data version for its page key, then:
        # the name search; the demo banner
        ("london borough", 3),
        # a near miss: no name matches, then every name, then the close ones; the demo banner
        ("Ashfeld", 5),
        # the council for the postcode (with its county); the demo banner
        ("NG17 8DA", 3),
    ],
)
def test_search_query_ceiling_holds_at_ten_times_the_data(
    client, django_assert_max_num_queries, data, query, ceiling
):
    CouncilFactory(code="E07000170", name="Ashfield", slug="ashfield", county=data["kent"])
    _add_councils_with_data(data["year"], per_type=1, decisions_each=2)
    with django_assert_max_num_queries(ceiling):
        assert client.get("/search/", {"q": query}).status_code == 200
    _add_councils_with_data(data["year"], per_type=10, decisions_each=20)
    with django_assert_max_num_queries(ceiling):
        assert client.get("/search/", {"q": query}).status_code == 200
