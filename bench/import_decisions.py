"""Benchmark: a decisions file through the import's preview and confirm, against bulk_create.

    .venv/bin/python bench/import_decisions.py [--rows 20000]

Runs on its own temporary SQLite database (or on --database-url): migrates, creates councils,
writes a CSV file of valid decisions, then times
  1. a plain `bulk_create` of the same rows (Decision objects built straight from the CSV rows,
     no checks), and
  2. the import as the admin runs it: read the file and preview (a dry run), then read it again
     and confirm (the real import),
and prints both times and their ratio. The issue's target: the ratio is at most 3.
"""

import argparse
import csv
import datetime
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLUMNS = [
    "reference",
    "council_code",
    "category",
    "received",
    "decided",
    "outcome",
    "remedied_by_council",
    "public_report",
    "compliance",
    "compliance_date",
    "summary",
]


def make_csv(rows: int, codes: list[str], categories: list[str], outcomes: list[str]) -> bytes:
    """Valid decisions, with the mix of blanks, dates and flags a real year has."""
    rng = random.Random(2024)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        received = datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randrange(400))
        decided = received + datetime.timedelta(days=rng.randrange(1, 200))
        outcome = rng.choice(outcomes)
        undecided = rng.random() < 0.05
        complied = outcome == "Upheld" and rng.random() < 0.5
        writer.writerow(
            [
                f"{23 + n // 1_000_000} {n // 1000 % 1000:03d} {n % 1000:03d}",
                rng.choice(codes),
                rng.choice(categories),
                received.isoformat() if n % 2 else received.strftime("%d/%m/%Y"),
                "" if undecided else decided.isoformat(),
                "" if undecided else outcome,
                "yes" if outcome == "Upheld" and not undecided and rng.random() < 0.2 else "no",
                "y" if rng.random() < 0.01 else "",
                "Complied" if complied and not undecided else "",
                (decided + datetime.timedelta(days=90)).isoformat()
                if complied and not undecided
                else "",
                f"Complaint {n} about the council's handling of the matter.",
            ]
        )
    return out.getvalue().encode("utf-8")


def make_councils(count: int) -> None:
    """`count` bench districts, E07900000 onwards (the migrated database has the types)."""
    from councils.models import Council, CouncilType

    Council.objects.bulk_create(
        Council(
            code=f"E07{900000 + n:06d}",
            name=f"Bench {n}",
            official_name=f"Bench {n} District Council",
            slug=f"bench-{n}",
            type_id=CouncilType.DISTRICT,
        )
        for n in range(count)
    )


def plain_bulk_create(content: bytes, council_ids: dict[str, int]) -> float:
    """The floor: Decision objects built from the CSV rows without checks, one bulk_create."""
    from django.db import transaction

    from councils.models import Category, Decision

    category_ids = dict(Category.objects.values_list("name", "pk"))

    def day(text: str) -> datetime.date | None:
        if not text:
            return None
        if "/" in text:
            return datetime.datetime.strptime(text, "%d/%m/%Y").date()
        return datetime.date.fromisoformat(text)

    start = time.perf_counter()
    rows = csv.DictReader(io.StringIO(content.decode("utf-8")))
    decisions = [
        Decision(
            reference=row["reference"],
            council_id=council_ids[row["council_code"]],
            category_id=category_ids[row["category"]],
            received=day(row["received"]),
            decided=day(row["decided"]),
            outcome=row["outcome"],
            remedied_by_council=row["remedied_by_council"] == "yes",
            public_report=row["public_report"] == "y",
            compliance=row["compliance"],
            compliance_date=day(row["compliance_date"]),
            summary=row["summary"],
        )
        for row in rows
    ]
    with transaction.atomic():
        Decision.objects.bulk_create(decisions)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--councils", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory()
    os.environ["DEBUG"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ombudsman.settings"
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir.name}/bench.sqlite3"
    os.environ.setdefault("IMPORT_MAX_ROWS", str(max(args.rows, 200_000)))

    import django

    django.setup()
    from django.core.management import call_command

    from councils.imports.files import read_file
    from councils.imports.resources import DecisionResource
    from councils.models import Category, Council, Decision, Outcome

    call_command("migrate", verbosity=0)
    make_councils(args.councils)
    council_ids = dict(Council.objects.values_list("code", "pk"))
    content = make_csv(args.rows, list(council_ids), Category.SEEDED, Outcome.values)
    print(
        f"{args.rows:,} decisions, {len(content) / 1_048_576:.1f} MB of CSV, "
        f"{args.councils} councils"
    )

    def run(dry_run: bool):
        start = time.perf_counter()
        dataset = read_file("decisions.csv", content)
        result = DecisionResource().import_data(
            dataset, dry_run=dry_run, file_name="decisions.csv", file_size=len(content)
        )
        elapsed = time.perf_counter() - start
        if result.problems or result.file_problems:
            sys.exit(f"the import refused the file: {(result.file_problems + result.problems)[:5]}")
        return elapsed, result.counts

    # Best of a few runs each, interleaved, so that other work on the machine evens out.
    plains, previews, confirms = [], [], []
    for _ in range(args.repeat):
        Decision.objects.all().delete()
        plains.append(plain_bulk_create(content, council_ids))
        Decision.objects.all().delete()
        previews.append(run(dry_run=True)[0])
        elapsed, counts = run(dry_run=False)
        confirms.append(elapsed)
        assert Decision.objects.count() == args.rows, "the import did not write every row"
    again, unchanged = run(dry_run=True)

    plain, preview, confirm = min(plains), min(previews), min(confirms)
    total = preview + confirm
    print(f"best of {args.repeat} runs each")
    print(f"plain bulk_create:        {plain:6.2f} s")
    print(f"import preview:           {preview:6.2f} s")
    print(f"import confirm:           {confirm:6.2f} s  ({counts})")
    print(f"preview + confirm:        {total:6.2f} s")
    print(f"ratio to bulk_create:     {total / plain:6.2f} x  (target: at most 3)")
    print(f"re-import preview:        {again:6.2f} s  ({unchanged})")


if __name__ == "__main__":
    main()
