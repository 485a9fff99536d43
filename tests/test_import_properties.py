"""Property-based: malformed files never crash an import and never write anything."""

import csv
import datetime
import io
from contextlib import contextmanager

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from councils.imports.files import ImportFileError, read_file
from councils.imports.resources import RESOURCES
from councils.models import (
    Category,
    Compliance,
    Council,
    Decision,
    ImportRecord,
    Outcome,
    Population,
    Recommendation,
)
from tests.factories import CouncilFactory, DecisionFactory, PopulationFactory

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=50,
    deadline=None,
    database=None,  # no example files written into the project
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Cells that are nearly right, plainly wrong, or hostile, next to any text at all.
TRICKY = [
    "",
    " ",
    "E07000170",
    "e07000170 ",
    "E07000171",
    "E10000024",
    "W06000001",
    "Housing",
    "housing",
    "Hosing",
    "Upheld",
    "not upheld",
    "Quashed",
    "2023-05-14",
    "14/05/2023",
    "31/02/2023",
    "2023-13-01",
    "1/1/1",
    "yes",
    "no",
    "maybe",
    "Complied",
    "Remedy",
    "2023-24",
    "2023-25",
    "23-24",
    "0",
    "-1",
    "1,000",
    "1e9",
    "9" * 40,
    "=1+2",
    "'=1+2",
    "24 000 001",
]
cells = st.one_of(st.sampled_from(TRICKY), st.text(max_size=25))


def to_csv(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


@contextmanager
def rolled_back():
    """Each example starts from the same data, even when its file was good enough to write."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def snapshot() -> list:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Council, Population, Decision, Recommendation)
    ]


@pytest.fixture
def register():
    ashfield = CouncilFactory(code="E07000170")
    PopulationFactory(council=ashfield)
    DecisionFactory(reference="24 000 001", council=ashfield)


@pytest.mark.usefixtures("register")
@pytest.mark.parametrize("kind", list(RESOURCES))
@settings(EXAMPLES, max_examples=25)  # per kind: 100 in all
@given(data=st.data())
def test_arbitrary_cells_never_raise_and_a_refused_file_writes_nothing(kind, data):
    columns = RESOURCES[kind]().columns
    rows = data.draw(
        st.lists(st.fixed_dictionaries({c: cells for c in columns}), min_size=1, max_size=6)
    )
    before = snapshot()

    with rolled_back():
        try:
            dataset = read_file(f"{kind}.csv", to_csv(columns, rows))
        except ImportFileError:
            return  # one plain message, e.g. a NUL byte in the CSV
        result = RESOURCES[kind]().import_data(dataset)

        assert not result.error_rows and not result.base_errors  # no unexpected exception
        if result.problems:
            assert snapshot() == before
            assert not ImportRecord.objects.latest("pk").applied
        else:
            assert result.counts.rejected == 0


# Dates we accept whenever the tests run: in the years we publish, and not after today.
LAST_DAY = datetime.date(2024, 12, 31)
dates = st.dates(min_value=datetime.date(2015, 1, 1), max_value=LAST_DAY)


@st.composite
def decision_rows(draw, n: int) -> dict:
    received = draw(dates)
    decided = draw(st.one_of(st.none(), st.dates(min_value=received, max_value=LAST_DAY)))
    outcome = "" if decided is None else draw(st.sampled_from(Outcome.values))
    compliance = draw(st.sampled_from(["", *Compliance.values]))
    style = draw(st.sampled_from(["%Y-%m-%d", "%d/%m/%Y"]))
    return {
        "reference": f"25 {n // 1000:03d} {n % 1000:03d}",
        "council_code": "E07000170",
        "category": draw(st.sampled_from(Category.SEEDED)),
        "received": received.strftime(style),
        "decided": decided.strftime(style) if decided else "",
        "outcome": outcome,
        "remedied_by_council": "yes" if outcome == "Upheld" and draw(st.booleans()) else "no",
        "public_report": draw(st.sampled_from(["yes", "no", ""])),
        "compliance": compliance,
        "compliance_date": draw(dates).isoformat() if compliance else "",
        "summary": draw(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)),
    }


BROKEN = {
    "reference": st.just(""),
    "council_code": st.sampled_from(["E07999999", "W06000001", "", "Ashfield"]),
    "category": st.sampled_from(["Parking", "", "Housing and"]),
    "received": st.sampled_from(["", "2023-02-30", "tomorrow", "2023/05/14", "14-05-2023"]),
    "outcome": st.sampled_from(["Quashed", "Upheld in part"]),
    "public_report": st.sampled_from(["maybe", "2", "ja"]),
    "compliance": st.sampled_from(["Partly", "Complied early"]),
}


@pytest.mark.usefixtures("register")
@EXAMPLES
@given(data=st.data())
def test_one_broken_cell_in_a_good_file_rejects_that_row_and_writes_nothing(data):
    rows = [data.draw(decision_rows(n)) for n in range(data.draw(st.integers(1, 6)))]
    victim = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.sampled_from(sorted(BROKEN)))
    rows[victim][column] = data.draw(BROKEN[column])
    before = snapshot()

    with rolled_back():
        result = RESOURCES["decisions"]().import_data(
            read_file("decisions.csv", to_csv(list(rows[0]), rows))
        )

        assert not result.error_rows and not result.base_errors
        assert (victim + 2, column) in {(p.row, p.column) for p in result.problems}
        assert {p.row for p in result.problems} == {victim + 2}  # the good rows pass
        assert snapshot() == before
