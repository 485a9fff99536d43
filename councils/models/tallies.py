"""Each council's decision counts per reporting year, kept by the database as decisions change.

Every statistic of a year pools the same five counts per council (SPEC "The statistics"), and
grouping them out of every decision costs a full scan: about 100 ms on SQLite for seven demo
years, paid by the first page after any data change. The database keeps them instead, in
`DecisionTally`, with triggers on the decisions table (migration 0010): each insert, update or
delete of a decision adds its contribution to the tally of its council and year and takes back
the old one. Triggers, rather than Python hooks, because a decision is written in many ways
(saves, QuerySet updates, bulk writes, the import engine's set-based SQL, the admin) and the
database sees them all; on PostgreSQL they run once per statement over its changed rows, so a
5,000-row import chunk costs one grouped statement, not 5,000.

A tally is derived data, never written by the application: `tests/test_tallies.py` writes
decisions every way there is and compares the tallies with the counts grouped afresh.

The year is the financial year of the date, by its start: a decision of 14 May 2023 counts in
2023 (2023-24), one of 14 February 2024 also in 2023. Decisions count in the year of their
decision date; compliance outcomes in the year of their compliance date.
"""

from django.db import models

from councils.models.register import Council


class DecisionTallyQuerySet(models.QuerySet):
    def for_years(self, *starts: int):
        """The tallies of the financial years starting in `starts` that count anything."""
        return self.filter(year_start__in=starts).exclude(investigated=0, compliance_outcomes=0)


class DecisionTally(models.Model):
    """A council's counts for one financial year (written only by the database's triggers)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    year_start = models.PositiveSmallIntegerField(help_text="2023 for 2023-24.")
    # Decided in the year: detailed investigations, those upheld, and those upheld where the
    # council had already provided a satisfactory remedy.
    investigated = models.IntegerField(db_default=0)
    upheld = models.IntegerField(db_default=0)
    remedied = models.IntegerField(db_default=0)
    # Compliance outcomes recorded in the year, and those complied with (late or not).
    compliance_outcomes = models.IntegerField(db_default=0)
    complied = models.IntegerField(db_default=0)

    objects = DecisionTallyQuerySet.as_manager()

    class Meta:
        constraints = [
            # The triggers' upsert finds a council's year by this.
            models.UniqueConstraint(fields=["council", "year_start"], name="tally_council_year"),
        ]
        indexes = [
            # statistics_for_years: every council's tallies of some years.
            models.Index(fields=["year_start"], name="tally_year_idx"),
        ]

    def __str__(self):
        return f"{self.council_id} {self.year_start}"


# The triggers, for each database. A change to them needs a migration (as 0010) that runs
# `drop_triggers` and then `create_triggers`. On SQLite a migration that remakes the decisions
# table (most column changes do) drops its triggers with it, so it must create them again:
# `tests/test_tallies.py` fails if it does not.

TABLE = "councils_decisiontally"
COUNTS = ("investigated", "upheld", "remedied", "compliance_outcomes", "complied")
_COLUMNS = (
    "council_id",
    "decided",
    "outcome",
    "remedied_by_council",
    "compliance",
    "compliance_date",
)
# What a decision adds to its council's tallies, in two parts: its decision, counted in the year
# of its decision date, and its compliance outcome, in the year of its compliance date. Each part:
# the date column, the condition on the row `{r}`, and an SQL expression per count it adds to.
_PARTS = (
    (
        "decided",
        "{r}.outcome IN ('Upheld', 'Not upheld')",
        {
            "investigated": "1",
            "upheld": "{r}.outcome = 'Upheld'",
            "remedied": "{r}.outcome = 'Upheld' AND {r}.remedied_by_council",
        },
    ),
    (
        "compliance_date",
        "{r}.compliance <> ''",
        {"compliance_outcomes": "1", "complied": "{r}.compliance IN ('Complied', 'Complied late')"},
    ),
)


def _year_start(vendor: str, date: str) -> str:
    """SQL for the start of the financial year of `date` (2023 for 14 February 2024)."""
    if vendor == "postgresql":
        year, month = (
            f"CAST(EXTRACT({part} FROM {date}) AS INTEGER)" for part in ("YEAR", "MONTH")
        )
        return f"({year} - CAST({month} < 4 AS INTEGER))"
    # SQLite keeps dates as 'YYYY-MM-DD' text.
    return f"(CAST(substr({date}, 1, 4) AS INTEGER) - (substr({date}, 6, 2) < '04'))"


def _summed(vendor: str, sources: dict[str, int]) -> str:
    """SELECT council_id, year_start and COUNTS: what the rows of `sources` (each a table and
    the sign of its rows) add to each council's year, where they change anything."""
    selects = []
    for source, sign in sources.items():
        for date, condition, adds in _PARTS:
            counts = ", ".join(
                f"{sign} * CAST(({adds[name].format(r='r')}) AS INTEGER) AS {name}"
                if name in adds
                else f"0 AS {name}"
                for name in COUNTS
            )
            selects.append(
                f"SELECT r.council_id, {_year_start(vendor, 'r.' + date)} AS year_start, {counts} "
                f"FROM {source} r WHERE r.{date} IS NOT NULL AND {condition.format(r='r')}"
            )
    sums = ", ".join(f"SUM({name}) AS {name}" for name in COUNTS)
    moved = " OR ".join(f"SUM({name}) <> 0" for name in COUNTS)
    return (
        f"SELECT council_id, year_start, {sums} FROM ({' UNION ALL '.join(selects)}) c "
        f"GROUP BY council_id, year_start HAVING {moved}"
    )


