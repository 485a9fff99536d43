"""Reading XLSX imports whole, whatever the workbook's metadata says (issues 11 and 18).

Workbooks are built with openpyxl; a stale `<dimension>` tag and the other oddities of files
written by other programs are made by editing the sheet's XML inside the zip.
"""

import datetime
import io
import re
import zipfile
from collections.abc import Callable

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings

from councils.imports.cells import DateCell
from councils.imports.files import ImportFileError, check_upload, read_file
from councils.imports.resources import RESOURCES
from councils.models import Decision
from tests.factories import CouncilFactory
from tests.test_import_admin import confirm, staff

IMPORT_URL = "/admin/councils/decision/import/"
SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["reference", "council_code", "category", "received", "decided", "outcome", "summary"]


def decision(number: int, summary: str = "") -> list:
    return [
        f"24 000 {number:03d}",
        "E07000170",
        "Housing",
        "2023-05-14",
        "2023-09-01",
        "Not upheld",
        summary,
    ]


FIVE = [decision(number) for number in range(1, 6)]


def save(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook(rows: list[list], change: Callable[[openpyxl.Workbook], None] | None = None) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Decisions"
    for row in rows:
        book.active.append(row)
    if change:
        change(book)
    return save(book)


def rewrite(content: bytes, change: Callable[[bytes], bytes], part: str = SHEET) -> bytes:
    """The workbook with one part of its zip changed, as another program might have written it."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item.filename, change(data) if item.filename == part else data)
    return out.getvalue()


def stale_dimension(content: bytes, ref: str = "A1:K2") -> bytes:
    def change(xml: bytes) -> bytes:
        changed, found = re.subn(
            rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), xml
        )
        assert found == 1
        return changed

    return rewrite(content, change)


def refusal(content: bytes) -> str:
    with pytest.raises(ImportFileError) as caught:
        read_file("decisions.xlsx", content)
    return str(caught.value)


def run(path) -> str:
    out = io.StringIO()
    call_command("import_data", "decisions", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def ashfield():
    return CouncilFactory(code="E07000170")


@pytest.fixture
def importer(client, django_user_model):
    user = staff(django_user_model, "importer", "add_decision", "change_decision", "view_decision")
    client.force_login(user)
    return user


def upload(client, content: bytes):
    file = SimpleUploadedFile("decisions.xlsx", content)
    return client.post(IMPORT_URL, {"resource": "0", "format": "", "import_file": file})


def text(response) -> str:
    return " ".join(response.content.decode().split())


# --- Every row of the sheet, whatever its dimension tag says ---------------------------------


@pytest.mark.django_db
def test_a_stale_dimension_tag_hides_no_row_from_import_data(tmp_path, ashfield):
    path = tmp_path / "decisions.xlsx"
    path.write_bytes(stale_dimension(workbook([HEADER, *FIVE])))

    out = run(path)

    assert "imported decisions: 5 new, 0 updated, 0 unchanged." in out
    assert Decision.objects.count() == 5


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield", "importer")
def test_a_stale_dimension_tag_hides_no_row_from_the_admin_preview(client):
    preview = upload(client, stale_dimension(workbook([HEADER, *FIVE])))

    assert "This file would make 5 new, 0 updated, 0 unchanged." in text(preview)
    confirm(client, preview)
    assert Decision.objects.count() == 5


def test_a_dimension_tag_that_starts_below_the_header_hides_nothing():
    dataset = read_file("decisions.xlsx", stale_dimension(workbook([HEADER, *FIVE]), "C4:D4"))

    assert dataset.headers == HEADER
    assert len(dataset) == 5


def test_empty_rows_at_the_bottom_are_ignored_and_empty_rows_between_are_kept():
    def format_empty_rows(book):
        for row in range(8, 20):  # formatted, as Excel leaves them, but without values
            book.active.cell(row, 1).fill = openpyxl.styles.PatternFill("solid", "FFFF00")

    rows = [HEADER, *FIVE[:2], [None] * len(HEADER), *FIVE[2:]]
    dataset = read_file("decisions.xlsx", stale_dimension(workbook(rows, format_empty_rows)))

    assert len(dataset) == 6  # row 4 of the sheet stays blank, so row numbers match the sheet
    assert dataset[5][0] == "24 000 005"


# --- Sheets ----------------------------------------------------------------------------------


def several_sheets(active: str, filled: str) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    for title in ("Decisions", "Old"):
        book.create_sheet(title)
    for row in [HEADER, *FIVE]:
        book[filled].append(row)
    book.active = book[active]
    return save(book)


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield", "importer")
def test_a_workbook_with_several_sheets_is_read_at_its_open_sheet_and_the_preview_says_so(client):
    preview = upload(client, several_sheets(active="Decisions", filled="Decisions"))

    html = text(preview)
    assert "This file would make 5 new" in html
    assert (
        "Read the sheet “Decisions”, the one the workbook opens at; its other sheets "
        "(Notes, Old) were not read."
    ) in html
    done = confirm(client, preview)
    (message,) = [str(m) for m in get_messages(done.wsgi_request)]
    assert message == (
        "Imported decisions: 5 new, 0 updated, 0 unchanged. Read the sheet “Decisions”, the one "
        "the workbook opens at; its other sheets (Notes, Old) were not read."
    )


def test_an_empty_sheet_is_refused_when_another_sheet_has_data():
    assert refusal(several_sheets(active="Notes", filled="Decisions")) == (
        "The sheet “Notes”, the one the workbook opens at, is empty, but the sheet “Decisions” "
        "has data. Open the workbook at that sheet (or delete the empty one), save it and "
        "upload it again."
    )


def test_a_blank_first_row_is_refused_asking_for_the_column_names_there():
    assert refusal(workbook([[], HEADER, *FIVE])) == (
        "Row 1 of the sheet “Decisions” is blank: put the column names in row 1."
    )


def test_a_workbook_with_only_empty_sheets_is_empty():
    assert refusal(workbook([])) == ("The file is empty: it has no header row.")


# --- Cells and rows that would otherwise surprise ----------------------------------------------


def test_merged_cells_are_refused_naming_the_range():
    def merge(book):
        book.active.merge_cells("G2:G4")  # one summary for three decisions
        book.active.merge_cells("A7:B7")

    rows = [HEADER, decision(1, "Late repairs"), *FIVE[1:]]

    assert refusal(workbook(rows, merge)) == (
        "The sheet “Decisions” has merged cells (G2:G4, A7:B7). A merged cell keeps its value "
        "only in its first cell, so the other rows would be imported blank: unmerge them "
        "(Home, Merge & Center, Unmerge Cells), fill in every cell and upload the file again."
    )


@pytest.mark.django_db
def test_dates_stored_as_numbers_reach_the_row_cleaning_unchanged(monkeypatch, ashfield):
    seen = []
    clean = DateCell.clean

    def spy(self, value, row=None, **kwargs):
        seen.append(value)
        return clean(self, value, row, **kwargs)

    monkeypatch.setattr(DateCell, "clean", spy)

    def as_date(book):  # a serial number formatted as a date is a date to Excel and openpyxl
        book.active["E2"].number_format = "dd/mm/yyyy"

    row = decision(1)
    row[3], row[4] = 45060, 45170.0  # Excel's serial numbers for 14/05/2023 and 01/09/2023
    dataset = read_file("decisions.xlsx", workbook([HEADER, row], as_date))

    assert (dataset[0][3], type(dataset[0][3])) == (45060, int)
    assert dataset[0][4] == datetime.datetime(2023, 9, 1)
    RESOURCES["decisions"]().import_data(dataset, dry_run=True)
    # The category cell reads the dates too (for the row's year): the same raw values.
    assert set(seen) == {45060, datetime.datetime(2023, 9, 1)}


def hide_rows_3_and_5(book):
    for row in (3, 5):
        book.active.row_dimensions[row].hidden = True


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield", "importer")
def test_hidden_rows_are_imported_and_the_preview_says_how_many(client):
    preview = upload(client, workbook([HEADER, *FIVE], hide_rows_3_and_5))

    html = text(preview)
    assert "This file would make 5 new" in html
    assert (
        "The sheet has 2 hidden rows (rows 3, 5): they are read and imported like every other row."
    ) in html


@pytest.mark.django_db
def test_the_command_says_how_many_hidden_rows_it_imported(tmp_path, ashfield):
    path = tmp_path / "decisions.xlsx"
    path.write_bytes(workbook([HEADER, *FIVE], hide_rows_3_and_5))

    out = run(path)

    assert "The sheet has 2 hidden rows (rows 3, 5)" in out
    assert Decision.objects.count() == 5


# --- Files that cannot be read whole, or would unpack too big --------------------------------


def test_a_sheet_that_cannot_be_read_to_the_end_is_refused():
    damaged = rewrite(workbook([HEADER, *FIVE]), lambda xml: xml[: xml.index(b'<row r="4"')])

    assert refusal(damaged) == (
        "The sheet “Decisions” could not be read to the end: the file may be damaged. Open it "
        "in Excel, save it again and upload that."
    )


def bomb() -> bytes:
    """A small workbook whose sheet unpacks to about 14 MB of the same row, repeated."""
    row = b'<row><c t="inlineStr"><is><t>24 000 001</t></is></c></row>'
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + row * 250_000 + b"</sheetData></worksheet>"
    )
    return rewrite(workbook([["reference"]]), lambda xml: sheet)


@pytest.mark.django_db
@pytest.mark.usefixtures("importer")
@override_settings(IMPORT_MAX_BYTES=100_000, IMPORT_MAX_UNPACKED_RATIO=10)
def test_a_zip_bomb_is_refused_from_the_zip_directory_before_any_cell_is_read(client, monkeypatch):
    content = bomb()
    assert len(content) < 100_000
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *args, **kwargs: opened.append(args))

    preview = upload(client, content)

    (error,) = preview.context["form"].errors["import_file"]
    assert error == (
        "The workbook unpacks to 13.8 MB when it is opened: the most we accept is 976.6 KB "
        "(10 times the largest file we accept). Copy the rows to import into a new workbook "
        "or split them into several files."
    )
    assert opened == []


@override_settings(IMPORT_MAX_ROWS=3)
def test_a_workbook_over_the_row_cap_is_refused_whatever_its_dimension_tag_says():
    assert refusal(stale_dimension(workbook([HEADER, *FIVE]))) == (
        "The file has more than 3 rows: the most we accept is 3. Split it into smaller files."
    )


@override_settings(IMPORT_MAX_ROWS=3)
def test_reading_stops_at_the_row_after_the_cap():
    # Beyond row 5 (the cap plus the header and one) the sheet is valid for a while and then
    # damaged: the refusal is for the rows, so nothing past the cap was read.
    rows = [HEADER, *(decision(number) for number in range(1, 1000))]
    damaged = rewrite(workbook(rows), lambda xml: xml[: xml.index(b'<row r="900"')] + b"<row <")

    assert refusal(stale_dimension(damaged)).startswith("The file has more than 3 rows")


# --- The size message ------------------------------------------------------------------------


@override_settings(IMPORT_MAX_BYTES=20 * 1024 * 1024)
def test_a_file_just_over_the_size_cap_shows_sizes_that_differ():
    with pytest.raises(ImportFileError) as caught:
        check_upload("decisions.csv", 20 * 1024 * 1024 + 3)

    assert str(caught.value) == (
        "The file is 20,971,523 bytes: the most we accept is 20,971,520 bytes. "
        "Split it into smaller files."
    )
