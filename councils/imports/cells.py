"""Import cells: the base widget, the date and reporting-year cells with their rules, and the
council type and service category cells (by any of their names). The cells for text, codes,
choices, counts and the councils and decisions a row refers to are in `imports.value_cells`.

Dates and years are accepted from the first reporting year we publish
(`ReportingYear.FIRST_START`, 2013-14) up to today, or up to the year containing today; anything
else is refused with the rule it breaks. Problems show a cell as it reads in the file
(`cell_text`), so an XLSX date is `14/05/2023`, never `2023-05-14 00:00:00`.
"""

import datetime
import functools
import re
from collections.abc import Hashable
from functools import cached_property
from typing import Any

from django.utils import timezone
from django.utils.text import get_text_list
from import_export.widgets import Widget

from councils.models import (
    Category,
    CouncilType,
    ReportingYear,
    reporting_year_start,
    year_label,
)

# Excel stores a date as days since 30 December 1899 (exact from March 1900 on).
EXCEL_EPOCH = datetime.date(1899, 12, 30)
NOT_A_DATE = "Not a date. Use 2023-05-14 or 14/05/2023."
# Distinct date texts a date cell remembers in one import (a few years of days, twice over).
DAYS_REMEMBERED = 4096


def cell_text(value: object) -> str:
    """A cell as trimmed text, as it reads in the file: an XLSX file also gives numbers, dates
    and None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    if isinstance(value, datetime.datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return str(value).strip()


_AROUND_PUNCTUATION = re.compile(r"\s*([/,])\s*")


def fold(text: str) -> str:
    """Compare names loosely: any case and spacing, `&` for `and`, curly apostrophes."""
    words = " ".join(text.lower().replace("&", " and ").replace("\u2019", "'").split())
    return _AROUND_PUNCTUATION.sub(r"\1", words)


def _long(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


class CellWidget(Widget):
    """One column's cells: `parse` raises ValueError with a reason staff can act on."""

    blank: Any = None
    # Whether a cell reads the same all through an import, so that each distinct cell is read
    # once (`imports.staging`).
    remembered = True

    def __init__(self, *, required: bool = False):
        super().__init__(coerce_to_string=True)
        self.required = required

    def start(self, today: datetime.date) -> None:
        """Called as an import begins, with the day it runs on."""

    def depends_on(self, row: dict) -> Hashable:
        """What else in the row a cell's reading depends on, if anything."""
        return None

    def clean(self, value, row=None, **kwargs):
        text = value.strip() if type(value) is str else cell_text(value)
        if not text:
            if self.required:
                raise ValueError("Required, but the cell is blank.")
            return self.blank
        if "\x00" in text:  # PostgreSQL cannot store it, nor even look it up
            raise ValueError("Contains a NUL character: check the file is really text.")
        return self.parse(text)

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class DateCell(CellWidget):
    """A day written 2023-05-14 or 14/05/2023, or an XLSX date: a date cell, or the day number
    Excel keeps when a cell has lost its date format.

    From the start of the first reporting year we publish to today; with `future`, for a due
    date, to the end of next reporting year (far enough for any deadline, not for a typo).
    """

    _ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
    _UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")

    def __init__(self, *, required: bool = False, future: bool = False):
        super().__init__(required=required)
        self.future = future
        # Set for the length of an import: asking the clock for every cell costs seconds.
        self.today: datetime.date | None = None
        # Each distinct text read once per import: a year's file has a few hundred days.
        self.read: dict[str, datetime.date | ValueError] = {}

    def start(self, today: datetime.date) -> None:
        self.today = today
        self.read = {}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return self._in_range(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self._excel_day(value)
        return super().clean(value, row, **kwargs)

    def parse(self, text: str) -> datetime.date:
        day = self.read.get(text)
        if day is None:
            try:
                day = self._in_range(self._read(text))
            except ValueError as error:
                day = error
            if len(self.read) < DAYS_REMEMBERED:
                self.read[text] = day
        if isinstance(day, ValueError):
            raise ValueError(*day.args)
        return day

    def _read(self, text: str) -> datetime.date:
        try:
            if self._ISO.fullmatch(text):
                return datetime.date.fromisoformat(text)
            if match := self._UK.fullmatch(text):
                day, month, year = map(int, match.groups())
                return datetime.date(year, month, day)
        except ValueError:
            raise ValueError("Not a real date: check the day and the month.") from None
        raise ValueError(NOT_A_DATE)

    def _excel_day(self, number: float) -> datetime.date:
        # Only a number that is a day we accept: any other is a count or a code, not a date.
        earliest, (latest, _) = ReportingYear.first_day(), self._latest()
        if not (earliest - EXCEL_EPOCH).days <= number < (latest - EXCEL_EPOCH).days + 1:
            raise ValueError(NOT_A_DATE)
        return EXCEL_EPOCH + datetime.timedelta(days=int(number))

    def _in_range(self, day: datetime.date) -> datetime.date:
        first = ReportingYear.first_day()
        if day < first:
            raise ValueError(
                f"Before {_long(first)}, the start of the first reporting year we publish "
                f"({year_label(first.year)})."
            )
        latest, reason = self._latest()
        if day > latest:
            raise ValueError(reason)
        return day

    def _latest(self) -> tuple[datetime.date, str]:
        return latest_day(self.today or timezone.localdate(), future=self.future)

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


@functools.lru_cache(maxsize=16)
def latest_day(today: datetime.date, *, future: bool) -> tuple[datetime.date, str]:
    """The last day a date cell accepts, and the reason given for a later one."""
    if not future:
        return today, f"After today, {today:%d/%m/%Y}: a date cannot be in the future."
    end = ReportingYear.dates_for(year_label(reporting_year_start(today) + 1))[1]
    return end, f"After {_long(end)}, the end of next reporting year: check the year."


class YearBook:
    """The reporting years one import uses, by label.

    A year the file needs and the database lacks is created at once (a population's foreign key
    needs it) inside the import's transaction, so a preview or a refused file leaves none behind;
    `created` lets the preview say which years confirming creates.
    """

    def __init__(self):
        self.created: list[str] = []
        self._by_day: dict[datetime.date, ReportingYear] = {}

    @cached_property
    def _by_label(self) -> dict[str, ReportingYear]:
        return {year.label: year for year in ReportingYear.objects.all()}

    def for_label(self, label: str) -> ReportingYear:
        year = self._by_label.get(label)
        if year is None:
            label = year_label(ReportingYear.check_label(label))  # ValueError with the reason
            year = self._by_label[label] = ReportingYear.get_or_create_for_label(label)
            self.created.append(label)
        return year

    def for_day(self, day: datetime.date) -> ReportingYear:
        year = self._by_day.get(day)
        if year is None:
            year = self._by_day[day] = self.for_label(year_label(reporting_year_start(day)))
        return year

    def notice(self, *, done: bool) -> str:
        """What staff are told about the years created, in the admin preview and the command."""
        if not self.created:
            return ""
        labels = sorted(self.created)
        plural = "s" if len(labels) > 1 else ""
        years = f"the reporting year{plural} {get_text_list(labels, 'and')}"
        action = f"Created {years}" if done else f"Importing this file creates {years}"
        return f"{action}, hidden from the public until published with publish_year."


class YearCell(CellWidget):
    """A reporting year by label, from the import's `YearBook`."""

    def __init__(self, *, required: bool = False):
        super().__init__(required=required)
        self.years = YearBook()  # each import sets its own

    def parse(self, text: str) -> ReportingYear:
        return self.years.for_label(text)

    def render(self, value, obj=None, **kwargs):
        return value.label if value else ""


class TypeCell(CellWidget):
    """A council type by its slug or name (any case and spacing)."""

    def __init__(self, *, required: bool = False):
        super().__init__(required=required)
        self.slugs: list[str] = []
        self.by_name: dict[str, CouncilType] = {}

    def load(self) -> None:
        types = list(CouncilType.objects.all())
        self.slugs = [t.slug for t in types]
        self.by_name = {fold(text): t for t in types for text in (t.slug, t.name)}

    def parse(self, text: str) -> CouncilType:
        council_type = self.by_name.get(fold(text))
        if council_type is None:
            raise ValueError(f"Not a known council type. Use one of: {'; '.join(self.slugs)}.")
        return council_type

    def render(self, value, obj=None, **kwargs):
        return value.slug if value else ""


class CategoryCell(CellWidget):
    """A service category by its name or any former name (any case and spacing), used in the
    row's reporting year: the year of its decision date, or of its received date if undecided.

    A refusal lists the categories of that year (when the row's dates say which it is).
    """

    def __init__(self, *, required: bool = False):
        super().__init__(required=required)
        self.categories: list[Category] = []
        self.by_name: dict[str, Category] = {}
        self.dates = DateCell()
        # The year label of each distinct date cell ("" when blank, None when bad), per import.
        self.labels: dict[Hashable, str | None] = {}

    def start(self, today: datetime.date) -> None:
        self.dates.start(today)
        self.labels = {}

    def load(self) -> None:
        names = Category.objects.by_any_name()
        self.categories = sorted(set(names.values()), key=lambda c: (c.display_order, c.name))
        self.by_name = {fold(name): category for name, category in names.items()}

    def clean(self, value, row=None, **kwargs):
        label = self._year(row or {})
        try:
            category = super().clean(value, row, **kwargs)
            if label and not category.is_used_in(label):
                raise ValueError(f"{category} is {category.years}, not in {label}.")
        except ValueError as error:
            if not label:
                raise
            names = "; ".join(c.name for c in self.categories if c.is_used_in(label))
            raise ValueError(f"{error} The service categories for {label} are: {names}.") from None
        return category

    def depends_on(self, row: dict) -> Hashable:
        return self._year(row)

    def _year(self, row) -> str | None:
        """The row's reporting year, or None if its dates do not say (their cells report why)."""
        for column in ("decided", "received"):
            cell = row.get(column)
            key = cell if type(cell) is str else (type(cell), cell)
            label = self.labels.get(key, "?")
            if label == "?":
                label = self._label(cell)
                if len(self.labels) < DAYS_REMEMBERED:
                    self.labels[key] = label
            if label != "":
                return label
        return None

    def _label(self, cell) -> str | None:
        try:
            day = self.dates.clean(cell)
        except ValueError:
            return None
        return year_label(reporting_year_start(day)) if day else ""

    def parse(self, text: str) -> Category:
        category = self.by_name.get(fold(text))
        if category is None:
            raise ValueError("Not a known service category.")
        return category

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


# --- Text, codes, choices, numbers and the records a row refers to -------------------------
