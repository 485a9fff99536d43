"""Atom feeds: a council's (decisions as they become public, public interest reports, service
improvements, letters) and the site's (publications, revisions); every visibility rule holds."""

import datetime
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.contrib.auth.models import User

from councils import dataversion
from councils.models import Decision, Outcome, RecommendationKind
from councils.models.decisions import _three_months_before
from letters import rendering
from letters.generation import generate_letters
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    LetterTemplateFactory,
    RecommendationFactory,
    ReportingYearFactory,
    RevisionFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
ATOM = "{http://www.w3.org/2005/Atom}"
ONE_DAY = datetime.timedelta(days=1)


def at(day: datetime.date):
    """Midday on `day`, frozen."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 12), tick=False)


def entries(client, url: str) -> dict[str, dict]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return {
        entry.find(f"{ATOM}title").text: {
            "id": entry.find(f"{ATOM}id").text,
            "published": entry.find(f"{ATOM}published").text[:10],
            "link": entry.find(f"{ATOM}link").get("href"),
        }
        for entry in feed.iter(f"{ATOM}entry")
    }


@pytest.fixture
def fake_pdf(monkeypatch):
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n" + html.encode())


@pytest.fixture
def ashdale():
    """2023-24 published on 1 May 2024 (early, so some of its decisions are not public yet);
    2024-25 not published."""
    ReportingYearFactory(label="2023-24", published_on=D(2024, 5, 1))
    ReportingYearFactory(label="2024-25", published_on=None)
    council = CouncilFactory(name="Ashdale", official_name="Ashdale District Council")
    report = DecisionFactory(
        council=council, reference="24 000 001", outcome=Outcome.UPHELD,
        decided=D(2024, 1, 15), public_report=True, summary="Mr X waited a year.",
    )  # fmt: skip
    RecommendationFactory(
        decision=report, kind=RecommendationKind.SERVICE_IMPROVEMENT, text="Train its staff."
    )
    RecommendationFactory(decision=report, kind=RecommendationKind.REMEDY, text="Pay £100.")
    DecisionFactory(council=council, reference="24 000 002", decided=D(2024, 3, 20))
    DecisionFactory(council=council, reference="24 000 003", decided=D(2024, 6, 3))  # 2024-25
    return council


def test_council_feed_has_public_decisions_reports_and_improvements(client, ashdale):
    with at(D(2024, 5, 10)):
        feed = entries(client, f"/feeds/councils/{ashdale.slug}.atom")
    report = feed["Public interest report 24 000 001: Upheld (Housing)"]
    # Public three months after 15 January, but its year only from 1 May.
    assert report["published"] == "2024-05-01"
    assert report["link"].endswith(f"/councils/{ashdale.slug}/2023-24/")
    assert report["id"] == "tag:localhost,2024:decision/24 000 001"
    assert "Service improvement agreed by Ashdale District Council (24 000 001)" in feed
    assert len(feed) == 2  # not the remedy, not the decisions still within three months


def test_a_decision_appears_on_the_day_it_becomes_public(client, ashdale):
    title = "Decision 24 000 002: Not upheld (Housing)"
    with at(D(2024, 6, 19)):
        assert title not in entries(client, f"/feeds/councils/{ashdale.slug}.atom")
    with at(D(2024, 6, 20)):
        assert entries(client, f"/feeds/councils/{ashdale.slug}.atom")[title]["published"] == (
            "2024-06-20"
        )


def test_decisions_of_an_unpublished_year_never_appear(client, ashdale):
    with at(D(2025, 1, 10)):  # 24 000 003 is seven months old, but 2024-25 is not public
        feed = entries(client, f"/feeds/councils/{ashdale.slug}.atom")
    assert not [title for title in feed if "24 000 003" in title]
    assert "Decision 24 000 002: Not upheld (Housing)" in feed


def test_the_letter_appears_on_its_publication_day_never_under_embargo(client, ashdale, fake_pdf):
    with at(D(2024, 5, 10)):
        template = LetterTemplateFactory(
            year__label="2023-24", publication_date=D(2024, 5, 20), letter_date=D(2024, 5, 13)
        )
        generate_letters(template)
        client.force_login(
            User.objects.create_user("staff", is_staff=True)
        )  # even staff get the public feed: readers do not sign in
        assert "Annual review letter 2023-24" not in entries(
            client, f"/feeds/councils/{ashdale.slug}.atom"
        )
    with at(D(2024, 5, 20)):
        letter = entries(client, f"/feeds/councils/{ashdale.slug}.atom")[
            "Annual review letter 2023-24"
        ]
    assert letter["published"] == "2024-05-20"
    assert letter["link"].endswith(f"/letters/{ashdale.slug}/2023-24/")


def test_site_feed_has_publications_and_revisions_of_public_years_only(client, ashdale):
    RevisionFactory(
        year__label="2023-24", revised_on=D(2024, 9, 2), councils=[ashdale],
        reason="A decision was recorded twice.",
    )  # fmt: skip
    RevisionFactory(year__label="2024-25", revised_on=D(2024, 9, 3), reason="Hidden.")
    with at(D(2024, 9, 10)):
        feed = entries(client, "/feeds/site.atom")
    assert feed["Council complaint figures for 2023-24 published"]["published"] == "2024-05-01"
    revision = feed["2023-24 figures revised on 2 September 2024"]
    assert revision["link"].endswith("/years/2023-24/#revisions-heading")
    assert not [title for title in feed if "2024-25" in title]


def test_an_unknown_council_has_no_feed(client, ashdale):
    assert client.get("/feeds/councils/nowhere.atom").status_code == 404


def test_feeds_are_cached_like_pages(client, ashdale):
    url = f"/feeds/councils/{ashdale.slug}.atom"
    with at(D(2024, 5, 10)):
        assert client.get(url)["X-Page-Cache"] == "miss"
        assert client.get(url)["X-Page-Cache"] == "hit"
        Decision.objects.filter(reference="24 000 001").update(summary="Changed.")
        dataversion.bump()  # as every write path does
        assert client.get(url)["X-Page-Cache"] == "miss"


def test_pages_link_their_feeds(client, ashdale):
    with at(D(2024, 5, 10)):
        council_page = client.get(f"/councils/{ashdale.slug}/").content.decode()
        methodology = client.get("/methodology/").content.decode()
    council_feed = (
        '<link rel="alternate" type="application/atom+xml" title="Ashdale District Council: '
        f'decisions, reports and letters" href="/feeds/councils/{ashdale.slug}.atom">'
    )
    assert council_feed in council_page
    site_feed = 'type="application/atom+xml" title="Your council&#x27;s performance: publications'
    assert site_feed in council_page and site_feed in methodology


@pytest.mark.parametrize(
    "url, ceiling",
    [
        # data version (page cache), council, public years, decisions, service improvements,
        # letters
        ("/feeds/councils/ashdale.atom", 6),
        # data version (page cache), public years, revisions, their councils
        ("/feeds/site.atom", 4),
    ],
)
def test_feed_query_ceilings_hold_at_ten_times_the_data(
    client, django_assert_max_num_queries, ashdale, fake_pdf, url, ceiling
):
    def add_data(count):
        for _ in range(count):
            decision = DecisionFactory(
                council=ashdale, outcome=Outcome.UPHELD, decided=D(2023, 6, 1), public_report=True
            )
            RecommendationFactory(decision=decision, kind=RecommendationKind.SERVICE_IMPROVEMENT)
            RevisionFactory(year__label="2023-24", councils=[ashdale, CouncilFactory()])
        dataversion.bump()

    with at(D(2024, 9, 10)):
        generate_letters(LetterTemplateFactory(year__label="2023-24"))
        add_data(3)
        with django_assert_max_num_queries(ceiling):
            assert client.get(url).status_code == 200
        add_data(30)
        with django_assert_max_num_queries(ceiling):
            assert client.get(url).status_code == 200


def test_public_from_is_the_first_day_published_includes_the_decision():
    """Every day of a leap year and the next: the feed's date agrees with the delay rule."""
    day = D(2023, 3, 1)
    while day < D(2025, 3, 1):
        first = Decision(decided=day).public_from
        assert _three_months_before(first) >= day > _three_months_before(first - ONE_DAY), day
        day += ONE_DAY
