"""The embeddable council card (/embed/...), its framing policy, and link previews."""

import datetime
import re

import pytest
from django.contrib.auth.models import User

from councils import dataversion
from councils.models import CouncilType, Outcome
from tests.factories import CouncilFactory, DecisionFactory, PopulationFactory, ReportingYearFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def ashdale(ashdale):
    """The conftest's Ashdale (3 of 4 upheld in 2023-24, 7 of 8 in embargoed 2024-25) and a
    second district (1 of 4), so the districts' average is 4 of 8 = 50%."""
    other = CouncilFactory(type=CouncilType.DISTRICT)
    for outcome in [Outcome.UPHELD] + [Outcome.NOT_UPHELD] * 3:
        DecisionFactory(council=other, outcome=outcome, decided=D(2023, 9, 1))
    return ashdale


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" )", ")")


class TestEmbedCard:
    def test_three_statistics_with_bases_averages_and_a_link_back(self, client, ashdale):
        response = client.get("/embed/councils/ashdale/")
        page = response.content.decode()
        text = _text(page)
        assert "Complaints upheld 75% (base 4, too few to compare) Similar authorities: 50%" in text
        assert "Compliance with recommendations no figure Similar authorities: no figure" in text
        assert "Satisfactory remedy provided by the council" in text
        assert 'href="/councils/ashdale/2023-24/" target="_blank" rel="noopener"' in page
        assert "<script" not in page and "<form" not in page

    def test_only_public_figures_even_for_staff(self, client, ashdale):
        client.force_login(User.objects.create_user("staff", is_staff=True))
        page = client.get("/embed/councils/ashdale/").content.decode()
        assert "2023-24" in page and "88%" not in page  # not the embargoed 2024-25
        assert client.get("/embed/councils/ashdale/2024-25/").status_code == 404
        assert client.get("/embed/councils/ashdale/2023-24/").status_code == 200

    def test_may_be_framed_by_any_site_and_sets_no_cookie(self, client, ashdale):
        response = client.get("/embed/councils/ashdale/")
        assert "frame-ancestors *" in response["Content-Security-Policy"]
        assert "X-Frame-Options" not in response
        assert not response.cookies and "Set-Cookie" not in response

    def test_signed_in_visitor_gets_no_cookie_either(self, client, ashdale):
        client.force_login(User.objects.create_user("someone"))
        response = client.get("/embed/councils/ashdale/")
        assert not response.cookies

    def test_every_other_page_may_not_be_framed(self, client, ashdale):
        for url in ("/councils/ashdale/", "/compare/", "/", "/feeds/site.atom"):
            response = client.get(url)
            assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url
            assert response["X-Frame-Options"] == "DENY", url

    def test_cached_like_pages(self, client, ashdale):
        assert client.get("/embed/councils/ashdale/")["X-Page-Cache"] == "miss"
        hit = client.get("/embed/councils/ashdale/")
        assert hit["X-Page-Cache"] == "hit"
        assert "frame-ancestors *" in hit["Content-Security-Policy"]  # the policy survives

    def test_council_page_has_the_code_to_copy(self, client, ashdale):
        page = client.get("/councils/ashdale/").content.decode()
        assert '<h3 id="embed-heading">Embed this</h3>' in page
        assert (
            '&lt;iframe src="http://testserver/embed/councils/ashdale/" title="Ashdale District '
            "Council: complaint figures" in page
        )

    def test_no_published_year_no_card(self, client, db):
        ReportingYearFactory(label="2024-25", published_on=None)
        CouncilFactory(slug="lonely")
        assert client.get("/embed/councils/lonely/").status_code == 404

    def test_query_ceiling_holds_at_ten_times_the_data(
        self, client, django_assert_max_num_queries, ashdale, years
    ):
        def add_data(councils, decisions_each):
            for _ in range(councils):
                council = CouncilFactory(type=CouncilType.DISTRICT)
                PopulationFactory(council=council, year=years[0])
                for _ in range(decisions_each):
                    DecisionFactory(council=council, outcome=Outcome.UPHELD)
            dataversion.bump()

        # data version (page cache), council, public years, statistics (3), demo banner
        ceiling = 7
        add_data(councils=2, decisions_each=2)
        with django_assert_max_num_queries(ceiling):
            assert client.get("/embed/councils/ashdale/").status_code == 200
        add_data(councils=20, decisions_each=20)
        with django_assert_max_num_queries(ceiling):
            assert client.get("/embed/councils/ashdale/").status_code == 200


class TestLinkPreviews:
    def test_council_page_shares_the_council_and_its_headline_figure(self, client, ashdale):
        page = client.get("/councils/ashdale/").content.decode()
        description = (
            "Ashdale District Council, 2023-24: 75% of complaints we investigated were upheld. "
            "This compares to an average of 50% in similar authorities. Statistics are based on "
            "a total of 4 detailed investigations for the period between 1 April 2023 to "
            "31 March 2024."
        )
        assert f'<meta name="description" content="{description}">' in page
        assert f'<meta property="og:description" content="{description}">' in page
        assert f'<meta name="twitter:description" content="{description}">' in page
        title = "Ashdale District Council: complaints in 2023-24"
        assert f"<title>{title} \u2013 Local Government" in page
        assert f'<meta property="og:title" content="{title}">' in page
        assert '<meta property="og:url" content="http://testserver/councils/ashdale/">' in page
        assert '<meta name="twitter:card" content="summary">' in page

    def test_the_query_string_never_reaches_the_shared_url(self, client, ashdale):
        page = client.get("/councils/ashdale/?utm_source=x").content.decode()
        assert '<meta property="og:url" content="http://testserver/councils/ashdale/">' in page

    @pytest.mark.parametrize(
        "url",
        ["/", "/methodology/", "/compare/district/2023-24/", "/years/2023-24/", "/data/",
         "/compare/?councils=ashdale", "/search/?q=york", "/letters/"],
    )  # fmt: skip
    def test_every_public_page_has_a_title_description_and_preview(self, client, ashdale, url):
        page = client.get(url).content.decode()
        tags = dict(
            re.findall(r'<meta (?:property|name)="((?:og|twitter):\w+)" content="([^"]*)"', page)
        )
        assert tags["og:title"] and tags["og:title"] == tags["twitter:title"]
        assert tags["og:description"] and tags["og:description"] == tags["twitter:description"]
        assert re.search(r"<title>[^<]+</title>", page)
