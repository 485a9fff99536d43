"""XLSX downloads read well: the header row frozen and bold, columns as wide as their contents,
and a Notes sheet with each column's meaning and the licence."""

import datetime
import io

import openpyxl
import pytest

from councils.models import CouncilType, Outcome
from councils.opendata.published import DECISION_COLUMNS, STATISTICS_COLUMNS
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory

D = datetime.date
LONG_NAME = "Royal Borough of Windsor and Maidenhead Council"  # 47 characters


@pytest.fixture
def workbooks(client, db):
    ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24))
    council = CouncilFactory(
        type=CouncilType.UNITARY, name="Windsor", official_name=LONG_NAME, slug="windsor"
    )
    DecisionFactory(council=council, outcome=Outcome.UPHELD, decided=D(2023, 9, 1))

    def fetch(url):
        response = client.get(url)
        assert response.status_code == 200
        return openpyxl.load_workbook(io.BytesIO(response.content))

    return fetch


@pytest.mark.parametrize(
    "url, columns",
    [
        ("/data/2023-24/statistics.xlsx", STATISTICS_COLUMNS),
        ("/data/councils/windsor/decisions.xlsx", DECISION_COLUMNS),
    ],
)
def test_header_row_is_frozen_and_bold_and_a_notes_sheet_defines_each_column(
    workbooks, url, columns
):
    book = workbooks(url)
    data, notes = book.worksheets

    assert data.freeze_panes == "A2"
    assert all(cell.font.b for cell in data[1])
    assert book.sheetnames[1] == "Notes"
    rows = [[cell.value for cell in row] for row in notes.iter_rows()]
    assert rows[0] == ["Column", "What it holds"]
    assert rows[1 : len(columns) + 1] == [[c.name, c.description] for c in columns]
    text = " ".join(str(value) for row in rows for value in row if value)
    assert "Open Government Licence v3.0" in text
    assert "Contains ONS data © Crown copyright" in text


def test_columns_are_as_wide_as_their_contents_within_limits(workbooks):
    sheet = workbooks("/data/2023-24/statistics.xlsx").worksheets[0]
    widths = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}

    assert widths["council_name"] == len(LONG_NAME) + 2  # the longest name, with room
    assert widths["satisfactory_remedy_rate_average"] == len("satisfactory_remedy_rate_average") + 2
    assert widths["upheld"] == 8  # "upheld" and 1: the minimum
    assert all(8 <= width <= 60 for width in widths.values())
