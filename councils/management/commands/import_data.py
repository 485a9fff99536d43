"""`python manage.py import_data decisions FILE [--dry-run] [--reason TEXT]`: the admin's import.

The same resources and checks as the admin. Every problem goes to stderr as
`row N, column "value": reason`, and the command exits non-zero with nothing written. A file that
changes the figures of a public year is refused without `--reason`, published with the revision.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from councils.imports.files import ImportFileError, check_upload, read_file
from councils.imports.resources import RESOURCES
from councils.models import ImportKind, ImportRecord
from councils.progress import CommandProgress


class Command(BaseCommand):
    help = (
        "Import a councils, populations, decisions or recommendations file (CSV or XLSX). "
        "All or nothing: if any row is bad, every problem is listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and count changes; write nothing.",
        )
        parser.add_argument("--user", help="Username to record in the import history.")
        parser.add_argument(
            "--reason",
            help="Why the figures of a published year change: needed when they do, and "
            "published with the revision.",
        )

    def handle(
        self, *args, kind: str, file: Path, dry_run: bool, user: str | None, reason, **options
    ):
        importer = self._user(user)
        try:
            check_upload(file.name, file.stat().st_size)  # before reading a huge or wrong file
            content = file.read_bytes()
            dataset = read_file(file.name, content)
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}.") from None
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from None

        progress = CommandProgress(self.stderr, "rows")
        result = RESOURCES[kind](progress=progress).import_data(
            dataset,
            dry_run=dry_run,
            file_name=file.name,
            file_size=len(content),
            user=importer,
            via=ImportRecord.Via.COMMAND,
            reason=reason,
        )
        progress.finish()

        if result.file_problems:
            hint = " (--reason)" if result.revisions and not reason else ""
            raise CommandError(f"{file}: {' '.join(result.file_problems)}{hint}")
        if result.problems:
            for problem in result.problems:
                self.stderr.write(str(problem))
            problems = len(result.problems)
            raise CommandError(
                f"{file}: {result.counts.rejected:,} of {len(dataset):,} rows rejected "
                f"({problems:,} problem{pluralize(problems)}); nothing was imported."
            )
        for note in result.notes:
            self.stdout.write(f"{file}: {note}")
        for change in result.revisions.changes:
            self.stdout.write(change.summary)
        outcome = "would import" if dry_run else "imported"
        self.stdout.write(f"{file}: {outcome} {kind}: {result.counts}.")
        if result.new_years_notice:
            self.stdout.write(result.new_years_notice)

    def _user(self, username: str | None):
        if username is None:
            return None
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user is called {username!r}.") from None
