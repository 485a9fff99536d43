"""`DataResource`: what the four import resources (`councils.imports.resources`) share.

Each resource only declares its columns, its natural key, how to fetch the records a file may
update, and its rules across columns. Everything else is here:

- every problem in every row is reported (row, column, value, reason), and if any row is bad
  nothing is written: the whole import is one transaction, rolled back;
- bounded memory and time: the rows are checked and written in chunks (`councils.imports.engine`,
  which says how and why), the records a chunk may update are fetched by natural key, foreign
  keys come from dictionaries built once per import, and a row is compared with its record as a
  tuple of values;
- a row the database still refuses (a constraint the checks here missed) is found by halving its
  chunk's write and reported against its row instead of failing the request;
- every run is recorded as an ImportRecord, and one that changed data bumps the data version.
"""

import copy
from collections.abc import Callable, Iterator
from operator import attrgetter
from typing import Any, ClassVar

import tablib
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from import_export.fields import Field
from import_export.results import Result, RowResult

from councils import revisions
from councils.imports.cells import YearBook
from councils.imports.engine import ChunkedImport, ImportResult, has_problems, refused
from councils.imports.files import (
    Counts,
    ImportFileError,
    check_columns,
    read_notes,
    row_problems,
    tidy,
)
from councils.models import (
    ImportRecord,
)
from councils.opendata.exports import SafeResource

# The admin preview shows this many new or changed rows; the counts cover the rest.
PREVIEW_ROWS = 100


