import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from councils.models import ReportingYear, year_label


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--on “{value}” is not a date like 2024-07-24.") from None


class Command(BaseCommand):
    help = "Set the day a reporting year's figures, pages, downloads and letters become public."

    def add_arguments(self, parser):
        parser.add_argument("year", help="reporting year label, e.g. 2023-24")
        parser.add_argument("--on", type=_date, help="publication date (default: today)")

    def handle(self, *args, year: str, on: datetime.date | None, **options):
        try:
            label = year_label(ReportingYear.check_label(year))
        except ValueError as error:
            raise CommandError(str(error)) from None
        with transaction.atomic():
            reporting_year = ReportingYear.get_or_create_for_label(label)
            reporting_year.published_on = on or timezone.localdate()
            reporting_year.save(update_fields=["published_on"])
        when = "is public from" if reporting_year.is_public() else "will be public on"
        self.stdout.write(f"{reporting_year.label} {when} {reporting_year.published_on:%-d %B %Y}.")
