"""The import engine's set-based SQL (`councils.imports.engine`): a chunk's records fetched by
natural key in one query, its new rows inserted in one statement and its changed rows updated in
one, all as tuples of database values (no model instances).

On PostgreSQL the keys go as one array (`AnyOf`), the new rows with COPY, its fastest way in
(Django's bulk_create builds an INSERT with a parameter for every value), and the changed rows
with COPY into a temporary table and one `UPDATE ... FROM` it. SQLite runs in the process, where
a statement prepared once and run for each row (executemany) is as fast as anything.

Errors come out as Django's (IntegrityError, DataError...), COPY's included, so that the engine
can halve a refused write until it finds the row to blame. Raw SQL passes VersionedQuerySet, which
bumps the data version for every other write, so each write here bumps it itself.
"""

from collections.abc import Iterable, Iterator, Sequence

from django.db import connections
from django.db.models import Field, Model
from django.db.models.lookups import In

from councils import dataversion

# Natural keys per query: well under SQLite's parameter limit.
KEYS_PER_QUERY = 10_000

# Field types whose Python values both drivers take as they are; others go through
# `get_db_prep_save` (on SQLite a date, for one, is written as text).
PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)
# psycopg adapts dates itself.
PLAIN_ON_POSTGRESQL = PLAIN_TYPES | {"DateField"}


class AnyOf(In):
    """`filter(AnyOf(F("reference"), values))`: an IN, but on PostgreSQL `= ANY(array)`, one
    parameter for thousands of values, which as a list of parameters take longer to build, send
    and parse than the query takes to run."""

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [value for value in self.rhs if value is not None]
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


def insert_rows(model: type[Model], attnames: Sequence[str], rows: list[tuple], using: str):
    """Insert `rows`, each a tuple of values for the fields `attnames`, in one statement."""
    connection = connections[using]
    fields = [model._meta.get_field(attname) for attname in attnames]
    table, columns = _names(connection, model, fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(connection, cursor, table, columns, _prepared(fields, rows, connection))
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            cursor.executemany(sql, _prepared(fields, rows, connection))
    dataversion.bump()


def update_rows(model: type[Model], attnames: Sequence[str], rows: list[tuple], using: str):
    """Set the fields `attnames` of the records in `rows`, each (primary key, *values)."""
    connection = connections[using]
    fields = [model._meta.pk, *(model._meta.get_field(attname) for attname in attnames)]
    table, (pk, *columns) = _names(connection, model, fields)
    prepared = _prepared(fields, rows, connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Dropped at the end of the transaction, or with the savepoint of a refused write.
            changes = connection.ops.quote_name(f"import_{model._meta.db_table}")
            listed = ", ".join([pk, *columns])
            cursor.execute(
                f"CREATE TEMPORARY TABLE {changes} ON COMMIT DROP AS "
                f"SELECT {listed} FROM {table} WITH NO DATA"
            )
            _copy(connection, cursor, changes, [pk, *columns], prepared)
            assignments = ", ".join(f"{column} = v.{column}" for column in columns)
            # The range of the ids lets the planner read just that part of the table, where
            # otherwise it hashes the whole table for each chunk: a file's rows, in the order
            # they were first imported, have ids close together.
            ids = [row[0] for row in rows]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {changes} AS v "
                f"WHERE {table}.{pk} = v.{pk} AND {table}.{pk} BETWEEN %s AND %s",
                [min(ids), max(ids)],
            )
            cursor.execute(f"DROP TABLE {changes}")
        else:
            assignments = ", ".join(f"{column} = %s" for column in columns)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",
                ((*row[1:], row[0]) for row in prepared),
            )
    dataversion.bump()


def _names(connection, model: type[Model], fields: list[Field]) -> tuple[str, list[str]]:
    quote = connection.ops.quote_name
    return quote(model._meta.db_table), [quote(field.column) for field in fields]


def _copy(connection, cursor, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    # COPY's errors surface as it ends, past the cursor's own wrapping.
    with (
        connection.wrap_database_errors,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _prepared(fields: list[Field], rows: Iterable[tuple], connection) -> Iterator[tuple]:
    """The rows with each value as the driver takes it."""
    plain = PLAIN_ON_POSTGRESQL if connection.vendor == "postgresql" else PLAIN_TYPES
    preps = [
        (position, field.get_db_prep_save)
        for position, field in enumerate(fields)
        if field.get_internal_type() not in plain
    ]
    if not preps:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for position, prep in preps:
            values[position] = prep(values[position], connection)
        yield tuple(values)


def in_batches(values: Iterable, size: int = KEYS_PER_QUERY) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]