def _add(summed: str) -> str:
    """Add what `summed` gives to the tallies, starting a council's year where it has none."""
    columns = ", ".join(("council_id", "year_start", *COUNTS))
    sums = ", ".join(f"{name} = {TABLE}.{name} + excluded.{name}" for name in COUNTS)
    # WHERE true: without a WHERE, SQLite would read ON CONFLICT as a join's ON.
    return (
        f"INSERT INTO {TABLE} ({columns}) SELECT * FROM ({summed}) s WHERE true "
        f"ON CONFLICT (council_id, year_start) DO UPDATE SET {sums}"
    )


def _take_back(summed: str) -> str:
    """Add what `summed` gives (negative counts) to existing tallies only. Django's flush on
    SQLite empties the tallies and the decisions in either order: deleting decisions whose
    tallies are already gone must not leave negative ones."""
    sums = ", ".join(f"{name} = {TABLE}.{name} + s.{name}" for name in COUNTS)
    return (
        f"UPDATE {TABLE} SET {sums} FROM ({summed}) s "
        f"WHERE {TABLE}.council_id = s.council_id AND {TABLE}.year_start = s.year_start"
    )


def _row_statements(row: str, sign: int) -> list[str]:
    """A SQLite trigger's statements adding what its `row` (NEW or OLD) contributes, times
    `sign`, one per part. Plain statements rather than `_summed`'s grouping: they run per row.
    Taking back only changes existing tallies, as `_take_back`."""
    statements = []
    for date, condition, adds in _PARTS:
        year = _year_start("sqlite", f"{row}.{date}")
        where = f"{row}.{date} IS NOT NULL AND {condition.format(r=row)}"
        values = {
            name: f"CAST(({expression.format(r=row)}) AS INTEGER)"
            for name, expression in adds.items()
        }
        if sign > 0:
            sums = ", ".join(f"{name} = {TABLE}.{name} + excluded.{name}" for name in adds)
            statements.append(
                f"INSERT INTO {TABLE} (council_id, year_start, {', '.join(adds)}) "
                f"SELECT {row}.council_id, {year}, {', '.join(values.values())} WHERE {where} "
                f"ON CONFLICT (council_id, year_start) DO UPDATE SET {sums}"
            )
        else:
            sums = ", ".join(f"{name} = {name} - {value}" for name, value in values.items())
            statements.append(
                f"UPDATE {TABLE} SET {sums} "
                f"WHERE council_id = {row}.council_id AND year_start = {year} AND {where}"
            )
    return statements


def create_triggers(vendor: str) -> list[str]:
    """The statements creating the triggers that keep the tallies."""
    if vendor == "postgresql":
        # Once per statement, over the rows it changed (its transition tables).
        bodies = {
            "insert": (_add(_summed(vendor, {"new_rows": 1})), "NEW TABLE AS new_rows"),
            "update": (
                _add(_summed(vendor, {"new_rows": 1, "old_rows": -1})),
                "NEW TABLE AS new_rows OLD TABLE AS old_rows",
            ),
            "delete": (_take_back(_summed(vendor, {"old_rows": -1})), "OLD TABLE AS old_rows"),
        }
        statements = []
        for event, (body, tables) in bodies.items():
            name = f"councils_decision_tally_{event}"
            statements += [
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {body}; RETURN NULL; END $$",
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON councils_decision "
                f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            ]
        return statements
    # SQLite: once per row, and only for rows that count (most decisions are not
    # investigations and have no compliance outcome) or, on update, that changed what counts.
    counts = " OR ".join(
        f"{{r}}.{date} IS NOT NULL AND {condition}" for date, condition, _ in _PARTS
    )
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in _COLUMNS)
    triggers = {
        "insert": ("INSERT", counts.format(r="NEW"), _row_statements("NEW", 1)),
        "update": (
            f"UPDATE OF {', '.join(_COLUMNS)}",
            f"({counts.format(r='OLD')} OR {counts.format(r='NEW')}) AND ({changed})",
            [*_row_statements("OLD", -1), *_row_statements("NEW", 1)],
        ),
        "delete": ("DELETE", counts.format(r="OLD"), _row_statements("OLD", -1)),
    }
    return [
        f"CREATE TRIGGER councils_decision_tally_{name} AFTER {event} ON councils_decision "
        f"WHEN {when} BEGIN {'; '.join(statements)}; END"
        for name, (event, when, statements) in triggers.items()
    ]


def drop_triggers(vendor: str) -> list[str]:
    names = [f"councils_decision_tally_{event}" for event in ("insert", "update", "delete")]
    if vendor == "postgresql":
        return [f"DROP FUNCTION IF EXISTS {name}() CASCADE" for name in names]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


def rebuild_statements(vendor: str) -> list[str]:
    """Count every decision afresh: the tallies a migration starts from."""
    return [f"DELETE FROM {TABLE}", _add(_summed(vendor, {"councils_decision": 1}))]
