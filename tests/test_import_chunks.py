"""Imports in bounded memory: rows in chunks (councils.imports.engine) keep the same promises
whatever the chunk size, and files are read with repeated cells shared.

Chunks of two or three rows here stand for the 5,000-row chunks of a real file.
"""

import datetime

import pytest

from councils.imports.base import PREVIEW_ROWS
from councils.imports.files import SHARED_PER_COLUMN, SharedCells, read_file
from councils.imports.resources import (
    DecisionResource,
    PopulationResource,
    RecommendationResource,
)
from councils.models import Council, Decision, ImportRecord, Recommendation
from tests.factories import CouncilFactory, DecisionFactory
from tests.test_import_rows import decision, import_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def ashfield() -> Council:
    return CouncilFactory(code="E07000170", name="Ashfield", official_name="Ashfield DC")


@pytest.fixture
def chunks_of(monkeypatch):
    def set_size(rows: int) -> None:
        monkeypatch.setattr(DecisionResource, "chunk_rows", rows)
        monkeypatch.setattr(PopulationResource, "chunk_rows", rows)
        monkeypatch.setattr(RecommendationResource, "chunk_rows", rows)

    return set_size


@pytest.mark.usefixtures("ashfield")
def test_a_bad_row_in_the_last_chunk_leaves_nothing_written_by_the_earlier_chunks(chunks_of):
    chunks_of(3)
    rows = [decision(n) for n in range(1, 11)]
    rows[9]["outcome"] = "Partly upheld"

    result = import_rows("decisions", rows)

    assert [(p.row, p.column, p.value) for p in result.problems] == [
        (11, "outcome", "Partly upheld")
    ]
    assert Decision.objects.count() == 0
    assert not ImportRecord.objects.get().applied


@pytest.mark.usefixtures("ashfield")
def test_every_bad_row_across_chunks_is_named_with_its_row_number(chunks_of):
    chunks_of(2)
    rows = [decision(n) for n in range(1, 10)]
    rows[0]["received"] = "31/02/2023"  # chunk 1
    rows[4]["council_code"] = "E07999999"  # chunk 3
    rows[8]["category"] = "Housng"  # chunk 5, alone

    result = import_rows("decisions", rows)

    assert [(p.row, p.column) for p in result.problems] == [
        (2, "received"),
        (6, "council_code"),
        (10, "category"),
    ]
    assert (result.counts.new, result.counts.rejected) == (6, 3)
    assert Decision.objects.count() == 0


@pytest.mark.usefixtures("ashfield")
def test_a_reference_repeated_in_a_later_chunk_names_its_first_row(chunks_of):
    chunks_of(2)
    rows = [decision(n) for n in range(1, 6)] + [decision(2)]

    result = import_rows("decisions", rows)

    assert [(p.row, p.column) for p in result.problems] == [(7, "reference")]
    assert "Repeats row 3" in result.problems[0].reason
    assert Decision.objects.count() == 0


@pytest.mark.usefixtures("ashfield")
def test_a_row_the_database_refuses_in_a_later_chunk_is_named_and_nothing_is_kept(
    chunks_of, monkeypatch
):
    chunks_of(3)
    monkeypatch.setattr(DecisionResource, "check", lambda self, instance, failed: iter(()))
    rows = [decision(n) for n in range(1, 9)]
    rows[6]["decided"] = "2023-01-01"  # before received: only the database's constraint refuses it

    result = import_rows("decisions", rows)

    assert [p.row for p in result.problems] == [8]
    assert result.problems[0].reason.startswith("The database refused this row")
    assert Decision.objects.count() == 0


@pytest.mark.usefixtures("ashfield")
@pytest.mark.parametrize("dry_run", [True, False])
def test_chunks_count_new_updated_and_unchanged_rows_as_one_pass_does(chunks_of, dry_run):
    import_rows("decisions", [decision(n) for n in range(1, 8)])
    rows = [decision(n) for n in range(1, 13)]  # 7 known, 5 new
    for n in (1, 4, 6):
        rows[n] = rows[n] | {"outcome": "Not upheld", "remedied_by_council": "no"}

    one_pass = import_rows("decisions", rows, dry_run=True)
    chunks_of(2)
    chunked = import_rows("decisions", rows, dry_run=dry_run)

    assert str(one_pass.counts) == "5 new, 3 updated, 4 unchanged"
    assert chunked.counts == one_pass.counts
    assert [row.diff for row in chunked.preview_rows] == [row.diff for row in one_pass.preview_rows]
    assert Decision.objects.count() == (7 if dry_run else 12)


