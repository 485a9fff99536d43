"""How `councils.imports.base.DataResource` runs a file's rows: in chunks, in bounded memory.

The rows are cleaned, checked and written `CHUNK_ROWS` at a time, all inside the import's one
transaction. For each chunk the records it may update are fetched by natural key, its rows go
through the library's `import_row` (the same cells, rules and hooks as ever), its new records are
inserted with Django's bulk_create and its changed ones updated with a set-based `UPDATE ... FROM
(VALUES ...)`, and then its records and row results are dropped. What outlives a chunk is small:
the counts, the first rows of the preview, the problems of bad rows, and the natural keys seen so
far (a key repeated anywhere in the file is refused). A 200,000-row file never has more than one
chunk of model instances or per-row results in memory, where the library keeps both for every row.

Chunks rather than staging the rows in a temporary table and applying them with set-based SQL:
every rule lives in Python with a reason staff can act on (cells, rules across columns, repeated
keys), and staging would need each rule again in SQL, for SQLite and PostgreSQL, to name the
row, column and value. With chunks the rules stay in one place and the database work is still
set-based: one insert and one update per chunk.

The promises hold across chunks. All or nothing: the chunks share one transaction, rolled back
when any row is bad, even a row in the last chunk after earlier chunks were written; once a row
is bad nothing more is written, but every row is still checked and reported. A row the database
refuses (a constraint the checks missed) is found by halving its chunk's write. A preview (a dry
run) writes nothing, every row having been checked against each constraint by the cells and rules,
unless the resource needs the rows written (`preview_writes`) to measure them before the rollback.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.db.models import Model
from import_export.exceptions import ImportError as RowImportError
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result, RowResult

from councils import dataversion, revisions
from councils.imports.files import Counts, RowProblem

# Rows per chunk: large enough that the per-chunk queries and writes cost little, small enough
# that a chunk's records stay a few megabytes.
CHUNK_ROWS = 5_000
# Natural keys per `IN (...)` query: well under SQLite's and PostgreSQL's parameter limits.
KEYS_PER_QUERY = 10_000
# Rows per UPDATE statement: well under SQLite's and PostgreSQL's parameter limits.
UPDATE_ROWS = 1_000


def lock_imports(kind: str, *, wait: bool = False) -> bool:
    """Take the lock on importing `kind` until the transaction ends, unless someone holds it
    (or, with `wait`, once they let it go)."""
    if connection.vendor != "postgresql":
        return True  # SQLite lets one transaction write at a time anyway
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(hashtext(%s))::text", [f"import:{kind}"])
        return cursor.fetchone()[0] in ("", "true")


class NaturalKeyLoader(BaseInstanceLoader):
    """Fetches the records a chunk of rows may update, keyed by the resource's natural key.

    The library's default loader runs a query per row, and its CachedInstanceLoader handles only
    a single key column. Each distinct set of key cells is parsed once.
    """

    def __init__(self, resource, headers: list[str], rows: list[tuple]):
        super().__init__(resource)
        self.columns = resource.key_columns
        positions = [headers.index(column) for column in self.columns]
        cells = {tuple(values[position] for position in positions) for values in rows}
        self.keys = {raw: resource.row_key(raw) for raw in cells}
        wanted = set(self.keys.values()) - {None}
        self.instances = {resource.instance_key(obj): obj for obj in resource.existing(wanted)}

    def get_instance(self, row):
        key = self.keys.get(tuple(row[column] for column in self.columns))
        return None if key is None else self.instances.get(key)


class ImportResult(Result):
    """The library's result without a RowResult per row: the counts (`totals`), the bad rows, and
    what staff are shown (filled in by `DataResource.import_data`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems: list[RowProblem] = []  # every bad cell of every row, in file order
        self.file_problems: list[str] = []  # why the whole file was refused
        self.counts = Counts(new=0, updated=0, unchanged=0, rejected=0)
        self.preview_rows: list[RowResult] = []  # the first new or changed rows
        self.new_years_notice = ""  # the reporting years the import creates, if any
        self.revisions = revisions.NO_IMPACT  # what the file does to public years' figures

    def row_errors(self):
        # The library looks for them in `rows`, which is no longer kept (so `has_errors` and the
        # rollback it decides would miss them).
        return [(row.number, row.errors) for row in self.error_rows]


def has_problems(result: Result) -> bool:
    return bool(result.base_errors or result.invalid_rows or result.error_rows)


def refused(error: IntegrityError | DataError) -> ValidationError:
    return ValidationError(f"The database refused this row: {error}.")


class ChunkedImport:
    """The row loop of a ModelResource, in chunks; see the module docstring.

    The resource keeps `_pending` (id of each instance to write -> its row number, row and
    RowResult) so that a refused write can be blamed on its row.
    """

    chunk_rows = CHUNK_ROWS

    def import_data_inner(
        self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
    ):
        # Called by the library's `import_data`, inside the import's transaction.
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        if collect_failed_rows:
            result.add_dataset_headers(dataset.headers)
        try:
            self.before_import(dataset, **kwargs)
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
            return result
        kwargs.update(dry_run=dry_run, using_transactions=using_transactions)
        for start in range(0, len(dataset), self.chunk_rows):
            rows = dataset[start : start + self.chunk_rows]
            self.prepare_chunk(dataset.headers, rows)
            loader = NaturalKeyLoader(self, dataset.headers, rows)
            for number, values in enumerate(rows, start + 1):
                row = dict(zip(dataset.headers, values, strict=True))
                row_result = self._import_one(row, loader, number, kwargs)
                self._tally(result, number, row, row_result, collect_failed_rows, raise_errors)
            self._flush(result, dry_run)
        try:
            self.after_import(dataset, result, **kwargs)
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        return result

    def _import_one(self, row: dict, loader, number: int, kwargs: dict) -> RowResult:
        if self._meta.use_bulk:
            return self.import_row(row, loader, row_number=number, **kwargs)
        # Saved as it goes: a savepoint per row, as the library does, keeps a failed save from
        # spoiling the transaction for the rows after it.
        with transaction.atomic(using=self.get_db_connection_name()):
            return self.import_row(row, loader, row_number=number, **kwargs)

    @staticmethod
    def _tally(result, number, row, row_result, collect_failed_rows, raise_errors) -> None:
        """Count the row and keep its problems; the RowResult itself is not kept."""
        result.increment_row_result_total(row_result)
        error = None
        if row_result.errors:
            result.append_error_row(number, row, row_result.errors)
            error = row_result.errors[-1].error
        elif row_result.validation_error:
            result.append_invalid_row(number, row, row_result.validation_error)
            error = row_result.validation_error
        if error is not None and collect_failed_rows:
            result.append_failed_row(row, error)
        if error is not None and raise_errors:
            raise RowImportError(error, number=number, row=row)

    # Writing a chunk.

    def preview_writes(self) -> bool:
        """Whether a preview (a dry run) writes its rows too, before its rollback."""
        return False

    def _flush(self, result: Result, dry_run: bool) -> None:
        model = self._meta.model
        fields = self.get_bulk_update_fields()
        using = self.get_db_connection_name()
        self._write(self.create_instances, model.objects.bulk_create, result, dry_run)
        self._write(
            self.update_instances,
            lambda objs: update_rows(model, objs, fields, using),
            result,
            dry_run,
        )
        self._pending.clear()

    def _write(
        self, instances: list[Model], write: Callable[[list], Any], result: Result, dry_run: bool
    ) -> None:
        # Skipped when the transaction will be rolled back anyway: a file with a bad row, or a
        # preview unless it must write. The confirm still writes, and blames refused rows.
        try:
            if instances and (not dry_run or self.preview_writes()) and not has_problems(result):
                self._write_or_blame(instances, write, result)
        except DatabaseError as error:  # not the rows' fault, e.g. a locked database
            self.handle_import_error(result, error)
        finally:
            instances.clear()

    def _write_or_blame(self, instances: list[Model], write: Callable, result: Result) -> None:
        try:
            with transaction.atomic(using=self.get_db_connection_name()):
                write(instances)
        except (IntegrityError, DataError) as error:  # halve the rows until the culprits are found
            if len(instances) == 1:
                self._blame(result, instances[0], error)
                return
            middle = len(instances) // 2
            self._write_or_blame(instances[:middle], write, result)
            self._write_or_blame(instances[middle:], write, result)

    def _blame(self, result: Result, instance: Model, error: IntegrityError | DataError) -> None:
        number, row, row_result = self._pending[id(instance)]
        result.totals[row_result.import_type] -= 1
        result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        row_result.import_type = RowResult.IMPORT_TYPE_INVALID
        row_result.validation_error = refused(error)
        result.append_invalid_row(number, row, row_result.validation_error)


def update_rows(model: type[Model], instances: list[Model], names: list[str], using: str) -> None:
    """Update `names` of `instances`, joined on the primary key to a set of rows.

    Django's bulk_update builds a CASE with a branch per row for every column, which takes
    minutes for 200,000 rows. PostgreSQL takes a column of values as one array (`UNNEST`, as
    Django's bulk_create does); SQLite a `VALUES` list, UPDATE_ROWS rows at a time.
    """
    connection = connections[using]
    fields = [model._meta.get_field(name) for name in names]
    columns = [model._meta.pk, *fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    assignments = ", ".join(
        f"{quote(field.column)} = v.column{position}"
        for position, field in enumerate(fields, start=2)
    )
    postgres = connection.vendor == "postgresql"
    for batch in in_batches(instances, len(instances) if postgres else UPDATE_ROWS):
        values = [
            [
                field.get_db_prep_save(getattr(instance, field.attname), connection)
                for field in columns
            ]
            for instance in batch
        ]
        if postgres:
            types = ", ".join(f"%s::{field.cast_db_type(connection)}[]" for field in columns)
            aliases = ", ".join(f"column{position}" for position in range(1, len(columns) + 1))
            source = f"UNNEST({types}) AS v({aliases})"
            params = [list(column) for column in zip(*values, strict=True)]
        else:  # a VALUES table names its columns column1, column2...
            row = "(" + ", ".join(["%s"] * len(columns)) + ")"
            source = f"(VALUES {', '.join([row] * len(batch))}) AS v"
            params = [value for row_values in values for value in row_values]
        sql = (
            f"UPDATE {table} SET {assignments} FROM {source} "
            f"WHERE {table}.{quote(model._meta.pk.column)} = v.column1"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    dataversion.bump()  # raw SQL: past VersionedQuerySet, which bumps for every other write


def in_batches(values: Iterable, size: int = KEYS_PER_QUERY) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]
