from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "Remove import previews not confirmed within IMPORT_PREVIEW_SECONDS. Every upload in the "
        "admin does this too: schedule it only where uploads are rare."
    )

    def handle(self, *args, **options):
        removed = import_string(settings.IMPORT_EXPORT_TMP_STORAGE_CLASS).sweep()
        plural = "" if removed == 1 else "s"
        self.stdout.write(f"Removed {removed} abandoned import preview{plural}.")
