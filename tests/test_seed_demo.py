"""`seed_demo`: deterministic synthetic data that respects the rules and never touches real rows."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from councils.models import (
    Category,
    Council,
    CouncilType,
    Decision,
    Outcome,
    Population,
    Recommendation,
    RecommendationKind,
    ReportingYear,
)
from tests.factories import CouncilFactory, DecisionFactory, PopulationFactory, ReportingYearFactory

LABELS = ["2018-19", "2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25"]
FIRST_DAY = datetime.date(2018, 4, 1)
CUTOFF = datetime.date(2025, 3, 31)
MERGER = datetime.date(2021, 4, 1)


@pytest.fixture
def councils(db) -> dict[str, Council]:
    """One of each type, a county with its districts, and a district merged into a unitary.

    Fixed codes: each council's demo rows are drawn from a generator keyed on its code, so the
    factories' running numbers (which depend on the tests run before) would change them.
    """
    county = CouncilFactory(type=CouncilType.COUNTY, code="E10000801")
    former = CouncilFactory(
        type=CouncilType.DISTRICT, county=county, ceased_on=MERGER, code="E07000801"
    )
    successor = CouncilFactory(type=CouncilType.UNITARY, code="E06000801")
    former.successors.add(successor)
    return {
        "county": county,
        "district": CouncilFactory(type=CouncilType.DISTRICT, county=county, code="E07000802"),
        "other district": CouncilFactory(
            type=CouncilType.DISTRICT, county=county, code="E07000803"
        ),
        "former": former,
        "successor": successor,
        "unitary": CouncilFactory(type=CouncilType.UNITARY, code="E06000802"),
        "metropolitan": CouncilFactory(type=CouncilType.METROPOLITAN, code="E08000801"),
        "london": CouncilFactory(type=CouncilType.LONDON, code="E09000801"),
    }


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[dict, list, dict]:
    """Everything the seeder decides, keyed by natural keys rather than primary keys."""
    decisions = {
        d.reference: (
            d.council.code,
            d.category,
            d.received,
            d.decided,
            d.outcome,
            d.remedied_by_council,
            d.public_report,
            d.compliance,
            d.compliance_date,
            d.summary,
        )
        for d in Decision.objects.select_related("council")
    }
    recommendations = sorted(
        Recommendation.objects.values_list("decision__reference", "kind", "text", "due")
    )
    populations = dict(
        ((code, label), number)
        for code, label, number in Population.objects.values_list(
            "council__code", "year__label", "population"
        )
    )
    return decisions, recommendations, populations


def test_seeding_writes_demo_rows_that_follow_the_rules(councils):
    output = seed("--scale", "2")

    decisions = list(Decision.objects.select_related("council", "category"))
    assert len(decisions) > 1000
    assert all(d.demo and d.reference.startswith("DEMO-") and d.summary for d in decisions)
    assert "decisions" in output and "2024-25" in output

    years = ReportingYear.objects.order_by("start")
    assert [y.label for y in years] == LABELS
    assert all(y.demo and y.published_on == datetime.date(y.end.year, 7, 24) for y in years)

    decided = [d for d in decisions if d.decided]
    pending = [d for d in decisions if d.decided is None]
    assert pending and all(d.outcome == "" and d.received <= CUTOFF for d in pending)
    assert all(FIRST_DAY <= d.decided <= CUTOFF and d.received <= d.decided for d in decided)
    assert {d.outcome for d in decided} == set(Outcome.values)
    assert all(d.outcome == Outcome.UPHELD for d in decisions if d.remedied_by_council)
    assert any(d.remedied_by_council for d in decisions)
    complied = [d for d in decisions if d.compliance]
    assert complied and all(d.decided < d.compliance_date <= CUTOFF for d in complied)

    # Categories follow what each type of council does.
    by_type: dict[str, set[str]] = {}
    for d in decisions:
        by_type.setdefault(d.council.type_id, set()).add(d.category.name)
    assert Category.HOUSING not in by_type[CouncilType.COUNTY]
    assert not {Category.ADULT_CARE, Category.EDUCATION} & by_type[CouncilType.DISTRICT]

    # The merged district's complaints end with it; its successor takes over after.
    former, successor = councils["former"], councils["successor"]
    assert all(d.decided and d.decided < MERGER for d in decisions if d.council == former)
    assert all(
        d.decided is None or d.decided >= MERGER for d in decisions if d.council == successor
    )

    recommendations = list(Recommendation.objects.select_related("decision"))
    assert {r.kind for r in recommendations} == set(RecommendationKind.values)
    assert all(r.decision.outcome == Outcome.UPHELD for r in recommendations)
    assert all(r.due > r.decision.decided for r in recommendations)


def test_populations_follow_the_councils_that_existed(councils):
    seed("--scale", "0.2")
    populations = {
        (p.council_id, p.year.label): p.population
        for p in Population.objects.select_related("year")
    }
    assert all(p.demo for p in Population.objects.all())
    former, successor, county = councils["former"], councils["successor"], councils["county"]
    assert [label for pk, label in populations if pk == former.pk] == LABELS[:3]
    assert [label for pk, label in populations if pk == successor.pk] == LABELS[3:]
    # A county has its districts' residents; a merger's successor has its predecessor's.
    for label in LABELS:
        districts = [
            populations[district.pk, label]
            for district in (councils["district"], councils["other district"], former)
            if (district.pk, label) in populations
        ]
        assert populations[county.pk, label] == sum(districts)
    assert populations[successor.pk, "2021-22"] > populations[former.pk, "2020-21"]


def test_uphold_rate_rises_over_the_years(councils):
    seed("--scale", "4")
    rates = []
    for label in (LABELS[0], LABELS[-1]):
        year = ReportingYear.objects.get(label=label)
        investigated = Decision.objects.decided_in(year).investigated()
        rates.append(investigated.upheld().count() / investigated.count())
    assert rates[0] < 0.7 < 0.75 < rates[1]


def test_the_same_seed_gives_the_same_rows(councils):
    seed("--scale", "0.5")
    first = snapshot()
    seed("--scale", "0.5")  # re-seeding replaces the demo rows
    assert snapshot() == first
    seed("--clear")
    seed("--scale", "0.5")
    assert snapshot() == first
    seed("--scale", "0.5", "--seed", "7")
    assert snapshot()[0] != first[0]


def test_if_empty_adds_nothing_when_there_are_decisions(councils):
    DecisionFactory(council=councils["district"])
    output = seed("--if-empty")
    assert "already has decisions" in output
    assert Decision.objects.count() == 1
    assert not ReportingYear.objects.exists()
    assert not Population.objects.exists()


def test_if_empty_seeds_an_empty_database(councils):
    seed("--if-empty", "--scale", "0.2")
    assert Decision.objects.filter(demo=True).exists()


def test_clear_removes_demo_rows_and_leaves_real_ones(councils):
    real_year = ReportingYearFactory(label="2023-24", published_on=None)
    real_decision = DecisionFactory(council=councils["district"], decided=datetime.date(2022, 9, 1))
    seed("--scale", "0.5")
    real_year.refresh_from_db()
    assert not real_year.demo and real_year.published_on is None
    # A real population in a demo year keeps that year.
    kept_year = ReportingYear.objects.get(label="2019-20")
    Population.objects.filter(council=councils["london"], year=kept_year).delete()
    real_population = PopulationFactory(council=councils["london"], year=kept_year, population=1)

    output = seed("--clear")

    assert "Removed" in output
    assert list(Decision.objects.all()) == [real_decision]
    assert not Recommendation.objects.exists()
    assert list(Population.objects.all()) == [real_population]
    # 2022-23 holds the real decision, 2019-20 the real population, 2023-24 was never demo.
    assert sorted(ReportingYear.objects.values_list("label", flat=True)) == [
        "2019-20",
        "2022-23",
        "2023-24",
    ]
    real_year.refresh_from_db()
    assert not real_year.demo and real_year.published_on is None


def test_years_option_limits_the_years(councils):
    seed("--years", "2022-23:2023-24", "--scale", "0.5")
    assert list(ReportingYear.objects.values_list("label", flat=True)) == ["2022-23", "2023-24"]
    decided = Decision.objects.filter(decided__isnull=False)
    assert decided.exists()
    assert all(
        datetime.date(2022, 4, 1) <= day <= datetime.date(2024, 3, 31)
        for day in decided.values_list("decided", flat=True)
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--years", "2023-25"],
        ["--years", "2024-25:2023-24"],
        ["--years", "last year"],
        ["--scale", "0"],
    ],
)
def test_bad_options_are_refused(councils, args):
    with pytest.raises(CommandError):
        seed(*args)
    assert not Decision.objects.exists()


@pytest.mark.django_db
def test_without_councils_it_says_to_load_them_first():
    with pytest.raises(CommandError, match="load_councils"):
        seed()
    assert not ReportingYear.objects.exists()
