"""The one way the site's data leaves it as a file: admin exports and public downloads.

Whatever the file, no cell can start a formula (`councils.opendata.spreadsheets` says why and how):

- Admin exports: every django-import-export resource derives from `SafeResource`, which
  neutralises every cell of every row, so each format the admin offers (CSV, TSV, XLSX, JSON...)
  is written from safe values.
- Public downloads (/data/...): a view builds its columns and rows
  (`councils.opendata.published`) and returns `download(fmt, columns, rows, name)`, which writes
  them as CSV, XLSX or JSON. Adding a download means calling it. JSON keeps the exact text: no
  spreadsheet runs a JSON value.

tests/test_export_safety.py exports every registered ModelAdmin in every format it offers and
fetches every URL under /data/ in every format: a resource or download that bypasses this module
fails it.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import HttpResponse, JsonResponse
from import_export.resources import ModelResource
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from councils.opendata.published import Column, OpenDataEncoder, Row, Value
from councils.opendata.spreadsheets import neutralise_formula

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# An XLSX download's second sheet, after its columns' meanings: how to read and reuse the data.
NOTES = (
    "Rates are whole percentages rounded half up (12.5% is 13%); upheld_per_100k has one decimal "
    "place. An empty cell means no figure: nothing to count it from (a base of zero).",
    "Averages for similar authorities pool every council of the same type: the sum of their "
    "numerators divided by the sum of their bases. How every figure is worked out: /methodology/ "
    "on this site.",
    "Small bases mislead: treat a figure based on fewer than 10 cases with caution.",
    "Licence: Open Government Licence v3.0, "
    "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "Contains ONS data © Crown copyright and database right.",
)
WIDTH_LIMITS = (8, 60)  # characters: every column readable, none wider than a screen
NOTES_WIDTH = 110  # the Notes sheet's sentences


class SafeResource(ModelResource):
    """The base of every resource the admin exports: no exported cell can start a formula.

    Each row is neutralised after its fields and `dehydrate_` methods have made it, so no
    resource can leave a cell out.
    """

    def export_resource(self, instance, selected_fields=None, **kwargs):
        row = super().export_resource(instance, selected_fields, **kwargs)
        return [neutralise_formula(value) for value in row]


def download(fmt: str, columns: Sequence[Column], rows: list[Row], name: str) -> HttpResponse:
    """The file `<name>.<fmt>`: the rows as CSV, XLSX or JSON (a list of objects keyed by the
    column names)."""
    if fmt == "csv":
        response = HttpResponse(_csv(columns, rows), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(_xlsx(columns, rows, title=name[:31]), content_type=XLSX_TYPE)
    else:
        response = JsonResponse(rows, safe=False, encoder=OpenDataEncoder)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _cells(columns: Sequence[Column], rows: Iterable[Row]) -> Iterator[list[Value]]:
    """Each row's values in column order, as every spreadsheet format writes them: text that
    could start a formula neutralised (openpyxl, too, stores a string starting "=" as one)."""
    for row in rows:
        yield [neutralise_formula(row[column.name]) for column in columns]


def _csv(columns: Sequence[Column], rows: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(column.name for column in columns)
    writer.writerows([_csv_text(value) for value in cells] for cells in _cells(columns, rows))
    return out.getvalue()


def _csv_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _xlsx(columns: Sequence[Column], rows: Iterable[Row], title: str) -> bytes:
    """Numbers stay numbers; per-100k keeps its one decimal place on screen. The header row
    stays in view, each column is as wide as its contents (within limits), and a Notes sheet
    says what each column holds, how to read the figures and the licence."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    table = list(_cells(columns, rows))
    header = [column.name for column in columns]
    for index, name in enumerate(header, start=1):
        widest = max((len(_csv_text(cells[index - 1])) for cells in table), default=0)
        sheet.column_dimensions[get_column_letter(index)].width = _width(max(len(name), widest))
    sheet.append([_bold(sheet, name) for name in header])
    for cells in table:
        sheet.append([_xlsx_cell(sheet, value) for value in cells])

    notes = book.create_sheet("Notes")
    notes.column_dimensions["A"].width = _width(max(map(len, header)))
    notes.column_dimensions["B"].width = NOTES_WIDTH
    notes.append([_bold(notes, "Column"), _bold(notes, "What it holds")])
    for column in columns:
        notes.append([column.name, neutralise_formula(column.description)])
    notes.append([])
    for note in NOTES:
        notes.append([neutralise_formula(note)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _width(characters: int) -> int:
    """A column's width for its longest text, with a little room, within WIDTH_LIMITS."""
    low, high = WIDTH_LIMITS
    return min(max(characters + 2, low), high)


def _bold(sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, text)
    cell.font = Font(bold=True)
    return cell


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Value) -> object:
    if value is None:
        # An empty cell, written because it has a format (openpyxl leaves out unformatted
        # ones): a row ending in "no figure" keeps every column for tools that check each row.
        cell = WriteOnlyCell(sheet, None)
        cell.number_format = "@"
        return cell
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "0." + "0" * -value.as_tuple().exponent
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value
