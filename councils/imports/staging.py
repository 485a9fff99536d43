"""A file's rows straight to tuples of database values (`councils.imports.engine`).

Each cell is cleaned by its column's widget, as the library would, but to the value the database
stores (a council's id, not the council), and each distinct cell is read once per import: a
200,000-row file has a few hundred dates, council codes and categories, read once each, not
200,000 times. A record is a named tuple by attname (`council_id`), so that the rules across
columns (`DataResource.check`) read it as they read a model instance.
"""

from collections import namedtuple
from collections.abc import Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from councils.imports.cells import CellWidget

# Distinct cells remembered per column: more, and the column's cells are unique (a reference, a
# summary), so remembering them saves nothing.
MEMO_CELLS = 8192
_NOT_READ = object()


class Cell(NamedTuple):
    """How one column of the file is read."""

    index: int  # in the record
    position: int  # in the row
    attribute: str
    widget: CellWidget
    related: bool  # a foreign key: the record holds the id of what the widget finds
    depends: bool  # its reading depends on the rest of the row (`CellWidget.depends_on`)


class RowStager:
    """Cleans rows of a file with `headers` for `resource`, to records of all its import fields:
    a field whose column the file lacks takes the existing record's value, or its default."""

    def __init__(self, resource, headers: Sequence[str]):
        model = resource._meta.model
        fields = resource.get_import_fields()
        model_fields = [model._meta.get_field(field.attribute) for field in fields]
        self.attnames = tuple(field.attname for field in model_fields)
        self.record = namedtuple(f"{model.__name__}Record", self.attnames)
        self.headers = list(headers)
        self.cells = [
            Cell(
                index,
                self.headers.index(field.column_name),
                field.attribute,
                field.widget,
                model_field.is_relation,
                type(field.widget).depends_on is not CellWidget.depends_on,
            )
            for index, (field, model_field) in enumerate(zip(fields, model_fields, strict=True))
            if field.column_name in self.headers
        ]
        self.memos: list[dict | None] = [
            {} if cell.widget.remembered else None for cell in self.cells
        ]
        # The records the remembered foreign-key cells named, by id (for the preview).
        self.objects: list[dict] = [{} for _ in self.cells]
        present = {cell.index for cell in self.cells}
        self.absent = [index for index in range(len(fields)) if index not in present]
        self.defaults = [field.get_default() for field in model_fields]
        self.reads_row = any(cell.depends for cell in self.cells)
        keys = [resource.fields[name].attribute for name in resource.get_import_id_fields()]
        self.key_attributes = frozenset(keys)
        attributes = [field.attribute for field in fields]
        self.key_indexes = [attributes.index(attribute) for attribute in keys]
        pick = itemgetter(*self.key_indexes)
        self._key = pick if len(keys) > 1 else lambda cleaned: (pick(cleaned),)

    def row(self, values: Sequence) -> dict[str, Any]:
        return dict(zip(self.headers, values, strict=True))

    def clean(self, values: Sequence) -> tuple[list, dict[str, list[str]]]:
        """The row's values by record index (None where a cell is bad or absent), and the reason
        for each bad cell by attribute."""
        row = self.row(values) if self.reads_row else None
        cleaned: list = [None] * len(self.attnames)
        errors: dict[str, list[str]] = {}
        for number, (index, position, attribute, widget, _, depends) in enumerate(self.cells):
            cell = values[position]
            memo = self.memos[number]
            if memo is None:
                value = self._read(number, cell, row)
            else:
                key = cell if type(cell) is str else (type(cell), cell)
                if depends:
                    key = (key, widget.depends_on(row))
                value = memo.get(key, _NOT_READ)
                if value is _NOT_READ:
                    value = memo[key] = self._read(number, cell, row)
                    if len(memo) > MEMO_CELLS:
                        self.memos[number] = None
            if isinstance(value, ValueError):
                errors[attribute] = [str(value)]
            else:
                cleaned[index] = value
        return cleaned, errors

    def key(self, cleaned: list, errors: dict) -> tuple | None:
        """The row's natural key (foreign keys as ids), or None if a key cell is bad."""
        if errors and not self.key_attributes.isdisjoint(errors):
            return None
        return self._key(cleaned)

    def complete(self, cleaned: list, existing: tuple | None) -> tuple:
        """The record, absent columns filled from the `existing` record's values or defaults."""
        for index in self.absent:
            cleaned[index] = self.defaults[index] if existing is None else existing[index]
        return self.record._make(cleaned)

    def _read(self, number: int, cell: Any, row: dict | None) -> Any:
        """The cell's database value, or the ValueError saying why it is bad."""
        column = self.cells[number]
        try:
            value = column.widget.clean(cell, row)
        except ValueError as error:
            return error
        if column.related and value is not None:
            if self.memos[number] is not None:
                self.objects[number][value.pk] = value
            return value.pk
        return value

    def related(self, values: Sequence, record: tuple) -> dict[str, Any]:
        """The records a good row's foreign-key cells name, by attribute (for its preview)."""
        found = {}
        for number, cell in enumerate(self.cells):
            target = record[cell.index] if cell.related else None
            if target is not None:
                named = self.objects[number].get(target)
                if named is None:  # not remembered: read the cell again
                    named = cell.widget.clean(values[cell.position], self.row(values))
                found[cell.attribute] = named
        return found
