"""Benchmark: generating a whole year's annual review letters, PDFs included.

    .venv/bin/python bench/generate_letters.py [--councils 300] [--keep]

Runs on its own temporary SQLite database (or on --database-url): migrates, creates councils of
every type with a year of decisions and populations, writes a letter template, then times
`generate_letters` for every council (statistics once, then a frozen snapshot and a tagged PDF
per council) and prints the total and the time per letter. --keep leaves the database and
prints where it is, to look at the letters.
"""

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TYPES = [("E06", "unitary"), ("E07", "district"), ("E08", "metropolitan"), ("E09", "london")]


def seed(councils: int) -> None:
    """`councils` councils with 20-120 decisions each in 2023-24, and a letter template."""
    from councils.models import (
        Category,
        Compliance,
        Council,
        Decision,
        Outcome,
        Population,
        ReportingYear,
    )
    from letters.demo import DEMO_BODY, DEMO_SIGNATORY, DEMO_TITLES
    from letters.models import LetterTemplate

    rng = random.Random(2024)
    year = ReportingYear.get_or_create_for_label("2023-24")
    year.published_on = datetime.date(2024, 7, 24)
    year.save()
    Council.objects.bulk_create(
        Council(
            code=f"{TYPES[n % 4][0]}{900000 + n:06d}",
            name=f"Bench {n}",
            official_name=f"Bench {n} Council",
            slug=f"bench-{n}",
            type_id=TYPES[n % 4][1],
            chief_executive=f"Chief Executive {n}",
        )
        for n in range(councils)
    )
    decisions, populations = [], []
    categories = list(Category.objects.all())
    for council in Council.objects.all():
        populations.append(
            Population(council=council, year=year, population=rng.randrange(60_000, 600_000))
        )
        for _ in range(rng.randrange(20, 120)):
            received = datetime.date(2023, 4, 1) + datetime.timedelta(days=rng.randrange(300))
            decided = received + datetime.timedelta(days=rng.randrange(1, 60))
            outcome = rng.choice(Outcome.values)
            complied = outcome == Outcome.UPHELD and rng.random() < 0.5
            decisions.append(
                Decision(
                    reference=f"B{len(decisions):07d}",
                    council=council,
                    category=rng.choice(categories),
                    received=received,
                    decided=decided,
                    outcome=outcome,
                    remedied_by_council=outcome == Outcome.UPHELD and rng.random() < 0.15,
                    compliance=Compliance.COMPLIED if complied else "",
                    compliance_date=decided + datetime.timedelta(days=30) if complied else None,
                )
            )
    Population.objects.bulk_create(populations)
    Decision.objects.bulk_create(decisions, batch_size=2000)
    LetterTemplate.objects.create(
        year=year,
        letter_date=datetime.date(2024, 7, 17),
        publication_date=datetime.date(2024, 7, 24),
        signatory_name=DEMO_SIGNATORY,
        signatory_titles=DEMO_TITLES,
        body=DEMO_BODY,
    )
    print(f"{councils} councils, {len(decisions):,} decisions in 2023-24")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--councils", type=int, default=300)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-letters-")
    os.environ["DEBUG"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "ombudsman.settings"
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"

    import django

    django.setup()
    from django.core.management import call_command

    from councils.statistics import year_counts, year_statistics
    from letters.generation import generate_letters
    from letters.models import Letter, LetterTemplate

    call_command("migrate", verbosity=0)
    seed(args.councils)
    template = LetterTemplate.objects.select_related("year").get()

    start = time.perf_counter()
    year_statistics(template.year)
    year_counts(template.year)
    figures = time.perf_counter() - start

    def progress(done: int, total: int) -> None:
        if done % 50 == 0 or done == total:
            print(f"  {done} of {total} letters, {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    result = generate_letters(template, progress=progress)
    total = time.perf_counter() - start
    sizes = [len(pdf) for pdf in Letter.objects.values_list("pdf", flat=True)]

    print(f"statistics and counts for the year: {figures:.2f} s (once per run)")
    print(f"letters generated:  {result.created}")
    print(f"total:              {total:.1f} s")
    print(f"per letter:         {total / result.created:.3f} s")
    print(f"PDF size:           {sum(sizes) / len(sizes) / 1024:.0f} KB on average")
    if args.keep:
        print(f"database kept: {os.environ['DATABASE_URL']}")
    else:
        Path(workdir, "bench.sqlite3").unlink(missing_ok=True)
        os.rmdir(workdir)


if __name__ == "__main__":
    main()
