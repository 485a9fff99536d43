"""Reading an import's Excel workbook (.xlsx): every row of the sheet, in bounded memory.

openpyxl's read-only mode streams a sheet row by row, but stops where the sheet's `<dimension>`
tag says the data ends, and a stale tag (written by some programs) silently cuts rows off. So:

- before any cell is read, what the file unpacks to is checked from the zip's directory (a small
  upload can unpack to gigabytes); zipfile never unpacks more than the directory says (a part
  that lies fails its checksum), so that check bounds the work;
- the tag is ignored and the sheet is read to its last `<row>`, stopping at the row cap;
- one quick pass over the sheet's XML then finds what read-only mode does not report: merged
  cells, refused since they would import as blanks, and hidden rows, imported and pointed out;
- the rows go into one compact buffer while the workbook is open and become the dataset's
  objects only once it is closed: openpyxl makes dozens of short-lived objects per cell, and
  rows built among them leave those objects' memory in holes that the rows then pin for the
  whole import, and which the worker kept afterwards (tens of MB for a large file).

What staff should know about how the file was read goes in `dataset.notes`.
"""

import io
import pickle
import xml.parsers.expat
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import TYPE_CHECKING

import openpyxl
import tablib
from django.conf import settings

from councils.imports.files import ImportFileError, SharedCells, blank_cell, sizes

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

# Hidden rows and merged cells named in a message; the rest are counted.
NAMED = 10


