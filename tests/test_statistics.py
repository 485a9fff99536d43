"""Statistics against hand-computed expectations (SPEC "The statistics")."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from councils.models import Category, Compliance, CouncilType, Decision, Outcome
from councils.statistics import (
    Figures,
    PerResidents,
    PublishedFigure,
    Rate,
    Statistic,
    Verdict,
    council_year_counts,
    round_half_up,
    statistics_for_years,
    trend_points,
    verdict,
    year_counts,
    year_statistics,
)
from tests.factories import CouncilFactory, DecisionFactory, PopulationFactory, ReportingYearFactory

D = datetime.date


class TestRounding:
    @pytest.mark.parametrize(
        "numerator, base, percent",
        [
            (3, 24, 13),  # 12.5% rounds half up, not to even
            (1, 8, 13),  # 12.5% again
            (5, 8, 63),  # 62.5%
            (1, 40, 3),  # 2.5%: banker's rounding would give 2
            (1, 3, 33),
            (2, 3, 67),
            (0, 7, 0),
            (7, 7, 100),
        ],
    )
    def test_percent_rounds_half_up(self, numerator, base, percent):
        assert Rate(numerator, base).percent == percent

    def test_zero_base_gives_no_figure(self):
        rate = Rate(0, 0)
        assert (rate.value, rate.percent, rate.interval, rate.interval_percent) == (
            None,
            None,
            None,
            None,
        )
        assert PerResidents(0, 0).rounded is None

    @pytest.mark.parametrize(
        "upheld, population, expected",
        [
            (1, 400_000, Decimal("0.3")),  # 0.25: float round() gives 0.2
            (3, 2_000_000, Decimal("0.2")),  # 0.15: float round() gives 0.1
            (3, 1_200_000, Decimal("0.3")),  # 0.25
            (12, 1_300_000, Decimal("0.9")),  # 0.923...
            (94, 100_000, Decimal("94.0")),
        ],
    )
    def test_per_100k_rounds_half_up_to_one_decimal(self, upheld, population, expected):
        assert PerResidents(upheld, population).rounded == expected

    def test_round_half_up_refuses_negative_values(self):
        with pytest.raises(ValueError):
            round_half_up(Fraction(-1, 2))

    def test_rate_rejects_numerator_above_base(self):
        with pytest.raises(ValueError):
            Rate(5, 4)


class TestPublishedFigure:
    """The one published value and display of a figure, for pages, open data and letters."""

    def test_a_rate_is_a_whole_percentage_half_up(self):
        shown = PublishedFigure(Rate(3, 24))
        assert (shown.value, shown.display, shown.interval) == (13, "13%", (4, 31))
        assert (shown.base, shown.small_base, shown.greyed) == (24, False, False)

    def test_per_100k_has_one_decimal_place_and_no_unit(self):
        shown = PublishedFigure(PerResidents(1, 400_000))
        assert (shown.value, shown.display) == (Decimal("0.3"), "0.3")  # 0.25 half up
        assert shown.base == 400_000

    def test_zero_base_is_no_figure(self):
        for figure in (Rate(0, 0), PerResidents(0, 0)):
            shown = PublishedFigure(figure)
            assert (shown.value, shown.display, shown.interval) == (None, "no figure", None)

    def test_small_bases_are_flagged_and_tiny_ones_greyed(self):
        nine, four = PublishedFigure(Rate(1, 9)), PublishedFigure(Rate(1, 4))
        assert nine.small_base and not nine.greyed
        assert four.small_base and four.greyed


class TestIntervalsAndVerdicts:
    def test_wilson_interval_for_3_of_24(self):
        # p = 0.125, n = 24, z = 1.96: centre 0.17674, half-width 0.13330 (worked by hand).
        interval = Rate(3, 24).interval
        assert float(interval.low) == pytest.approx(0.04344, abs=5e-5)
        assert float(interval.high) == pytest.approx(0.31004, abs=5e-5)
        assert Rate(3, 24).interval_percent == (4, 31)

    def test_wilson_interval_stays_inside_0_and_1(self):
        assert Rate(0, 3).interval.low == 0
        assert Rate(3, 3).interval.high == 1
        assert float(Rate(3, 3).interval.low) == pytest.approx(0.43850, abs=5e-5)

    def test_poisson_interval_for_per_100k(self):
        # Byar: 3 events -> 0.6030 to 8.7673 events; per 100,000 of 100,000 residents the same.
        interval = PerResidents(3, 100_000).interval
        assert float(interval.low) == pytest.approx(0.6030, abs=5e-4)
        assert float(interval.high) == pytest.approx(8.7673, abs=5e-3)

    def test_verdict_only_when_interval_clears_the_average(self):
        assert verdict(Rate(3, 24), Rate(34, 40)) is Verdict.LOWER  # 4%-31% vs 85%
        assert verdict(Rate(9, 10), Rate(12, 34)) is Verdict.HIGHER  # 60%-98% vs 35%
        assert verdict(Rate(5, 10), Rate(12, 34)) is Verdict.SIMILAR  # 24%-76% vs 35%

    def test_no_verdict_on_a_base_under_five_or_without_an_average(self):
        assert verdict(Rate(4, 4), Rate(1, 100)) is None
        assert verdict(Rate(9, 10), Rate(0, 0)) is None


@pytest.fixture
def year():
    return ReportingYearFactory(label="2023-24")


SEPTEMBER_2023 = D(2023, 9, 1)


def _decisions(council, outcome, count, decided=SEPTEMBER_2023, **extra):
    for _ in range(count):
        DecisionFactory(council=council, outcome=outcome, decided=decided, **extra)


@pytest.fixture
def scenario(year):
    """Two districts with populations, one without, one unitary with a population only."""
    a = CouncilFactory(type=CouncilType.DISTRICT, name="Alpha")
    b = CouncilFactory(type=CouncilType.DISTRICT, name="Beta")
    d = CouncilFactory(type=CouncilType.DISTRICT, name="Delta")
    c = CouncilFactory(type=CouncilType.UNITARY, name="Gamma")
    # Alpha: 3 of 24 upheld (12.5% -> 13%), one remedied by the council.
    _decisions(a, Outcome.UPHELD, 1, remedied_by_council=True)
    _decisions(a, Outcome.UPHELD, 2)
    _decisions(a, Outcome.NOT_UPHELD, 21)
    # Not investigations, or outside the year: never counted in the rates.
    _decisions(a, Outcome.ADVICE_GIVEN, 5)
    _decisions(a, Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES, 4)
    _decisions(a, Outcome.UPHELD, 2, decided=D(2023, 3, 31))
    _decisions(a, Outcome.UPHELD, 1, decided=D(2024, 4, 1))
    DecisionFactory(council=a, decided=None, outcome="", received=D(2024, 1, 5))
    # Compliance counts in the year of its compliance date, not of the decision.
    _decisions(
        a, Outcome.UPHELD, 1, decided=D(2022, 12, 1), compliance=Compliance.COMPLIED,
        compliance_date=D(2023, 5, 1),
    )  # fmt: skip
    _decisions(
        a, Outcome.UPHELD, 1, decided=D(2022, 12, 2), compliance=Compliance.COMPLIED_LATE,
        compliance_date=D(2023, 8, 1),
    )  # fmt: skip
    _decisions(
        a, Outcome.UPHELD, 1, decided=D(2023, 1, 3), compliance=Compliance.NOT_COMPLIED,
        compliance_date=D(2024, 1, 1),
    )  # fmt: skip
    _decisions(
        a, Outcome.UPHELD, 1, decided=D(2023, 2, 4), compliance=Compliance.COMPLIED,
        compliance_date=D(2024, 5, 1),
    )  # fmt: skip
    PopulationFactory(council=a, year=year, population=1_200_000)
    # Beta: 9 of 10 upheld.
    _decisions(b, Outcome.UPHELD, 9)
    _decisions(b, Outcome.NOT_UPHELD, 1)
    PopulationFactory(council=b, year=year, population=100_000)
    # Delta: 2 of 2 upheld, no population.
    _decisions(d, Outcome.UPHELD, 2)
    # Gamma: a population and nothing else.
    PopulationFactory(council=c, year=year, population=250_000)
    return a, b, c, d


@pytest.mark.django_db
class TestYearStatistics:
    def test_council_figures(self, year, scenario):
        a, b, _, _ = scenario
        stats = year_statistics(year)
        alpha = stats.for_council(a.pk).figures
        assert (alpha.uphold.numerator, alpha.uphold.base, alpha.uphold.percent) == (3, 24, 13)
        assert (alpha.remedy.numerator, alpha.remedy.base, alpha.remedy.percent) == (1, 3, 33)
        # Complied (May 2023) + complied late (Aug 2023) of three outcomes dated in 2023-24.
        assert (alpha.compliance.numerator, alpha.compliance.base) == (2, 3)
        assert alpha.compliance.percent == 67
        assert alpha.per_100k.rounded == Decimal("0.3")  # 3 per 1.2m = 0.25 per 100k
        beta = stats.for_council(b.pk).figures
        assert (beta.uphold.percent, beta.per_100k.rounded) == (90, Decimal("9.0"))
        assert beta.compliance.percent is None  # no compliance outcomes: no figure, not 0%

    def test_population_only_council_has_no_rates_but_a_per_100k_of_zero(self, year, scenario):
        gamma = year_statistics(year).for_council(scenario[2].pk).figures
        assert gamma.uphold.percent is None
        assert gamma.per_100k.rounded == Decimal("0.0")

    def test_council_without_population_has_no_per_100k(self, year, scenario):
        delta = year_statistics(year).for_council(scenario[3].pk).figures
        assert delta.uphold.percent == 100
        assert delta.per_100k.rounded is None

    def test_similar_authority_average_is_pooled_not_a_mean_of_rates(self, year, scenario):
        stats = year_statistics(year)
        district = stats.by_type[CouncilType.DISTRICT]
        # (3 + 9 + 2) / (24 + 10 + 2) = 38.9% -> 39%; the mean of 12.5%, 90%, 100% would be 68%.
        assert (district.uphold.numerator, district.uphold.base, district.uphold.percent) == (
            14,
            36,
            39,
        )
        # Per-100k pools only councils with a population: (3 + 9) / 1.3m = 0.923 -> 0.9.
        assert district.per_100k.rounded == Decimal("0.9")
        assert stats.for_council(scenario[0].pk).similar == district

    def test_national_figures_pool_every_council(self, year, scenario):
        national = year_statistics(year).national
        assert (national.uphold.numerator, national.uphold.base) == (14, 36)
        # 12 upheld over 1,550,000 residents = 0.774 -> 0.8
        assert national.per_100k.rounded == Decimal("0.8")

    def test_verdicts_against_the_type_average(self, year, scenario):
        stats = year_statistics(year)
        assert stats.for_council(scenario[0].pk).verdict(Statistic.UPHOLD) is Verdict.LOWER
        assert stats.for_council(scenario[1].pk).verdict(Statistic.UPHOLD) is Verdict.HIGHER
        assert stats.for_council(scenario[3].pk).verdict(Statistic.UPHOLD) is None  # base 2

    def test_a_year_with_no_data_is_empty_not_an_error(self, year):
        stats = year_statistics(year)
        assert stats.councils == {}
        assert stats.national == Figures()
        assert stats.national.uphold.percent is None


@pytest.mark.django_db
def test_whole_year_uses_three_queries_at_any_volume(django_assert_num_queries, year):
    def add(councils_per_type, decisions_each):
        for council_type in CouncilType.SLUGS:
            for _ in range(councils_per_type):
                council = CouncilFactory(type=council_type)
                PopulationFactory(council=council, year=year)
                Decision.objects.bulk_create(
                    DecisionFactory.build(council=council, outcome=Outcome.UPHELD)
                    for _ in range(decisions_each)
                )

    add(councils_per_type=1, decisions_each=3)
    # Expected queries: decision tallies, populations, councils.
    with django_assert_num_queries(3):
        small = year_statistics(year)
    add(councils_per_type=9, decisions_each=30)  # 10x the councils, more decisions each
    with django_assert_num_queries(3):
        large = year_statistics(year)
    assert (len(small.councils), len(large.councils)) == (5, 50)


@pytest.mark.django_db
def test_trend_covers_every_year_in_three_queries(django_assert_num_queries):
    years = [ReportingYearFactory(label=label) for label in ("2021-22", "2022-23", "2023-24")]
    council = CouncilFactory(type=CouncilType.LONDON)
    peer = CouncilFactory(type=CouncilType.LONDON)
    _decisions(council, Outcome.UPHELD, 1, decided=D(2021, 6, 1))
    _decisions(council, Outcome.NOT_UPHELD, 3, decided=D(2021, 6, 1))
    _decisions(peer, Outcome.UPHELD, 4, decided=D(2021, 6, 1))
    _decisions(peer, Outcome.UPHELD, 2, decided=D(2023, 6, 1))
    # Expected queries: decision tallies, populations, councils.
    with django_assert_num_queries(3):
        trend = trend_points(council, statistics_for_years(years))
    assert [point.year.label for point in trend] == ["2021-22", "2022-23", "2023-24"]
    assert trend[0].figures.uphold.percent == 25
    assert (trend[0].similar.uphold.numerator, trend[0].similar.uphold.base) == (5, 8)
    assert trend[1].figures is None and trend[1].similar.uphold.percent is None
    assert trend[2].figures is None and trend[2].similar.uphold.percent == 100


@pytest.mark.django_db
def test_statistics_for_non_consecutive_years_keep_them_apart():
    years = [ReportingYearFactory(label="2019-20"), ReportingYearFactory(label="2023-24")]
    council = CouncilFactory()
    _decisions(council, Outcome.UPHELD, 1, decided=D(2020, 3, 31))
    _decisions(council, Outcome.UPHELD, 1, decided=D(2021, 6, 1))  # in neither year
    _decisions(council, Outcome.NOT_UPHELD, 1, decided=D(2023, 4, 1))
    stats = statistics_for_years(years)
    assert stats["2019-20"].national.uphold == Rate(1, 1)
    assert stats["2023-24"].national.uphold == Rate(0, 1)


@pytest.mark.django_db
def test_council_year_counts(django_assert_num_queries, year, scenario):
    alpha = scenario[0]
    DecisionFactory(council=alpha, category="Adult care services", received=D(2023, 4, 1))
    # Expected queries: received by category, decided by outcome.
    with django_assert_num_queries(2):
        counts = council_year_counts(alpha, year)
    assert counts.decided_by_outcome["Upheld"] == 3
    assert counts.decided_by_outcome["Not upheld"] == 21 + 1
    assert counts.decided_by_outcome["Advice given"] == 5
    assert counts.decided_by_outcome["Incomplete/Invalid"] == 0
    assert counts.decided_by_group == {
        "investigated": 25,
        "assessed and closed": 4,
        "not for us": 5,
    }
    assert counts.decided == 34
    assert counts.received_by_category["Adult care services"] == 1
    # Received 60 days before the decision unless given: the 33 decided in September 2023, the one
    # decided 1 April 2024, the undecided one (January 2024) and the adult care one.
    assert counts.received == 36
    assert next(iter(counts.received_by_category)) == "Adult care services"


@pytest.mark.django_db
def test_year_counts_of_every_council_at_once(django_assert_num_queries, year, scenario):
    """What each letter of a year lists: the same counts as each council's page."""
    alpha, beta, gamma, delta = scenario
    retired = Category.objects.create(
        name="Retired service", first_year="2013-14", last_year="2019-20"
    )
    DecisionFactory(
        council=beta, category=retired, received=D(2023, 6, 1), decided=None, outcome=""
    )
    nothing = CouncilFactory(type=CouncilType.DISTRICT)
    # Expected queries: the decisions grouped by council, category and outcome; the categories.
    with django_assert_num_queries(2):
        counts = year_counts(year)
    # Alpha: the 33 decided in September 2023 (received 60 days before); received also the one
    # decided on 1 April 2024 and the undecided one.
    assert counts[alpha.pk].decided == 33 and counts[alpha.pk].received == 35
    # Beta: 9 upheld and 1 not, received 60 days before September 2023; one retired-category
    # complaint received in the year and not yet decided.
    assert counts[beta.pk].decided_by_outcome["Upheld"] == 9
    assert counts[beta.pk].decided_by_outcome["Not upheld"] == 1
    assert counts[beta.pk].decided == 10 and counts[beta.pk].received == 11
    assert counts[beta.pk].received_by_category["Retired service"] == 1
    # A category outside its years is listed only for the council with complaints in it.
    assert "Retired service" not in counts[delta.pk].received_by_category
    assert counts[delta.pk].received_by_category[Category.HOUSING] == 2
    # Gamma (a population only) and a council with nothing: every category of the year and
    # every outcome, all 0.
    for council in (gamma, nothing):
        empty = counts[council.pk]
        assert empty.received == empty.decided == 0
        assert list(empty.decided_by_outcome) == list(Outcome.values)
        assert len(empty.received_by_category) == Category.objects.count() - 1
    assert counts[beta.pk] == council_year_counts(beta, year)
