"""Pages that must not mislead: former councils, postcodes outside England, the wording of
verdicts, synthetic populations and near-miss searches (issue 13)."""

import datetime

import pytest

from councils import dataversion
from councils.geography import lookup
from councils.models import CouncilType, Outcome, Population
from councils.pages.wording import sentences
from councils.statistics import Figures, Rate, Statistic, Verdict, verdict
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory

D = datetime.date


def _investigations(council, upheld, not_upheld, decided):
    for outcome, count in ((Outcome.UPHELD, upheld), (Outcome.NOT_UPHELD, not_upheld)):
        for _ in range(count):
            DecisionFactory(council=council, outcome=outcome, decided=decided)


@pytest.fixture
def allerdale(db):
    """Abolished on 1 April 2023, succeeded by Cumberland; three later years are public."""
    for label in ("2021-22", "2022-23", "2023-24", "2024-25"):
        ReportingYearFactory(label=label, published_on=D(int(label[:4]) + 1, 7, 24))
    cumberland = CouncilFactory(
        type=CouncilType.UNITARY, name="Cumberland", official_name="Cumberland Council",
        slug="cumberland",
    )  # fmt: skip
    former = CouncilFactory(
        name="Allerdale", official_name="Allerdale Borough Council", slug="allerdale",
        ceased_on=D(2023, 4, 1),
    )  # fmt: skip
    former.successors.add(cumberland)
    _investigations(former, 3, 5, decided=D(2022, 10, 1))
    return former


@pytest.mark.django_db
class TestFormerCouncil:
    def test_opens_on_its_last_year_and_says_who_succeeded_it(self, client, allerdale):
        page = client.get("/councils/allerdale/").content.decode()
        assert "1 April 2022 to 31 March 2023" in page
        assert "We did not complete any detailed investigations" not in page
        assert "abolished on 1 April 2023" in page
        assert 'href="/councils/cumberland/">Cumberland Council</a>' in page

    def test_offers_no_year_after_it_was_abolished(self, client, allerdale):
        page = client.get("/councils/allerdale/").content.decode()
        assert 'value="2021-22"' in page and 'value="2022-23"' in page
        assert "2023-24" not in page and "2024-25" not in page
        assert client.get("/councils/allerdale/2024-25/").status_code == 404
        assert client.get("/councils/allerdale/", {"year": "2023-24"}).status_code == 404

    def test_the_year_selector_still_goes_to_earlier_years(self, client, allerdale):
        response = client.get("/councils/allerdale/", {"year": "2021-22"})
        assert response.status_code == 302
        assert response["Location"] == "/councils/allerdale/2021-22/"


@pytest.mark.parametrize(
    "postcode, country, ombudsman",
    [
        ("CF10 1EP", "Wales", "Public Services Ombudsman for Wales"),
        ("LL11 1AA", "Wales", "Public Services Ombudsman for Wales"),
        ("EH1 1YZ", "Scotland", "Scottish Public Services Ombudsman"),
        ("DG1 1AA", "Scotland", "Scottish Public Services Ombudsman"),
        ("BT1 5GS", "Northern Ireland", "Northern Ireland Public Services Ombudsman"),
        ("IM1 1AD", "the Isle of Man", "not covered"),
        ("JE2 4WE", "the Channel Islands", "not covered"),
        ("GY1 1AA", "the Channel Islands", "not covered"),
    ],
)
@pytest.mark.django_db
def test_postcode_outside_england_names_the_ombudsman(client, postcode, country, ombudsman):
    page = client.get("/search/", {"q": postcode}).content.decode()
    assert f"{postcode} is in {country}, outside England." in page
    assert ombudsman in page


@pytest.mark.parametrize(
    "postcode, country",
    [("CF99 9ZZ", "Wales"), ("G99 9ZZ", "Scotland"), ("BT99 9ZZ", "Northern Ireland")],
)
def test_postcode_missing_from_the_directory_falls_back_on_its_area(postcode, country):
    assert lookup.country_outside_england(postcode, None) == country


@pytest.mark.parametrize("postcode", ["SY1 1AA", "TD15 1AA", "NG17 8DA", "GU1 1AA", "ZZ99 9ZZ"])
def test_english_or_border_postcodes_are_not_placed_outside_england_by_area(postcode):
    assert lookup.country_outside_england(postcode, None) is None


@pytest.mark.parametrize("base", [4, 10, 100])
@pytest.mark.parametrize("upheld_share", [0, 0.5, 1])
@pytest.mark.parametrize("average", [(0, 10), (5, 10), (10, 10)])
def test_no_wording_says_similar_to_similar_authorities(base, upheld_share, average):
    own = Figures(uphold=Rate(int(base * upheld_share), base))
    similar = Figures(uphold=Rate(*average))
    said = sentences(Statistic.UPHOLD, own, similar, "1 April 2023 to 31 March 2024")
    found = verdict(own.uphold, similar.uphold)
    texts = [said.headline, said.comparison, said.basis, found.sentence if found else ""]
    texts += [v.sentence for v in Verdict]
    assert not any("similar to similar" in text.lower() for text in texts)


@pytest.mark.django_db
def test_pages_say_demo_populations_are_synthetic(client):
    year = ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24))
    Population.objects.create(council=CouncilFactory(), year=year, population=63_891, demo=True)
    dataversion.bump()
    methodology = client.get("/methodology/").content.decode()
    assert "populations are synthetic" in methodology
    home = client.get("/").content.decode()
    assert "figures and populations on this site are synthetic" in home


@pytest.mark.django_db
def test_methodology_credits_ons_populations_when_they_are_real(client):
    assert "synthetic" not in client.get("/methodology/").content.decode()


@pytest.mark.django_db
class TestNearMissSearch:
    @pytest.fixture(autouse=True)
    def councils(self, db):
        for name, official, slug in (
            ("Ashfield", "Ashfield District Council", "ashfield"),
            ("Ashford", "Ashford Borough Council", "ashford"),
            ("St Albans", "St Albans City and District Council", "st-albans"),
            ("St Helens", "St Helens Borough Council", "st-helens"),
        ):
            CouncilFactory(name=name, official_name=official, slug=slug)

    def test_a_misspelt_name_suggests_the_council(self, client):
        page = client.get("/search/", {"q": "Ashfeld"}).content.decode()
        assert "Did you mean" in page and 'href="/councils/ashfield/"' in page
        assert "No council matches" not in page

    @pytest.mark.parametrize("query", ["Saint Albans", "st. albans", "ashfield district"])
    def test_a_single_match_goes_straight_to_the_council(self, client, query):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 302
        assert response["Location"] in ("/councils/st-albans/", "/councils/ashfield/")

    def test_several_matches_are_listed(self, client):
        page = client.get("/search/", {"q": "ash"}).content.decode()
        assert 'href="/councils/ashfield/"' in page and 'href="/councils/ashford/"' in page

    def test_nothing_close_says_so(self, client):
        page = client.get("/search/", {"q": "Zzyzx"}).content.decode()
        assert "No council matches “Zzyzx”." in page and "Did you mean" not in page