def read_xlsx(content: bytes) -> tablib.Dataset:
    """The open sheet of the workbook in `content`: its header row and every row under it."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        check_unpacked_size(archive)
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = _sheet_to_read(book)
            header, rows = _read_sheet(sheet, book)
            layout = _layout(archive, sheet)
        finally:
            book.close()
    if layout.merged:
        raise ImportFileError(
            f"The sheet “{sheet.title}” has merged cells ({_some(layout.merged)}). A merged cell "
            "keeps its value only in its first cell, so the other rows would be imported blank: "
            "unmerge them (Home, Merge & Center, Unmerge Cells), fill in every cell and upload "
            "the file again."
        )
    last_row = rows.rows + 1  # the header is row 1
    hidden = [row for row in layout.hidden_rows if 1 < row <= last_row]
    notes = _notes(book, sheet, hidden)
    del book, sheet  # and with them the workbook's strings, before the rows are made
    dataset = rows.dataset(header)
    dataset.notes = notes
    return dataset


def check_unpacked_size(archive: zipfile.ZipFile) -> None:
    unpacked = sum(member.file_size for member in archive.infolist())
    ratio = settings.IMPORT_MAX_UNPACKED_RATIO
    limit = ratio * settings.IMPORT_MAX_BYTES
    if unpacked > limit:
        shown, most = sizes(unpacked, limit)
        raise ImportFileError(
            f"The workbook unpacks to {shown} when it is opened: the most we accept is {most} "
            f"({ratio} times the largest file we accept). Copy the rows to import into a new "
            "workbook or split them into several files."
        )


def _sheet_to_read(book: openpyxl.Workbook) -> "ReadOnlyWorksheet":
    """The sheet the workbook opens at, as staff see it in Excel (the first, if that is a chart)."""
    return book.active if book.active in book.worksheets else book.worksheets[0]


def _read_sheet(sheet: "ReadOnlyWorksheet", book: openpyxl.Workbook) -> tuple[list, "_RowBuffer"]:
    """The header cut to its last named column, and the rows under it."""
    sheet.reset_dimensions()  # read to the last row, whatever the `<dimension>` tag says
    rows = sheet.iter_rows(values_only=True)
    try:
        header = list(next(rows, ()))
        width = _width(header)
        if not width:
            _refuse_blank_header(sheet, book, rows)
        buffer = _RowBuffer()
        for row in _data_rows(rows, width):
            if buffer.rows == settings.IMPORT_MAX_ROWS:  # stop at the row over the cap
                raise ImportFileError(
                    f"The file has more than {settings.IMPORT_MAX_ROWS:,} rows: the most we "
                    f"accept is {settings.IMPORT_MAX_ROWS:,}. Split it into smaller files."
                )
            buffer.add(row)
    except ImportFileError:
        raise
    except Exception as error:  # broken XML, a failed checksum, a cell openpyxl cannot convert
        raise ImportFileError(
            f"The sheet “{sheet.title}” could not be read to the end: the file may be damaged. "
            "Open it in Excel, save it again and upload that."
        ) from error
    return header[:width], buffer


class _RowBuffer:
    """Rows as one pickle stream, a single block of bytes, until `dataset` turns them into
    objects in one go (see the module docstring)."""

    def __init__(self):
        self.stream = io.BytesIO()
        self.pickler = pickle.Pickler(self.stream, protocol=pickle.HIGHEST_PROTOCOL)
        self.pickler.fast = True  # no memo: it would keep every cell alive to the end
        self.rows = 0

    def add(self, row: tuple) -> None:
        self.pickler.dump(row)
        self.rows += 1

    def dataset(self, headers: list) -> tablib.Dataset:
        dataset = tablib.Dataset(headers=headers)
        share = SharedCells()
        self.stream.seek(0)
        unpickler = pickle.Unpickler(self.stream)
        for _ in range(self.rows):
            dataset.append(share(list(unpickler.load())))
        self.stream = io.BytesIO()  # the bytes go as soon as the rows are made
        return dataset


def _width(header: list) -> int:
    """Columns up to the last named one: cells right of it have no column to go in."""
    named = [index for index, name in enumerate(header, 1) if not blank_cell(name)]
    return named[-1] if named else 0


def _data_rows(rows: Iterable[tuple], width: int) -> Iterator[tuple]:
    """Each row cut or padded to `width` cells. Blank rows at the bottom (formatting often goes
    far below the data) are dropped; blank rows between data rows stay, so row numbers match."""
    padding = (None,) * width
    blanks = 0
    for values in rows:
        row = (tuple(values) + padding)[:width]
        if all(blank_cell(cell) for cell in row):
            blanks += 1
            continue
        yield from repeat(padding, blanks)
        blanks = 0
        yield row


def _refuse_blank_header(sheet: "ReadOnlyWorksheet", book: openpyxl.Workbook, rows) -> None:
    if _has_values(rows):
        raise ImportFileError(
            f"Row 1 of the sheet “{sheet.title}” is blank: put the column names in row 1."
        )
    elsewhere = [other.title for other in book.worksheets if other is not sheet and _filled(other)]
    if elsewhere:
        raise ImportFileError(
            f"The sheet “{sheet.title}”, the one the workbook opens at, is empty, but the sheet "
            f"“{elsewhere[0]}” has data. Open the workbook at that sheet (or delete the empty "
            "one), save it and upload it again."
        )
    raise ImportFileError("The file is empty: it has no header row.")


def _has_values(rows: Iterable[tuple]) -> bool:
    return any(not blank_cell(cell) for row in rows for cell in row)


def _filled(sheet: "ReadOnlyWorksheet") -> bool:
    sheet.reset_dimensions()
    return _has_values(sheet.iter_rows(values_only=True))


@dataclass
class _Layout:
    hidden_rows: list[int] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)


def _layout(archive: zipfile.ZipFile, sheet: "ReadOnlyWorksheet") -> _Layout:
    """Hidden rows and merged cells, from the sheet's XML (read-only openpyxl skips them)."""
    layout = _Layout()
    row = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal row
        tag = name.rpartition(" ")[2]  # without the namespace
        if tag == "row":
            row = int(attributes.get("r", row + 1))
            if attributes.get("hidden") in ("1", "true"):
                layout.hidden_rows.append(row)
        elif tag == "mergeCell":
            layout.merged.append(attributes.get("ref", ""))

    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    # openpyxl knows where the sheet is in the zip, but only keeps it on a private attribute.
    with archive.open(sheet._worksheet_path) as source:
        parser.ParseFile(source)
    return layout


def _notes(book: openpyxl.Workbook, sheet: "ReadOnlyWorksheet", hidden: list[int]) -> list[str]:
    notes = []
    others = [other.title for other in book.worksheets if other is not sheet]
    if others:
        notes.append(
            f"Read the sheet “{sheet.title}”, the one the workbook opens at; its other sheets "
            f"({', '.join(others)}) were not read."
        )
    if hidden:
        rows = "row" if len(hidden) == 1 else "rows"
        notes.append(
            f"The sheet has {len(hidden):,} hidden {rows} ({rows} {_some(hidden)}): they are "
            "read and imported like every other row."
        )
    return notes


def _some(items: list) -> str:
    """The first few items, and how many more."""
    shown = ", ".join(str(item) for item in items[:NAMED])
    more = len(items) - NAMED
    return f"{shown} and {more:,} more" if more > 0 else shown
