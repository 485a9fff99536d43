"""The decision tallies (councils.models.tallies): the database keeps them right however a
decision is written, and the statistics read them.

Each test writes decisions one way and compares every tally with the counts worked out here,
row by row in Python, from the decisions as they now are.
"""

import datetime
from collections import Counter

import pytest
from django.db import connection

from councils.imports.resources import DecisionResource
from councils.models import Compliance, Decision, DecisionTally, Outcome
from councils.models.tallies import COUNTS, rebuild_statements
from tests.factories import CouncilFactory, DecisionFactory
from tests.test_import_rows import decision, import_rows

pytestmark = pytest.mark.django_db
D = datetime.date


def financial_year(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def counted_afresh() -> dict[tuple[int, int], dict[str, int]]:
    """{(council id, year start): COUNTS}, from every decision, for tallies that count anything."""
    found: dict[tuple[int, int], Counter] = {}
    for d in Decision.objects.all():
        if d.decided and d.outcome in (Outcome.UPHELD, Outcome.NOT_UPHELD):
            counts = found.setdefault((d.council_id, financial_year(d.decided)), Counter())
            counts["investigated"] += 1
            counts["upheld"] += d.outcome == Outcome.UPHELD
            counts["remedied"] += d.remedied_by_council
        if d.compliance:
            counts = found.setdefault((d.council_id, financial_year(d.compliance_date)), Counter())
            counts["compliance_outcomes"] += 1
            counts["complied"] += d.compliance != Compliance.NOT_COMPLIED
    return {key: {name: counts[name] for name in COUNTS} for key, counts in found.items()}


def tallies() -> dict[tuple[int, int], dict[str, int]]:
    """The tallies the database kept, leaving out those that count nothing (what was taken back)."""
    return {
        (t.council_id, t.year_start): {name: getattr(t, name) for name in COUNTS}
        for t in DecisionTally.objects.all()
        if any(getattr(t, name) for name in COUNTS)
    }


@pytest.fixture
def councils():
    return CouncilFactory(), CouncilFactory()


@pytest.fixture
def decided(councils):
    """Decisions either side of the years' boundaries, with every kind of outcome."""
    one, two = councils
    return [
        DecisionFactory(council=one, decided=D(2024, 3, 31), outcome=Outcome.UPHELD),
        DecisionFactory(
            council=one,
            decided=D(2024, 4, 1),
            outcome=Outcome.UPHELD,
            remedied_by_council=True,
            compliance=Compliance.COMPLIED_LATE,
            compliance_date=D(2025, 3, 31),
        ),
        DecisionFactory(council=one, decided=D(2024, 4, 2), outcome=Outcome.NOT_UPHELD),
        DecisionFactory(council=two, decided=D(2024, 1, 15), outcome=Outcome.ADVICE_GIVEN),
        DecisionFactory(
            council=two,
            decided=D(2023, 4, 1),
            outcome=Outcome.UPHELD,
            compliance=Compliance.NOT_COMPLIED,
            compliance_date=D(2025, 4, 1),
        ),
        DecisionFactory(council=two, decided=None, outcome=""),
    ]


def test_saves_count_in_the_financial_year_of_each_date(councils, decided):
    one, two = councils
    # Worked out by hand: 31 March 2024 is 2023-24, 1 April 2024 is 2024-25; advice given and
    # undecided complaints are not investigations; compliance counts in its own date's year.
    assert tallies() == {
        (one.pk, 2023): dict(
            investigated=1, upheld=1, remedied=0, compliance_outcomes=0, complied=0
        ),
        (one.pk, 2024): dict(
            investigated=2, upheld=1, remedied=1, compliance_outcomes=1, complied=1
        ),
        (two.pk, 2023): dict(
            investigated=1, upheld=1, remedied=0, compliance_outcomes=0, complied=0
        ),
        (two.pk, 2025): dict(
            investigated=0, upheld=0, remedied=0, compliance_outcomes=1, complied=0
        ),
    }


def test_a_saved_change_moves_the_counts_between_councils_and_years(councils, decided):
    _, two = councils
    moved = decided[1]  # received 1 February 2024
    moved.council, moved.decided, moved.outcome = two, D(2024, 2, 10), Outcome.NOT_UPHELD
    moved.remedied_by_council = False
    moved.compliance, moved.compliance_date = "", None
    moved.save()
    decided[5].decided, decided[5].outcome = D(2024, 6, 1), Outcome.UPHELD
    decided[5].save()
    assert tallies() == counted_afresh()
    assert tallies()[two.pk, 2023]["investigated"] == 2


def test_queryset_updates_and_deletes(councils, decided):
    one, two = councils
    Decision.objects.filter(outcome=Outcome.NOT_UPHELD).update(outcome=Outcome.UPHELD)
    assert tallies() == counted_afresh()
    Decision.objects.filter(council=one).update(council=two)
    assert tallies() == counted_afresh()
    Decision.objects.filter(decided__lt=D(2024, 4, 1)).delete()
    assert tallies() == counted_afresh()
    decided[1].delete()
    assert tallies() == counted_afresh()
    Decision.objects.all().delete()
    assert tallies() == {}


def test_bulk_writes(councils, decided):
    _, two = councils
    Decision.objects.bulk_create(
        DecisionFactory.build(council=two, decided=D(2022, 5, n), outcome=Outcome.UPHELD)
        for n in range(1, 6)
    )
    assert tallies() == counted_afresh()
    for d in decided:
        d.outcome = Outcome.UPHELD if d.decided else ""
    Decision.objects.bulk_update(decided, ["outcome"])
    assert tallies() == counted_afresh()


def test_imports_new_and_changed_rows_through_the_engine(monkeypatch):
    CouncilFactory(code="E07000170")
    monkeypatch.setattr(DecisionResource, "chunk_rows", 3)  # several chunks, as a real file
    rows = [
        decision(n, decided=f"2023-{n % 12 + 1:02d}-20", received="2023-01-02") for n in range(1, 9)
    ]
    assert not import_rows("decisions", rows).problems
    assert tallies() == counted_afresh()
    # The engine's set-based UPDATE: every outcome changed.
    changed = [row | {"outcome": "Not upheld", "remedied_by_council": "no"} for row in rows]
    assert not import_rows("decisions", changed).problems
    assert tallies() == counted_afresh()
    assert sum(t["upheld"] for t in tallies().values()) == 0


def test_a_rebuild_gives_the_same_tallies(decided):
    kept = tallies()
    with connection.cursor() as cursor:
        for statement in rebuild_statements(connection.vendor):
            cursor.execute(statement)
    assert tallies() == kept == counted_afresh()
