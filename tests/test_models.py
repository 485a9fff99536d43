"""Integrity lives in the database: constraints reject bad rows whatever writes them."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from councils.models import (
    Compliance,
    Council,
    CouncilType,
    Outcome,
    Population,
    ReportingYear,
    parse_year_label,
)
from tests.factories import CouncilFactory, DecisionFactory, PopulationFactory, ReportingYearFactory

D = datetime.date

pytestmark = pytest.mark.django_db


def rejected(create) -> bool:
    """True when the database refuses the row (each attempt in its own savepoint)."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


class TestDecisionConstraints:
    def test_a_valid_decision_is_accepted(self):
        assert not rejected(lambda: DecisionFactory())

    def test_reference_is_unique(self):
        DecisionFactory(reference="23 001 234")
        assert rejected(lambda: DecisionFactory(reference="23 001 234"))

    def test_decided_not_before_received(self):
        assert rejected(lambda: DecisionFactory(received=D(2023, 9, 2), decided=D(2023, 9, 1)))
        assert not rejected(lambda: DecisionFactory(received=D(2023, 9, 1), decided=D(2023, 9, 1)))

    def test_decided_and_outcome_go_together(self):
        assert rejected(lambda: DecisionFactory(decided=None, outcome=Outcome.UPHELD))
        assert rejected(lambda: DecisionFactory(decided=D(2023, 9, 1), outcome=""))
        assert not rejected(lambda: DecisionFactory(decided=None, outcome=""))

    def test_compliance_outcome_and_date_go_together(self):
        upheld = {"outcome": Outcome.UPHELD}
        assert rejected(lambda: DecisionFactory(compliance=Compliance.COMPLIED, **upheld))
        assert rejected(lambda: DecisionFactory(compliance_date=D(2023, 12, 1), **upheld))
        assert not rejected(
            lambda: DecisionFactory(
                compliance=Compliance.COMPLIED, compliance_date=D(2023, 12, 1), **upheld
            )
        )

    def test_remedy_by_the_council_only_on_upheld_decisions(self):
        assert rejected(
            lambda: DecisionFactory(outcome=Outcome.NOT_UPHELD, remedied_by_council=True)
        )
        assert not rejected(
            lambda: DecisionFactory(outcome=Outcome.UPHELD, remedied_by_council=True)
        )

    # An unknown category is a foreign key to no row: tests/test_types_categories.py.
    @pytest.mark.parametrize("field, value", [("outcome", "Partly upheld"), ("compliance", "Yes")])
    def test_values_outside_the_choices(self, field, value):
        extra = {"compliance_date": D(2023, 12, 1)} if field == "compliance" else {}
        assert rejected(lambda: DecisionFactory(**{field: value}, **extra))


class TestPopulationConstraints:
    def test_one_population_per_council_and_year(self):
        population = PopulationFactory()
        assert rejected(
            lambda: Population.objects.create(
                council=population.council, year=population.year, population=5
            )
        )

    @pytest.mark.parametrize("value", [0, -10])
    def test_population_is_positive(self, value):
        assert rejected(lambda: PopulationFactory(population=value))


class TestCouncilAndYearConstraints:
    def test_council_code_and_type(self):
        assert rejected(lambda: CouncilFactory(code="W06000001", type=CouncilType.UNITARY))
        assert rejected(lambda: CouncilFactory(type="parish", code="E07999990"))

    def test_only_districts_sit_in_a_county(self):
        county = CouncilFactory(type=CouncilType.COUNTY)
        assert rejected(lambda: CouncilFactory(type=CouncilType.UNITARY, county=county))
        assert not rejected(lambda: CouncilFactory(type=CouncilType.DISTRICT, county=county))

    def test_year_label_and_dates(self):
        assert rejected(
            lambda: ReportingYear.objects.create(
                label="2023/24", start=D(2023, 4, 1), end=D(2024, 3, 31)
            )
        )
        assert rejected(
            lambda: ReportingYear.objects.create(
                label="2023-24", start=D(2023, 4, 1), end=D(2023, 4, 1)
            )
        )
        assert not rejected(lambda: ReportingYearFactory(label="2023-24"))

    def test_previous_codes_find_the_council(self):
        sheffield = CouncilFactory(code="E08000039", name="Sheffield")
        sheffield.previous_codes.create(code="E08000019")
        assert list(Council.objects.with_code("e08000019")) == [sheffield]
        assert list(Council.objects.with_code("E08000039")) == [sheffield]


@pytest.mark.parametrize(
    "label, start", [("2023-24", 2023), ("1999-00", 1999), (" 2019-20 ", 2019)]
)
def test_year_labels(label, start):
    assert parse_year_label(label) == start


@pytest.mark.parametrize("label", ["2023-25", "2023/24", "23-24", "2023-2024", ""])
def test_bad_year_labels(label):
    with pytest.raises(ValueError):
        parse_year_label(label)
