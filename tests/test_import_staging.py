"""Bulk imports staged as tuples (councils.imports.staging) and written set-based
(councils.imports.bulk): each distinct cell read once, the same verdicts as reading every cell,
updates of every row, refusals of new and changed rows blamed on their rows, on both databases."""

import pytest
from django.db import IntegrityError
from django.db.models import F

from councils import dataversion
from councils.imports import bulk
from councils.imports.cells import DateCell
from councils.imports.resources import DecisionResource
from councils.imports.value_cells import CouncilCell
from councils.models import Category, Decision
from tests.factories import CouncilFactory, DecisionFactory
from tests.test_import_rows import decision, import_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def councils():
    CouncilFactory(code="E07000170", name="Ashfield")
    CouncilFactory(code="E07000171", name="Bassetlaw")


@pytest.fixture
def chunks_of_three(monkeypatch):
    monkeypatch.setattr(DecisionResource, "chunk_rows", 3)


def counting(monkeypatch, cell_class) -> list[str]:
    read: list[str] = []
    parse = cell_class.parse

    def counted(self, text):
        read.append(text)
        return parse(self, text)

    monkeypatch.setattr(cell_class, "parse", counted)
    return read


@pytest.mark.usefixtures("chunks_of_three")
def test_each_distinct_cell_is_read_once_per_import_across_chunks(monkeypatch):
    councils = counting(monkeypatch, CouncilCell)
    rows = [decision(n, council_code="E07000170" if n % 2 else "e07000171") for n in range(1, 21)]

    result = import_rows("decisions", rows)

    assert str(result.counts) == "20 new, 0 updated, 0 unchanged"
    assert sorted(councils) == ["E07000170", "e07000171"]
    assert Decision.objects.filter(council__code="E07000171").count() == 10


def test_a_bad_cell_repeated_is_named_on_every_row_it_is_in(monkeypatch):
    dates = counting(monkeypatch, DateCell)
    rows = [decision(n, received="31/02/2023") for n in range(1, 4)]

    result = import_rows("decisions", rows)

    assert [(p.row, p.column, p.value) for p in result.problems] == [
        (n, "received", "31/02/2023") for n in (2, 3, 4)
    ]
    assert result.problems[0].reason == result.problems[2].reason
    assert dates.count("31/02/2023") == 1


def test_the_same_category_cell_is_read_for_each_rows_year():
    Category.objects.create(name="Adult social care", first_year="2024-25", display_order=10)
    in_its_year = {"received": "2024-05-14", "decided": "2024-09-01"}
    rows = [
        decision(1, category="Adult social care", **in_its_year),
        decision(2, category="Adult social care"),  # decided in 2023-24
        decision(3, category="Adult social care", **in_its_year),
    ]

    result = import_rows("decisions", rows)

    assert [(p.row, p.column) for p in result.problems] == [(3, "category")]
    assert "not in 2023-24" in result.problems[0].reason


def test_a_file_without_an_optional_column_keeps_the_records_value_or_defaults():
    DecisionFactory(reference="24 000 001", summary="Kept from before.", council__code="E07000172")
    without_summary = [{k: v for k, v in decision(n).items() if k != "summary"} for n in (1, 2)]

    result = import_rows("decisions", without_summary)

    assert str(result.counts) == "1 new, 1 updated, 0 unchanged"
    assert dict(Decision.objects.values_list("reference", "summary")) == {
        "24 000 001": "Kept from before.",
        "24 000 002": "",
    }
    again = import_rows("decisions", without_summary)
    assert str(again.counts) == "0 new, 0 updated, 2 unchanged"


@pytest.mark.usefixtures("chunks_of_three")
def test_an_update_of_every_row_writes_every_row_and_then_changes_nothing():
    rows = [decision(n) for n in range(1, 11)]
    import_rows("decisions", rows)
    changed = [row | {"outcome": "Not upheld", "remedied_by_council": "no"} for row in rows]
    version = dataversion.current()

    result = import_rows("decisions", changed)

    assert str(result.counts) == "0 new, 10 updated, 0 unchanged"
    assert set(Decision.objects.values_list("outcome", "remedied_by_council")) == {
        ("Not upheld", False)
    }
    assert dataversion.current() > version
    assert [row.import_type for row in result.preview_rows] == ["update"] * 10
    assert "<del>Upheld</del> <ins>Not upheld</ins>" in result.preview_rows[0].diff
    again = import_rows("decisions", changed)
    assert str(again.counts) == "0 new, 0 updated, 10 unchanged"
    assert again.preview_rows == []


@pytest.mark.usefixtures("chunks_of_three")
def test_a_changed_row_the_database_refuses_is_named_and_nothing_is_changed(monkeypatch):
    rows = [decision(n) for n in range(1, 8)]
    import_rows("decisions", rows)
    monkeypatch.setattr(DecisionResource, "check", lambda self, record, failed: iter(()))
    changed = [row | {"summary": "Revised."} for row in rows]
    changed[4]["decided"] = "2023-01-01"  # before received: only the database refuses it

    result = import_rows("decisions", changed)

    assert [(p.row, p.column) for p in result.problems] == [(6, "")]
    assert result.problems[0].reason.startswith("The database refused this row")
    assert (result.counts.updated, result.counts.rejected) == (6, 1)
    assert not Decision.objects.filter(summary="Revised.").exists()


def test_an_insert_the_database_refuses_raises_djangos_integrity_error():
    existing = DecisionFactory(reference="24 000 001")
    names = ["reference", "council_id", "category_id", "received", "outcome", "demo"]
    row = ("24 000 001", existing.council_id, existing.category_id, existing.received, "", False)

    with pytest.raises(IntegrityError):
        bulk.insert_rows(Decision, names, [row], "default")


def test_any_of_finds_what_in_finds():
    for n in range(1, 6):
        DecisionFactory(reference=f"24 000 {n:03d}")
    wanted = ["24 000 002", "24 000 004", "99 999 999"]

    found = Decision.objects.filter(bulk.AnyOf(F("reference"), wanted))

    assert sorted(found.values_list("reference", flat=True)) == ["24 000 002", "24 000 004"]
    assert not Decision.objects.filter(bulk.AnyOf(F("reference"), [])).exists()


def test_text_with_tabs_newlines_and_backslashes_is_written_as_it_is_and_then_unchanged():
    awkward = 'Two\tcolumns,\nthree lines\r\nand C:\\path\\N "quoted" £ \\.'
    rows = [decision(1, summary=awkward), decision(2, summary="Plain.")]
    import_rows("decisions", rows)
    rows[1]["summary"] = awkward  # now through the update too

    result = import_rows("decisions", rows)

    assert str(result.counts) == "0 new, 1 updated, 1 unchanged"
    assert set(Decision.objects.values_list("summary", flat=True)) == {awkward}
