"""Benchmark: the whole-year statistics computation over the demo data.

Prints the query count and the median time of `year_statistics(year)` for the latest demo year,
and its ratio to a baseline of one bare aggregate query over the same decisions (the least any
computation of the year must do), measured in the same run since these machines are noisy.

    .venv/bin/python bench/statistics_year.py      # a temporary SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_stats \
        .venv/bin/python bench/statistics_year.py  # an existing PostgreSQL database
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ombudsman.settings")
_tmp = tempfile.TemporaryDirectory()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from councils.demo import seed_demo_data  # noqa: E402
from councils.models import Decision, ReportingYear  # noqa: E402
from councils.statistics import year_statistics  # noqa: E402

REPEATS = 15


def median_seconds(function) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    call_command("migrate", verbosity=0)
    if not Decision.objects.exists():
        call_command("load_councils", verbosity=0)
        seed_demo_data()  # the data only: the command would also render a year of letter PDFs
    year = ReportingYear.objects.order_by("-start").first()
    decided = Decision.objects.decided_in(year).count()

    def baseline():
        list(
            Decision.objects.decided_in(year)
            .order_by()
            .values("council_id")
            .annotate(n=Count("id"))
        )

    with CaptureQueriesContext(connection) as queries:
        stats = year_statistics(year)
    computed = median_seconds(lambda: year_statistics(year))
    bare = median_seconds(baseline)
    print(
        f"database: {connection.vendor}; year {year.label}: {decided:,} decisions decided, "
        f"{len(stats.councils)} councils with figures"
    )
    print(
        f"year_statistics: {len(queries.captured_queries)} queries, "
        f"median {computed * 1000:.1f} ms over {REPEATS} runs"
    )
    print(f"baseline (one grouped count): median {bare * 1000:.1f} ms")
    print(f"ratio to baseline: {computed / bare:.2f}x")


if __name__ == "__main__":
    main()
