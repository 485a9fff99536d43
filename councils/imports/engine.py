"""How `councils.imports.base.DataResource` runs a file's rows: in chunks, in bounded memory and
time.

The rows are cleaned, checked and written `CHUNK_ROWS` at a time, all inside the import's one
transaction. For each chunk of a bulk resource (decisions, recommendations, populations):

1. each row is cleaned straight to a tuple of database values (`councils.imports.staging`: each
   cell by its column's widget, each distinct cell once per import), with every bad cell named;
2. the records the chunk's rows may update are fetched by natural key, as tuples of the same
   values (`values_list`, no model instances);
3. each row is checked (the rules across columns, a key repeated anywhere in the file) and
   compared with its record: new, updated or unchanged;
4. the new rows are written in one insert and the changed ones in one update
   (`councils.imports.bulk`: on PostgreSQL, COPY into the table, and COPY into a temporary table
   that one `UPDATE ... FROM` applies).

What outlives a chunk is small: the counts, the first rows of the preview, the problems of bad
rows, and the natural keys seen so far. The council register, a few hundred rows where a district
may name a county created earlier in the same file, goes through the library's `import_row`,
saved row by row, in the same chunks.

Why chunks checked in Python, rather than the whole file's raw rows staged in a temporary table
and checked and applied with set-based SQL: every rule lives in Python with a reason staff can act
on (cells, rules across columns, repeated keys), and checking in the database would need each rule
again in SQL, for SQLite and PostgreSQL, to name the row, column and value. Nor is Python what cost
the time: the library's per-row machinery was (a RowResult, a model instance, its fields' saves
and a per-row insert built by the ORM). A row cleaned to a tuple and compared with a tuple costs a
few microseconds, and the database work is set-based all the same: per chunk one query, one insert
and one update, of rows already known to be good. Of a large import's time on PostgreSQL
(bench/import_memory.py) about half is now the database's own work, which no staging would
save: keeping the decisions table's nine indexes and checking each row's foreign keys.

The promises hold across chunks. All or nothing: the chunks share one transaction, rolled back
when any row is bad, even a row in the last chunk after earlier chunks were written; once a row
is bad nothing more is written, but every row is still checked and reported. A row the database
refuses (a constraint the checks missed) is found by halving its chunk's write. A preview (a dry
run) writes nothing, every row having been checked against each constraint by the cells and rules,
unless the resource needs the rows written (`preview_writes`) to measure them before the rollback.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from import_export.exceptions import ImportError as RowImportError
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result, RowResult

from councils import revisions
from councils.imports import bulk
from councils.imports.files import Counts, RowProblem
from councils.imports.staging import RowStager

# Rows per chunk: large enough that the per-chunk queries and writes cost little, small enough
# that a chunk's rows stay a few megabytes.
CHUNK_ROWS = 5_000
NEW, UPDATE, SKIP, INVALID = (
    RowResult.IMPORT_TYPE_NEW,
    RowResult.IMPORT_TYPE_UPDATE,
    RowResult.IMPORT_TYPE_SKIP,
    RowResult.IMPORT_TYPE_INVALID,
)


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
    """The council register's records a chunk of rows may update, keyed by natural key.

    The library's default loader runs a query per row, and its CachedInstanceLoader handles only
    a single key column.
    """

    def __init__(self, resource, headers: list[str], rows: list[tuple]):
        super().__init__(resource)
        self.columns = resource.key_columns
        positions = [headers.index(column) for column in self.columns]
        cells = {tuple(values[position] for position in positions) for values in rows}
        self.keys = {raw: resource.row_key(raw) for raw in cells}
        wanted = set(self.keys.values()) - {None}
        self.instances = {
            resource.record_key(obj): obj
            for batch in bulk.in_batches(wanted)
            for obj in resource.existing(batch)
        }

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


def counted(import_type: str) -> RowResult:
    row_result = RowResult()
    row_result.import_type = import_type
    return row_result


# What `Result.increment_row_result_total` counts a row by: one of each kind serves every row.
COUNTED = {import_type: counted(import_type) for import_type in (NEW, UPDATE, SKIP)}


@dataclass
class Run:
    """One import's settings and what it has found so far."""

    result: Result
    headers: list[str]
    dry_run: bool
    collect_failed_rows: bool
    raise_errors: bool
    kwargs: dict
    stager: RowStager | None = None
    # A chunk's writes: (row number, the row's cells, the database values) of each row.
    new: list[tuple[int, tuple, tuple]] = field(default_factory=list)
    changed: list[tuple[int, tuple, tuple]] = field(default_factory=list)


