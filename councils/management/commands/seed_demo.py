"""`python manage.py seed_demo`: fill the database with deterministic synthetic demo data."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from councils.demo import (
    DEFAULT_FIRST_YEAR,
    DEFAULT_LAST_YEAR,
    DEFAULT_SEED,
    clear_demo_data,
    seed_demo_data,
)
from councils.models import Decision, ReportingYear
from councils.progress import CommandProgress
from councils.signals import demo_data_seeded


class Command(BaseCommand):
    help = (
        "Replace the demo data (rows marked demo) with synthetic reporting years, populations, "
        "decisions and recommendations. Real data is never changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already has any decision (demo or real).",
        )
        parser.add_argument(
            "--clear", action="store_true", help="Only remove the demo data, and add none."
        )
        parser.add_argument(
            "--years",
            default=f"{DEFAULT_FIRST_YEAR}:{DEFAULT_LAST_YEAR}",
            help="Reporting years FIRST:LAST, or one year (default: %(default)s).",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Volume multiplier: 1 is realistic (~16,000 decisions a year); 0.1 is quick.",
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        if options["clear"]:
            removed = clear_demo_data()
            self.stdout.write(self.style.SUCCESS("Removed the demo data."))
            self._table(removed)
            return
        if options["if_empty"] and Decision.objects.exists():
            self.stdout.write("The database already has decisions: no demo data added.")
            return
        first, _, last = options["years"].partition(":")
        try:
            summary = seed_demo_data(
                first,
                last or first,
                seed=options["seed"],
                scale=options["scale"],
                progress=self.stdout.write,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        # Other apps add their demo content (the letters app: the latest year's letters).
        letters = CommandProgress(self.stdout, "letters")
        demo_data_seeded.send(
            sender=self.__class__,
            years=list(ReportingYear.objects.filter(label__in=summary.by_year)),
            progress=self.stdout.write,
            count=letters,
        )
        letters.finish()
        self.stdout.write(
            self.style.SUCCESS(f"Seeded demo data in {time.monotonic() - started:.1f}s.")
        )
        self._table(
            {
                "reporting years created": summary.years_created,
                "populations": summary.populations,
                "decisions": summary.decisions,
                "  of which not yet decided": summary.not_yet_decided,
                "recommendations": summary.recommendations,
            }
        )
        self.stdout.write(
            f"{'year':<8}{'received':>10}{'decided':>10}{'investigated':>14}{'upheld':>8}"
            f"{'uphold rate':>13}{'compliance':>12}"
        )
        for label, figures in summary.by_year.items():
            rate = figures.uphold_rate
            self.stdout.write(
                f"{label:<8}{figures.received:>10,}{figures.decisions:>10,}"
                f"{figures.investigations:>14,}{figures.upheld:>8,}"
                f"{'' if rate is None else f'{rate:.0%}':>13}{figures.compliance_outcomes:>12,}"
            )

    def _table(self, counts: dict[str, int]) -> None:
        for name, count in counts.items():
            self.stdout.write(f"  {name:<28}{count:>10,}")
