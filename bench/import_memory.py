"""Benchmark: the largest decisions imports, in time and memory, then the 20,000-row ratio.

    .venv/bin/python bench/import_memory.py [--rows 200000] [--database-url postgres://...]

On its own temporary SQLite database (or on --database-url, which it migrates and whose decisions
it deletes), writes a file of new decisions and the same file with every outcome changed, as CSV
and as XLSX. Each case runs `import_data decisions FILE` in a fresh process, so that peaks do not
mix: first the new rows into an empty table, then the changed file over them. It prints the time,
the peak resident memory (VmHWM), and the memory once the import is done, against the level
before it. Then `bench/import_decisions.py` gives the ratio to a plain bulk_create.

The issue's targets: 200,000 new rows within 20 s and 300 MB on PostgreSQL; every row updated
within 300 MB and twice the new rows' time; memory back within 50 MB of where it started.
"""

import argparse
import datetime
import gc
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from import_decisions import COLUMNS, make_councils, make_csv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str, rows: int) -> None:
    os.environ["DEBUG"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ombudsman.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["IMPORT_MAX_ROWS"] = str(max(rows, 200_000))
    # Every column filled makes 200,000 rows about 29 MB of CSV, over the usual 20 MB cap.
    os.environ["IMPORT_MAX_BYTES"] = str(64 * 1024 * 1024)
    import django

    django.setup()


def memory_mb(field: str) -> float:
    """A figure from /proc/self/status: VmRSS (now) or VmHWM (the peak), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def changed_outcomes(content: bytes, outcomes: list[str]) -> bytes:
    """The same decisions with every outcome changed (a decision for the undecided ones)."""
    import csv

    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        old = row["outcome"]
        row["outcome"] = outcomes[(outcomes.index(old) + 1) % len(outcomes)] if old else outcomes[0]
        if not row["decided"]:
            row["decided"] = row["received"] if "-" in row["received"] else _iso(row["received"])
        if row["outcome"] != "Upheld":
            row["remedied_by_council"] = "no"
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def _iso(uk_date: str) -> str:
    return datetime.datetime.strptime(uk_date, "%d/%m/%Y").date().isoformat()


def to_xlsx(content: bytes, path: Path) -> None:
    """The CSV as a workbook, dates as date cells, as staff would save it from Excel."""
    import csv

    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Decisions")
    date_columns = {"received", "decided", "compliance_date"}
    reader = csv.reader(io.StringIO(content.decode("utf-8")))
    header = next(reader)
    sheet.append(header)
    dated = [name in date_columns for name in header]
    for row in reader:
        sheet.append(
            [
                _date(cell) if is_date and cell else cell
                for cell, is_date in zip(row, dated, strict=True)
            ]
        )
    book.save(path)


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text if "-" in text else _iso(text))


def prepare(args, workdir: Path) -> list[tuple[str, Path]]:
    """Migrate, make the councils, write the four files; the cases to run, in order."""
    setup_django(args.database_url, args.rows)
    from django.core.management import call_command

    from councils.models import Category, Council, Outcome

    call_command("migrate", verbosity=0)
    clean_up()
    make_councils(args.councils)
    codes = list(Council.objects.filter(code__startswith="E079").values_list("code", flat=True))
    new = make_csv(args.rows, codes, Category.SEEDED, Outcome.values)
    files = {"new": new, "updated": changed_outcomes(new, Outcome.values)}
    cases = []
    for extension in args.formats:
        for label, content in files.items():
            path = workdir / f"decisions-{label}.{extension}"
            if extension == "csv":
                path.write_bytes(content)
            else:
                to_xlsx(content, path)
            cases.append((f"{extension} {label}", path))
    return cases


def clear_decisions() -> None:
    from django.db import connection

    from councils.models import Decision, DecisionTally

    Decision.objects.all().delete()
    if connection.vendor == "postgresql":
        # Each run then starts from the same tables, not from ones bloated by the runs before
        # (with autovacuum off, as on a test server, 200,000 dead rows a run pile up).
        with connection.cursor() as cursor:
            for model in (Decision, DecisionTally):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def clean_up() -> None:
    """Leave the database as import_decisions.py expects it: no decisions, no bench councils."""
    from councils.models import Council

    clear_decisions()
    Council.objects.filter(code__startswith="E079").delete()


def run_case(args) -> None:
    """One import in this process; prints its figures as JSON."""
    setup_django(args.database_url, args.rows)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.DEBUG = False  # as in production: DEBUG would keep the last 9,000 queries' SQL

    connection.ensure_connection()
    gc.collect()
    before = memory_mb("VmRSS")
    out = io.StringIO()
    start = time.perf_counter()
    call_command("import_data", "decisions", args.case_file, stdout=out)
    elapsed = time.perf_counter() - start
    gc.collect()
    figures = {
        "seconds": elapsed,
        "before": before,
        "peak": memory_mb("VmHWM"),
        "after": memory_mb("VmRSS"),
        "output": out.getvalue().strip().rpartition(": ")[2],
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--councils", type=int, default=300)
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"])
    parser.add_argument("--ratio-rows", type=int, default=20_000, help="0: skip the ratio")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # set for each child process
    parser.add_argument("--case-file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.case:
        return run_case(args)

    with tempfile.TemporaryDirectory() as name:
        workdir = Path(name)
        args.database_url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
        cases = prepare(args, workdir)
        print(f"{args.rows:,} decisions; {args.database_url.partition(':')[0]}")
        print(f"{'case':14} {'file':>8} {'time':>8} {'before':>8} {'peak':>8} {'after':>8}  result")
        for case, path in cases:
            if case.endswith("new"):
                clear_decisions()  # here: deleting 200,000 records takes memory of its own
            child = [sys.executable, __file__, "--case", case, "--case-file", str(path)]
            child += ["--rows", str(args.rows), "--database-url", args.database_url]
            done = subprocess.run(child, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"{case}: the import failed:\n{done.stderr[-3000:]}")
            f = json.loads(done.stdout.strip().splitlines()[-1])
            size = path.stat().st_size / 1_048_576
            print(
                f"{case:14} {size:6.1f}MB {f['seconds']:7.1f}s {f['before']:6.0f}MB "
                f"{f['peak']:6.0f}MB {f['after']:6.0f}MB  {f['output']}",
                flush=True,
            )
        clean_up()
    if args.ratio_rows:
        ratio = [sys.executable, str(Path(__file__).with_name("import_decisions.py"))]
        ratio += ["--rows", str(args.ratio_rows)]
        if "--database-url" in sys.argv:
            ratio += ["--database-url", args.database_url]
        subprocess.run(ratio, check=True)


if __name__ == "__main__":
    main()
