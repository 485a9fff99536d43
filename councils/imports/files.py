"""Reading import files and reporting on them, the same way in the admin and in `import_data`.

`councils.imports.resources` turns rows into records. This module owns everything around that:
the size and row caps, the two file formats, one plain message for a file that cannot be imported
at all (`ImportFileError`), and the report of every bad row (`RowProblem`).
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.template.defaultfilters import filesizeformat
from import_export.formats import base_formats
from import_export.results import Result, RowResult

from councils.imports.cells import cell_text


class ImportFileError(Exception):
    """A problem with the whole file (type, size, emptiness, columns): one plain message."""


def _size(size: int) -> str:
    return filesizeformat(size).replace("\xa0", " ")


def sizes(size: int, limit: int) -> tuple[str, str]:
    """Both sizes for a message, in bytes when rounding would show the same figure for each."""
    shown = _size(size), _size(limit)
    return shown if shown[0] != shown[1] else (f"{size:,} bytes", f"{limit:,} bytes")


def blank_cell(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def normalise_header(name: object) -> str:
    """`Council Code ` -> `council_code`: column names match whatever their case and spacing."""
    return "_".join(str(name or "").strip().lower().replace("_", " ").split())


def unreadable(format_title: str, error: Exception) -> str:
    """The message for a file that does not parse as the format its name promises."""
    if isinstance(error, UnicodeDecodeError):
        return (
            "The file is not a UTF-8 CSV file. In Excel choose Save As, then “CSV UTF-8”, "
            "and upload that."
        )
    if isinstance(error, tablib.InvalidDimensions):
        return "A row of the file has more cells than the header row has columns."
    if isinstance(error, zipfile.BadZipFile | KeyError | OSError):
        return "The file could not be opened as an Excel workbook (.xlsx)."
    if isinstance(error, csv.Error):
        return f"The file could not be read as CSV: {error}."
    return f"The file could not be read as {format_title.upper()}."


def tidy(dataset: tablib.Dataset) -> tablib.Dataset:
    """Normalise the header row and refuse an empty or over-long file (changes `dataset`)."""
    if not dataset.headers or all(blank_cell(name) for name in dataset.headers):
        raise ImportFileError("The file is empty: it has no header row.")
    headers = [normalise_header(name) for name in dataset.headers]
    named = [name for name in headers if name]
    for name in named:
        if named.count(name) > 1:
            raise ImportFileError(f"The column “{name}” appears more than once in the header row.")
    dataset.headers = headers
    # Spreadsheets often carry formatted but empty rows at the bottom; rows in between stay so
    # that row numbers in the report match the file.
    while len(dataset) and all(blank_cell(cell) for cell in dataset[-1]):
        dataset.rpop()
    if not len(dataset):
        raise ImportFileError("The file has a header row but no rows of data under it.")
    if len(dataset) > settings.IMPORT_MAX_ROWS:
        raise ImportFileError(
            f"The file has {len(dataset):,} rows: the most we accept is "
            f"{settings.IMPORT_MAX_ROWS:,}. Split it into smaller files."
        )
    return dataset


# Distinct values shared per column: more, and the column's values are unique (a reference, a
# summary), so sharing them saves nothing.
SHARED_PER_COLUMN = 4096


class SharedCells:
    """Gives a column's repeated cells (a council code, a date, an outcome) one object between
    them: a 200,000-row file then holds a few thousand of these strings, not two million."""

    def __init__(self):
        self.columns: list[dict | None] = []  # by position; None once a column stops
        self._shared: list[tuple[int, dict]] = []  # the columns still shared

    def __call__(self, row: list) -> list:
        if len(row) > len(self.columns):
            self.columns += [{} for _ in range(len(row) - len(self.columns))]
            self._share()
        width = len(row)
        for position, seen in self._shared:
            if position < width:
                cell = row[position]
                # Keyed with the type too: 1, 1.0 and True are equal, but read differently.
                key = cell if type(cell) is str else (type(cell), cell)
                row[position] = seen.setdefault(key, cell)
                if len(seen) > SHARED_PER_COLUMN:
                    self.columns[position] = None
                    self._share()
        return row

    def _share(self) -> None:
        self._shared = [(p, seen) for p, seen in enumerate(self.columns) if seen is not None]


class _CheckedFormat:
    """Read, then tidy; every failure becomes an ImportFileError."""

    def create_dataset(self, in_stream, **kwargs) -> tablib.Dataset:
        try:
            dataset = self.read(in_stream, **kwargs)
        except ImportFileError:
            raise
        except Exception as error:
            raise ImportFileError(unreadable(self.get_title(), error)) from error
        return tidy(dataset)

    def read(self, in_stream, **kwargs) -> tablib.Dataset:
        return super().create_dataset(in_stream, **kwargs)


class CSV(_CheckedFormat, base_formats.CSV):
    def __init__(self, encoding: str | None = "utf-8-sig"):
        super().__init__(encoding=encoding)

    def read(self, in_stream, **kwargs) -> tablib.Dataset:
        # tablib decodes the whole file at once and keeps a string per cell: read it as a stream
        # and share repeated cells, otherwise as tablib does (blank lines skipped, short rows
        # padded, a long row refused).
        if isinstance(in_stream, bytes):
            text = io.TextIOWrapper(io.BytesIO(in_stream), encoding=self.encoding, newline="")
        else:
            text = io.StringIO(in_stream, newline="")
        rows = csv.reader(text)
        dataset = tablib.Dataset(headers=next(rows, []))
        share = SharedCells()
        for row in rows:
            if row:
                dataset.append(share(row + [""] * (dataset.width - len(row))))
        return dataset


class XLSX(_CheckedFormat, base_formats.XLSX):
    def read(self, in_stream, **kwargs) -> tablib.Dataset:
        # Not the library's reader, which trusts the sheet's stated size (councils.imports.xlsx).
        from councils.imports.xlsx import read_xlsx  # it builds on this module: imported when used

        return read_xlsx(in_stream)


FORMATS: list[type[base_formats.Format]] = [CSV, XLSX]


def check_upload(name: str, size: int) -> type[base_formats.Format]:
    """Refuse a file by its name and size before reading it; return the format to read it with."""
    if size > settings.IMPORT_MAX_BYTES:
        shown, most = sizes(size, settings.IMPORT_MAX_BYTES)
        raise ImportFileError(
            f"The file is {shown}: the most we accept is {most}. Split it into smaller files."
        )
    extension = PurePath(name).suffix.lower().lstrip(".")
    by_extension = {file_format().get_extension(): file_format for file_format in FORMATS}
    if extension not in by_extension:
        raise ImportFileError(
            f"“{name}” is not a CSV or XLSX file. Save the spreadsheet as “CSV UTF-8” or as an "
            "Excel workbook (.xlsx) and import that."
        )
    if size == 0:
        raise ImportFileError("The file is empty: it has no header row.")
    return by_extension[extension]


def read_file(name: str, content: bytes) -> tablib.Dataset:
    """The dataset in `content`, checked and tidied (size, type, emptiness, row cap)."""
    file_format = check_upload(name, len(content))
    return file_format().create_dataset(content)


def read_notes(dataset: tablib.Dataset) -> list[str]:
    """What staff should know about how the file was read, e.g. which sheet (`imports.xlsx`)."""
    return getattr(dataset, "notes", [])


def check_columns(dataset: tablib.Dataset, kind: str, required: list[str], known: list[str]):
    missing = [name for name in required if name not in dataset.headers]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ImportFileError(
            f"The file has no {', '.join(missing)} column{plural}. A {kind} file has the "
            f"columns {', '.join(known)} (in any order and case; other columns are ignored)."
        )


@dataclass(frozen=True)
class RowProblem:
    """One reason one row was refused. `row` counts the header as row 1, as a spreadsheet does."""

    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.column:
            where += f", {self.column} “{self.value}”" if self.value else f", {self.column} (blank)"
        return f"{where}: {self.reason}"


def row_problems(result: Result, columns: dict[str, str]) -> list[RowProblem]:
    """Every problem with every row, in file order. `columns` maps field attributes to columns."""
    headers = result.diff_headers
    problems = []
    for invalid in result.invalid_rows:
        for attribute, messages in invalid.error_dict.items():
            column = "" if attribute == NON_FIELD_ERRORS else columns.get(attribute, attribute)
            value = invalid.values[headers.index(column)] if column in headers else ""
            text = "" if value == "---" else cell_text(value)  # as it reads in the file
            problems.extend(RowProblem(invalid.number + 1, column, text, m) for m in messages)
    for error_row in result.error_rows:
        problems.extend(
            RowProblem(error_row.number + 1, "", "", f"Unexpected error: {error.error}")
            for error in error_row.errors
        )
    return sorted(problems, key=lambda problem: problem.row)


@dataclass(frozen=True)
class Counts:
    new: int
    updated: int
    unchanged: int
    rejected: int

    @classmethod
    def of(cls, result: Result) -> "Counts":
        totals = result.totals
        return cls(
            new=totals[RowResult.IMPORT_TYPE_NEW],
            updated=totals[RowResult.IMPORT_TYPE_UPDATE],
            unchanged=totals[RowResult.IMPORT_TYPE_SKIP],
            rejected=totals[RowResult.IMPORT_TYPE_INVALID] + totals[RowResult.IMPORT_TYPE_ERROR],
        )

    def __str__(self) -> str:
        text = f"{self.new:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged"
        return text + (f", {self.rejected:,} rejected" if self.rejected else "")