class ChunkedImport:
    """The row loop of a ModelResource, in chunks; see the module docstring."""

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
        run = Run(result, dataset.headers, dry_run, collect_failed_rows, raise_errors, kwargs)
        if self._meta.use_bulk:
            run.stager = RowStager(self, dataset.headers)
        for start in range(0, len(dataset), self.chunk_rows):
            rows = dataset[start : start + self.chunk_rows]
            self.prepare_chunk(dataset.headers, rows)
            if run.stager:
                self._stage_chunk(run, rows, start)
                self._flush(run)
            else:
                self._import_chunk(run, rows, start)
        try:
            self.after_import(dataset, result, **kwargs)
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        return result

    # The council register: the library's `import_row`, row by row.

    def _import_chunk(self, run: Run, rows: list[tuple], start: int) -> None:
        loader = NaturalKeyLoader(self, run.headers, rows)
        for number, values in enumerate(rows, start + 1):
            row = dict(zip(run.headers, values, strict=True))
            # A savepoint per row, as the library does, keeps a failed save from spoiling the
            # transaction for the rows after it.
            with transaction.atomic(using=self.get_db_connection_name()):
                row_result = self.import_row(row, loader, row_number=number, **run.kwargs)
            self._tally(run, number, row, row_result)
            self.row_done(number)

    def _tally(self, run: Run, number: int, row: dict, row_result: RowResult) -> None:
        """Count the row and keep its problems; the RowResult itself is not kept."""
        result = run.result
        result.increment_row_result_total(row_result)
        error = None
        if row_result.errors:
            result.append_error_row(number, row, row_result.errors)
            error = row_result.errors[-1].error
        elif row_result.validation_error:
            result.append_invalid_row(number, row, row_result.validation_error)
            error = row_result.validation_error
        if error is not None and run.collect_failed_rows:
            result.append_failed_row(row, error)
        if error is not None and run.raise_errors:
            raise RowImportError(error, number=number, row=row)

    # The bulk resources: rows staged to tuples, compared, written set-based.

    def _stage_chunk(self, run: Run, rows: list[tuple], start: int) -> None:
        stager = run.stager
        staged = [stager.clean(values) for values in rows]
        keys = [stager.key(cleaned, errors) for cleaned, errors in staged]
        existing = self.existing_values(set(keys) - {None}, stager)
        numbers = range(start + 1, start + len(rows) + 1)
        for number, values, (cleaned, errors), key in zip(numbers, rows, staged, keys, strict=True):
            pk, old = existing.get(key, (None, None))
            record = stager.complete(cleaned, old)
            self.validate(record, errors, number)
            if errors:
                row = stager.row(values)
                row_result = counted(INVALID)
                row_result.validation_error = ValidationError(errors)
                self._tally(run, number, row, row_result)
            elif old is None:
                run.new.append((number, values, record))
                self._count(run, NEW, record, None, values)
            elif record == old:
                self._count(run, SKIP, record, old, values)
            else:
                run.changed.append((number, values, (pk, *record)))
                self._count(run, UPDATE, record, old, values)
            self.row_done(number)

    def _count(self, run: Run, import_type: str, record: tuple, old: tuple | None, values):
        run.result.increment_row_result_total(COUNTED[import_type])
        self.accepted(record)
        if import_type != SKIP:
            self.preview_staged(run.stager, import_type, record, old, values)

    def existing_values(self, keys: set[tuple], stager: RowStager) -> dict[tuple, tuple]:
        """natural key -> (primary key, the record's values by attname) of the records that
        `keys` name, in a query per KEYS_PER_QUERY keys."""
        found = {}
        for batch in bulk.in_batches(keys):
            records = self.existing(batch).order_by().values_list(*stager.attnames, "pk")
            for *values, pk in records:
                found[stager.key(values, {})] = (pk, tuple(values))
        return found

    # Writing a chunk.

    def preview_writes(self) -> bool:
        """Whether a preview (a dry run) writes its rows too, before its rollback."""
        return False

    def _flush(self, run: Run) -> None:
        model = self._meta.model
        using = self.get_db_connection_name()
        attnames = run.stager.attnames
        insert_names, defaults = self.insert_fields(attnames)

        def insert(rows: list[tuple]) -> None:
            bulk.insert_rows(model, insert_names, [row + defaults for row in rows], using)

        def update(rows: list[tuple]) -> None:
            bulk.update_rows(model, attnames, rows, using)

        self._write(run, run.new, NEW, insert)
        self._write(run, run.changed, UPDATE, update)

    def insert_fields(self, attnames: tuple[str, ...]) -> tuple[tuple[str, ...], tuple]:
        """The columns a new record is inserted with, and the defaults of those not imported."""
        others = [
            model_field
            for model_field in self._meta.model._meta.concrete_fields
            if not model_field.primary_key
            and model_field.attname not in attnames
            and not model_field.has_db_default()
        ]
        names = attnames + tuple(model_field.attname for model_field in others)
        return names, tuple(model_field.get_default() for model_field in others)

    def _write(self, run: Run, rows: list, import_type: str, write: Callable[[list], Any]):
        # Skipped when the transaction will be rolled back anyway: a file with a bad row, or a
        # preview unless it must write. The confirm still writes, and blames refused rows.
        try:
            if rows and (not run.dry_run or self.preview_writes()) and not has_problems(run.result):
                self._write_or_blame(run, rows, import_type, write)
        except DatabaseError as error:  # not the rows' fault, e.g. a locked database
            self.handle_import_error(run.result, error)
        finally:
            rows.clear()

    def _write_or_blame(self, run: Run, rows: list, import_type: str, write: Callable) -> None:
        try:
            with transaction.atomic(using=self.get_db_connection_name()):
                write([values for _, _, values in rows])
        except (IntegrityError, DataError) as error:  # halve the rows until the culprits are found
            if len(rows) == 1:
                number, cells, _ = rows[0]
                run.result.totals[import_type] -= 1
                row_result = counted(INVALID)
                row_result.validation_error = refused(error)
                self._tally(run, number, run.stager.row(cells), row_result)
                return
            middle = len(rows) // 2
            self._write_or_blame(run, rows[:middle], import_type, write)
            self._write_or_blame(run, rows[middle:], import_type, write)
