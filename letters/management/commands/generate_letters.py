"""`python manage.py generate_letters 2023-24 [--regenerate | --reissue REASON]`: every
council's letter for a year."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from councils.models import ReportingYear
from letters.generation import generate_letters
from letters.models import LetterTemplate
from letters.rendering import PdfUnavailable

LINE_EVERY = 25  # councils between progress lines when output is not a terminal


class Command(BaseCommand):
    help = (
        "Generate the annual review letter (frozen figures and PDF) for every council with "
        "figures in a reporting year. Existing letters are kept unless --regenerate is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", help="Reporting year, e.g. 2023-24")
        parser.add_argument(
            "--regenerate",
            action="store_true",
            help="Also refresh letters already generated (their figures and PDF), "
            "keeping their addressee and paragraphs.",
        )
        parser.add_argument(
            "--reissue",
            metavar="REASON",
            help="Reissue letters already generated, for this reason: each one's current "
            "version is kept and listed with the letter.",
        )

    def handle(self, *args, year: str, regenerate: bool, reissue: str | None, **options) -> None:
        if reissue is not None and not reissue.strip():
            raise CommandError("--reissue needs a reason, e.g. --reissue 'Figures corrected.'")
        template = LetterTemplate.objects.select_related("year").filter(year__label=year).first()
        if template is None:
            known = ReportingYear.objects.for_label(year).exists()
            raise CommandError(
                f"No letter template for {year}: create one in the admin "
                "(Annual review letters, Letter templates) first."
                if known
                else f"No reporting year {year}."
            )
        started = time.perf_counter()
        try:
            result = generate_letters(
                template,
                regenerate=regenerate or reissue is not None,
                reissue_reason=reissue.strip() if reissue else None,
                progress=self._progress(self.stdout.isatty()),
            )
        except PdfUnavailable as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{year}: {result.created} generated, {result.regenerated} regenerated, "
                f"{result.skipped} kept as they were, in {elapsed:.1f} s."
            )
        )

    def _progress(self, tty: bool):
        def show(done: int, total: int) -> None:
            if tty:
                filled = done * 30 // total
                self.stdout.write(
                    f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}",
                    ending="\n" if done == total else "",
                )
                self.stdout.flush()
            elif done % LINE_EVERY == 0 or done == total:
                self.stdout.write(f"{done} of {total} councils")

        return show
