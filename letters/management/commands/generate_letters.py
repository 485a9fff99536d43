"""`python manage.py generate_letters 2023-24 [--regenerate | --reissue REASON]`: every
council's letter for a year."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from councils.models import ReportingYear
from councils.progress import CommandProgress
from letters.generation import generate_letters
from letters.models import LetterTemplate
from letters.rendering import PdfUnavailable


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
        progress = CommandProgress(self.stdout, "letters")
        try:
            result = generate_letters(
                template,
                regenerate=regenerate or reissue is not None,
                reissue_reason=reissue.strip() if reissue else None,
                progress=progress,
            )
        except PdfUnavailable as error:
            raise CommandError(str(error)) from error
        progress.finish()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{year}: {result.created} generated, {result.regenerated} regenerated, "
                f"{result.skipped} kept as they were, in {elapsed:.1f} s."
            )
        )