@pytest.mark.usefixtures("ashfield")
def test_updates_in_chunks_write_every_column_including_blanks(chunks_of):
    import_rows("decisions", [decision(n) for n in range(1, 6)])
    chunks_of(2)
    # Blank dates and compliance in every row of a chunk: a column of NULLs in the update.
    undecided = {"decided": "", "outcome": "", "remedied_by_council": "no"}
    cleared = undecided | {"compliance": "", "compliance_date": "", "summary": "Withdrawn."}

    result = import_rows("decisions", [decision(n, **cleared) for n in range(1, 6)])

    assert str(result.counts) == "0 new, 5 updated, 0 unchanged"
    assert set(
        Decision.objects.values_list("decided", "outcome", "compliance_date", "summary")
    ) == {(None, "", None, "Withdrawn.")}
    again = import_rows("decisions", [decision(n, **cleared) for n in range(1, 6)])
    assert str(again.counts) == "0 new, 0 updated, 5 unchanged"


@pytest.mark.usefixtures("ashfield")
def test_the_result_keeps_counts_and_the_preview_rows_not_a_row_result_per_row(chunks_of):
    chunks_of(50)
    result = import_rows("decisions", [decision(n) for n in range(1, PREVIEW_ROWS + 51)])

    assert result.counts.new == PREVIEW_ROWS + 50
    assert result.rows == []
    assert len(result.preview_rows) == PREVIEW_ROWS


# --- Reading ---------------------------------------------------------------------------------


def recommendation(n: int, **changes) -> dict:
    return {
        "reference": f"24 000 {n:03d}",
        "kind": "Remedy",
        "recommendation": f"Pay £{n}00.",
        "due": "",
    } | changes


@pytest.fixture
def five_decisions() -> None:
    for n in range(1, 6):
        DecisionFactory(reference=f"24 000 {n:03d}")


@pytest.mark.usefixtures("five_decisions")
def test_recommendations_look_up_only_the_decisions_of_their_chunk(chunks_of, monkeypatch):
    chunks_of(2)
    held = []
    fetch = RecommendationResource.existing

    def existing(resource, keys):
        held.append(sorted(resource.fields["decision"].widget.by_reference))
        return fetch(resource, keys)

    monkeypatch.setattr(RecommendationResource, "existing", existing)

    result = import_rows("recommendations", [recommendation(n) for n in range(1, 6)])

    assert str(result.counts) == "5 new, 0 updated, 0 unchanged"
    assert held == [
        ["24 000 001", "24 000 002"],
        ["24 000 003", "24 000 004"],
        ["24 000 005"],
    ]
    assert Recommendation.objects.count() == 5


@pytest.mark.usefixtures("five_decisions")
def test_recommendations_in_chunks_name_every_bad_row_and_write_nothing(chunks_of):
    chunks_of(2)
    rows = [recommendation(n) for n in range(1, 6)]
    rows[3]["reference"] = "99 999 999"  # chunk 2
    rows.append(recommendation(1))  # chunk 3 repeats row 2

    result = import_rows("recommendations", rows)

    assert [(p.row, p.column) for p in result.problems] == [(5, "reference"), (7, "reference")]
    assert "import the decisions file first" in result.problems[0].reason
    assert "Repeats row 2" in result.problems[1].reason
    assert Recommendation.objects.count() == 0


@pytest.mark.usefixtures("five_decisions")
def test_recommendations_reimported_in_chunks_change_nothing(chunks_of):
    chunks_of(2)
    rows = [recommendation(n) for n in range(1, 6)]
    import_rows("recommendations", rows)
    rows[4]["due"] = "01/03/2024"

    again = import_rows("recommendations", rows)

    assert str(again.counts) == "0 new, 1 updated, 4 unchanged"
    assert str(import_rows("recommendations", rows).counts) == "0 new, 0 updated, 5 unchanged"


def test_a_csv_is_read_as_tablib_would_blank_lines_skipped_and_short_rows_padded():
    content = (
        '\ufeffReference,Outcome,Summary\r\n24 000 001,Upheld,"Two\nlines"\r\n\r\n24 000 002\r\n'
    )

    dataset = read_file("decisions.csv", content.encode())

    assert dataset.headers == ["reference", "outcome", "summary"]
    assert [tuple(row) for row in dataset] == [
        ("24 000 001", "Upheld", "Two\nlines"),
        ("24 000 002", "", ""),
    ]


def test_repeated_cells_share_one_object_and_keep_their_types():
    share = SharedCells()
    day = datetime.datetime(2023, 5, 14)
    rows = [share(["Upheld", 1, datetime.datetime(2023, 5, 14)]), share(["Upheld", True, day])]

    assert rows[0][0] is rows[1][0]
    assert rows[0][2] is rows[1][2]
    assert (type(rows[0][1]), type(rows[1][1])) == (int, bool)  # 1 == True, but reads differently


def test_a_column_of_unique_cells_stops_being_shared():
    share = SharedCells()
    for n in range(SHARED_PER_COLUMN + 1):
        share([f"24 {n:06d}", "Upheld"])

    assert share.columns[0] is None  # no dictionary as large as the file
    assert share.columns[1] == {"Upheld": "Upheld"}
