from django.core.management.base import BaseCommand

from councils.geography.register import load_councils


class Command(BaseCommand):
    help = (
        "Load England's councils (current, and those abolished since 2019) from the ONS data. "
        "Safe to re-run: adds what is missing and never overwrites staff edits."
    )

    def handle(self, *args, **options):
        load_councils(stdout=self.stdout)
