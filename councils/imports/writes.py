"""The import engine's set-based writes: a chunk's new rows in one insert, its changed rows in one
update, as tuples of database values (no model instances; `councils.imports.engine`).

PostgreSQL takes the new rows with COPY, its fastest way in (about four times Django's
bulk_create, which builds an INSERT of every value), and the changed ones with one `UPDATE ...
FROM UNNEST(...)`: a column of values as one array each. SQLite runs in the process, where a
statement prepared once and run for each row (executemany) is as fast as anything.

Errors come out as Django's (IntegrityError, DataError...), COPY's included, so that the engine
can halve a refused write until it finds the row to blame. Raw SQL passes VersionedQuerySet, which
bumps the data version for every other write, so each write here bumps it itself.
"""

from collections.abc import Iterable, Iterator, Sequence

from django.db import connections
from django.db.models import Field, Model

from councils import dataversion

# Natural keys per `IN (...)` query: well under SQLite's and PostgreSQL's parameter limits.
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


def insert_rows(model: type[Model], attnames: Sequence[str], rows: list[tuple], using: str):
    """Insert `rows`, each a tuple of values for the fields `attnames`, in one statement."""
    connection = connections[using]
    fields = [model._meta.get_field(attname) for attname in attnames]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY's errors surface as it ends, past the cursor's own wrapping.
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in _prepared(fields, rows, connection):
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            cursor.executemany(sql, _prepared(fields, rows, connection))
    dataversion.bump()


def update_rows(model: type[Model], attnames: Sequence[str], rows: list[tuple], using: str):
    """Set the fields `attnames` of the records in `rows`, each (primary key, *values)."""
    connection = connections[using]
    fields = [model._meta.get_field(attname) for attname in attnames]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    columns = [model._meta.pk, *fields]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            assignments = ", ".join(
                f"{quote(field.column)} = v.column{position}"
                for position, field in enumerate(fields, start=2)
            )
            types = ", ".join(f"%s::{field.cast_db_type(connection)}[]" for field in columns)
            aliases = ", ".join(f"column{position}" for position in range(1, len(columns) + 1))
            arrays = zip(*_prepared(columns, rows, connection), strict=True)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM UNNEST({types}) AS v({aliases}) "
                f"WHERE {table}.{pk} = v.column1",
                [list(column) for column in arrays],
            )
        else:
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",
                ((*row[1:], row[0]) for row in _prepared(columns, rows, connection)),
            )
    dataversion.bump()


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