class DataResource(revisions.RevisesOnImport, ChunkedImport, SafeResource):
    """What the four import resources share (see the module docstring), and revisions."""

    import_kind: ClassVar[str]
    # Columns a file may leave out: the records keep (or, when new, default) those values.
    optional_columns: ClassVar[frozenset[str]] = frozenset()

    class Meta:
        use_transactions = True
        use_bulk = True
        skip_unchanged = True
        report_skipped = True
        # The library deep-copies every row to diff it; `skip_row` compares a tuple instead and
        # `after_import_row` renders the few preview rows the admin shows.
        skip_diff = True
        skip_html_diff = True

    @classmethod
    def get_result_class(cls):
        return ImportResult

    def __init__(self, progress: Callable[[int, int], None] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.progress = progress
        model_fields = self._meta.model._meta
        attnames = [model_fields.get_field(f.attribute).attname for f in self._import_fields]
        self._attnames = attnames
        self._values = attrgetter(*attnames)  # the record's imported values, as a tuple
        self._cells = [(f.column_name, f.attribute, f.widget.clean) for f in self._import_fields]
        self._columns = {field.attribute: field.column_name for field in self._import_fields}
        self._related = [
            f.attribute
            for f in self._import_fields
            if model_fields.get_field(f.attribute).is_relation
        ]
        self._key_fields = [self.fields[name] for name in self.get_import_id_fields()]
        self._key_attributes = [field.attribute for field in self._key_fields]
        key_attnames = [model_fields.get_field(a).attname for a in self._key_attributes]
        self._key = attrgetter(*key_attnames)
        self._reset()

    def _reset(self) -> None:
        self._total = 0
        self._seen: dict[tuple, int] = {}
        self._current: Model | None = None
        self._before: tuple | None = None
        self._original: Model | None = None
        self._previews: list[RowResult] = []
        self.years = YearBook()

    @cached_property
    def _import_fields(self) -> list[Field]:
        return super().get_import_fields()

    def get_import_fields(self):
        return self._import_fields  # the library recomputes the list for every row otherwise

    @property
    def columns(self) -> list[str]:
        return [field.column_name for field in self._import_fields]

    @property
    def required_columns(self) -> list[str]:
        return [name for name in self.columns if name not in self.optional_columns]

    # Hooks for the four resources.

    def prepare(self, dataset: tablib.Dataset) -> None:
        """Fill the lookup maps of the foreign-key cells, once per import."""

    def prepare_chunk(self, headers: list[str], rows: list[tuple]) -> None:
        """Fill the lookup maps of the cells that only need a chunk's worth (`rows`)."""

    def existing(self, keys: list[tuple]) -> QuerySet:
        """The records whose natural keys may be among `keys` (at most KEYS_PER_QUERY)."""
        raise NotImplementedError

    def check(self, record, failed: frozenset[str]) -> Iterator[tuple[str, str]]:
        """(attribute, reason) for each rule across columns broken; `failed` cells are skipped.

        `record` is a model instance, or a bulk resource's staged record: read it by attname."""
        return iter(())

    def accepted(self, record) -> None:
        """Called with each good row's record (as `check` has it)."""

    # Natural keys.

    @property
    def key_columns(self) -> list[str]:
        return [field.column_name for field in self._key_fields]

    def row_key(self, cells: tuple) -> tuple | None:
        """The natural key in a row's key cells (foreign keys as ids), or None if they are bad."""
        key = []
        for field, cell in zip(self._key_fields, cells, strict=True):
            try:
                value = field.widget.clean(cell)
            except ValueError:
                return None
            key.append(value.pk if isinstance(value, Model) else value)
        return tuple(key)

    def record_key(self, record) -> tuple:
        key = self._key(record)
        return key if len(self._key_attributes) > 1 else (key,)

    # The import.

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        # All or nothing, whatever the caller asks: one transaction, rolled back on any bad row.
        try:
            tidy(dataset)
            check_columns(dataset, self.import_kind, self.required_columns, self.columns)
        except ImportFileError as error:
            result = self.get_result_class()()
            result.append_base_error(self.get_error_result_class()(error))
        else:
            result = super().import_data(
                dataset,
                dry_run=dry_run,
                raise_errors=raise_errors,
                use_transactions=True,
                collect_failed_rows=collect_failed_rows,
                rollback_on_validation_errors=True,
                **kwargs,
            )
        result.problems = row_problems(result, self._columns)
        result.file_problems = [str(error.error) for error in result.base_errors]
        result.notes = read_notes(dataset)
        result.counts = Counts.of(result)
        result.preview_rows = self._previews
        if not has_problems(result):
            result.new_years_notice = self.years.notice(done=not dry_run)
        self._record(result, dry_run=dry_run, **kwargs)
        self._reset()
        return result

    def before_import(self, dataset, **kwargs):
        self._reset()
        self._total = len(dataset)
        today = timezone.localdate()
        for field in self._import_fields:
            field.widget.start(today)
        self.prepare(dataset)

    def get_instance(self, instance_loader, row):
        # The key columns are known to be there (import_data checks): skip the library's check.
        return instance_loader.get_instance(row)

    def after_init_instance(self, instance, new, row, **kwargs):
        self._current = instance
        self._before = None if new else self._values(instance)
        keep_original = not new and len(self._previews) < PREVIEW_ROWS
        self._original = copy.copy(instance) if keep_original else None

    def import_instance(self, instance, row, **kwargs):
        # Collect every problem in the row, not just the first the library would stop at.
        errors: dict[str, list[str]] = {}
        for column, attribute, clean in self._cells:
            if column in row:
                try:
                    value = clean(row[column], row)  # the row: a category depends on the year
                except ValueError as error:
                    errors[attribute] = [str(error)]
                else:
                    setattr(instance, attribute, value)
        self.validate(instance, errors, kwargs["row_number"])
        if errors:
            raise ValidationError(errors)
        self.accepted(instance)

    def validate(self, record, errors: dict[str, list[str]], number: int) -> None:
        """Add to the cells' `errors` the rules across columns that `record` breaks, and a natural
        key repeated from an earlier row of the file."""
        failed = frozenset(errors)
        for attribute, reason in self.check(record, failed):
            errors.setdefault(attribute, []).append(reason)
        if failed.isdisjoint(self._key_attributes):
            row_number = number + 1  # the header is row 1
            first = self._seen.setdefault(self.record_key(record), row_number)
            if first != row_number:
                key = " + ".join(self._columns[a] for a in self._key_attributes)
                errors.setdefault(self._key_attributes[0], []).append(
                    f"Repeats row {first}: each {key} may appear only once in a file."
                )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # Unchanged: every imported column already holds the file's value.
        return (
            not import_validation_errors
            and self._before is not None
            and self._values(instance) == self._before
        )

    def after_import_row(self, row, row_result, **kwargs):
        if row_result.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE):
            self._add_preview(row_result.import_type, self._current, self._original)

    def preview_staged(self, stager, import_type: str, record, old: tuple | None, cells) -> None:
        """Show a bulk resource's new or changed row, if among the first PREVIEW_ROWS."""
        if len(self._previews) >= PREVIEW_ROWS:
            return
        model = self._meta.model
        instance = model(**record._asdict())
        for attribute, related in stager.related(cells, record).items():
            setattr(instance, attribute, related)  # rendered without a query
        original = None if old is None else model(**dict(zip(stager.attnames, old, strict=True)))
        self._add_preview(import_type, instance, original)

    def _add_preview(self, import_type: str, instance: Model, original: Model | None) -> None:
        if len(self._previews) < PREVIEW_ROWS:
            row_result = self.get_row_result_class()()
            row_result.import_type = import_type
            row_result.diff = self._preview(instance, original)
            self._previews.append(row_result)

    def _preview(self, instance: Model, original: Model | None) -> list[str]:
        cells = []
        for field, attname in zip(self._import_fields, self._attnames, strict=True):
            new = field.export(instance)
            same = original is None or getattr(original, attname) == getattr(instance, attname)
            old = new if same else field.export(original)  # a changed foreign key: one query
            cells.append(
                new if old == new else format_html("<del>{}</del> <ins>{}</ins>", old, new)
            )
        return cells

    def row_done(self, number: int) -> None:
        if self.progress:
            self.progress(number, self._total)

    def preview_writes(self) -> bool:
        # Public years' figures are measured after the rows are written (councils.revisions).
        return bool(self.revision_watch)

    def do_instance_save(self, instance, is_create):
        # Without bulk mode each row is saved on its own: blame a refusal on the row.
        try:
            with transaction.atomic(using=self.get_db_connection_name()):
                super().do_instance_save(instance, is_create)
        except (IntegrityError, DataError) as error:
            raise refused(error) from error

    def _record(
        self,
        result: Result,
        *,
        dry_run: bool,
        file_name: str = "",
        file_size: int = 0,
        user: Any = None,
        via: str = ImportRecord.Via.OTHER,
        **kwargs,
    ) -> None:
        counts = result.counts
        applied = not dry_run and not has_problems(result)
        ImportRecord.objects.create(
            kind=self.import_kind,
            file_name=(file_name or "")[:255],
            file_size=file_size or 0,
            imported_by=user if getattr(user, "is_authenticated", False) else None,
            via=via,
            dry_run=dry_run,
            applied=applied,
            new=counts.new,
            updated=counts.updated,
            unchanged=counts.unchanged,
            rejected=counts.rejected,
            problem="\n".join(result.file_problems),
        )

    # Export: the same columns (`SafeResource` keeps them safe to open in a spreadsheet).

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        return queryset.select_related(*self._related)
