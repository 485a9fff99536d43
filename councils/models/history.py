"""What changed the data: the import history and the data version every write moves."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportKind(models.TextChoices):
    """The four kinds of file staff import (SPEC "Import files")."""

    COUNCILS = "councils"
    POPULATIONS = "populations"
    DECISIONS = "decisions"
    RECOMMENDATIONS = "recommendations"


class ImportRecord(models.Model):
    """One run of an import, kept so staff can see who loaded what and what it did."""

    class Via(models.TextChoices):
        ADMIN = "admin", "Admin"
        COMMAND = "command", "import_data command"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(help_text="Bytes.")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now, db_index=True)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.OTHER)
    dry_run = models.BooleanField(
        default=False, help_text="A preview: checked the file but wrote nothing."
    )
    applied = models.BooleanField(default=False, help_text="The rows were written.")
    new = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    problem = models.TextField(blank=True, help_text="Why the file was refused, if it was.")

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self):
        return (
            f"{self.get_kind_display()} from {self.file_name} at {self.imported_at:%Y-%m-%d %H:%M}"
        )


class DataVersion(models.Model):
    """One row whose number goes up with every change to public data (councils.dataversion)."""

    version = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"data version {self.version}"


# Revisions and background jobs are models of this app, kept in their own modules to keep this
# one short.
