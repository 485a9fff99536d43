"""Faults: the database going away, an import killed half-way, corrupted and huge uploads.

- The database failing in the middle of an import's write leaves nothing of it (one transaction)
  and says so; a page asked for while the database is down gets a plain 503 page, and the next
  request after it returns is served normally.
- An import process killed with SIGKILL in the middle of writing (in a real SQLite file, from
  another process) leaves no row, and the same import run again afterwards loses none.
- A corrupted file (random bytes called .xlsx, a truncated CSV with a NUL) is refused with a plain
  message and nothing written; a file over the size cap is refused by its size alone, before
  anything reads it (the admin's upload is on disk by then, not in memory).
"""

import io
import os
import random
import re
import select
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.test import Client

from councils import admin as councils_admin
from councils import dataversion
from councils.imports import bulk, files
from councils.middleware import DatabaseUnavailableMiddleware
from councils.models import Decision, ImportRecord
from tests.factories import CouncilFactory, ReportingYearFactory

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parent.parent
HEADER = "reference,council_code,category,received,decided,outcome,summary\n"
IMPORT_URL = "/admin/councils/decision/import/"
CONFIRM_URL = "/admin/councils/decision/process_import/"
MIDDLEWARE = "councils.middleware.DatabaseUnavailableMiddleware"


def decisions_csv(rows: int, council_code: str = "E07000170") -> str:
    lines = [
        f"24 {n // 1000:03d} {n % 1000:03d},{council_code},Housing,2023-05-14,2023-09-01,"
        f"{'Upheld' if n % 3 else 'Not upheld'},Row {n}\n"
        for n in range(rows)
    ]
    return HEADER + "".join(lines)


@pytest.fixture
def ashfield():
    ReportingYearFactory(label="2023-24")
    return CouncilFactory(code="E07000170", name="Ashfield", slug="ashfield")


@pytest.fixture
def importer(client, django_user_model):
    user = django_user_model.objects.create_user("importer", is_staff=True)
    codenames = ["add_decision", "change_decision", "view_decision"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return user


@pytest.fixture
def connection_lost_after(monkeypatch):
    """Every import insert writes its first `rows` rows, then the database connection is lost."""

    def lose_connection_after(rows: int) -> list[int]:
        written: list[int] = []
        real = bulk.insert_rows

        def flaky(model, attnames, values, using):
            real(model, attnames, values[:rows], using)
            written.append(min(rows, len(values)))
            raise OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(bulk, "insert_rows", flaky)
        return written

    return lose_connection_after


def upload(client, content: bytes | str, name: str = "decisions.csv"):
    content = content.encode() if isinstance(content, str) else content
    file = SimpleUploadedFile(name, content)
    return client.post(IMPORT_URL, {"resource": "0", "format": "", "import_file": file})


# --- The database going away ---------------------------------------------------------------


class TestDatabaseGoesAway:
    def test_mid_import_through_the_admin_writes_nothing_and_says_so(
        self, client, importer, ashfield, connection_lost_after
    ):
        preview = upload(client, decisions_csv(400))
        assert preview.status_code == 200 and "confirm_form" in preview.context
        version = dataversion.current()
        written = connection_lost_after(200)

        # 2023-24 is public: the confirm says why its figures change (councils.revisions).
        done = client.post(
            CONFIRM_URL, {**preview.context["confirm_form"].initial, "reason": "Late"}
        )

        assert written == [200]  # half the rows had gone to the database when it went away
        assert Decision.objects.count() == 0
        assert done.status_code == 302 and done.url == IMPORT_URL
        (message,) = [str(m) for m in get_messages(done.wsgi_request)]
        assert message.startswith("Nothing was imported: ")
        assert "server closed the connection unexpectedly" in message
        record = ImportRecord.objects.get(dry_run=False)
        assert not record.applied and "server closed the connection" in record.problem
        assert dataversion.current() == version  # cached pages stay valid

    def test_mid_import_through_the_command_fails_and_writes_nothing(
        self, tmp_path, ashfield, connection_lost_after
    ):
        path = tmp_path / "decisions.csv"
        path.write_text(decisions_csv(300))
        written = connection_lost_after(150)
        with pytest.raises(CommandError, match="server closed the connection unexpectedly"):
            call_command("import_data", "decisions", str(path), stdout=io.StringIO())
        assert written == [150]
        assert Decision.objects.count() == 0

    @pytest.mark.parametrize("url", ["/", "/councils/ashfield/", "/years/2023-24/"])
    def test_public_pages_answer_503_then_recover(self, ashfield, url):
        client = Client(raise_request_exception=False)
        with connection.execute_wrapper(_refuse_every_query):
            down = client.get(url)
        assert down.status_code == 503
        assert "The service is temporarily unavailable" in down.content.decode()
        assert down["Retry-After"] == "30" and "no-store" in down["Cache-Control"]
        up = client.get(url)
        assert up.status_code == 200 and "unavailable" not in up.content.decode()

    def test_a_cached_page_is_not_served_stale_while_the_database_is_down(self, ashfield):
        client = Client(raise_request_exception=False)
        assert client.get("/councils/ashfield/").status_code == 200  # now cached
        with connection.execute_wrapper(_refuse_every_query):
            assert client.get("/councils/ashfield/").status_code == 503
        assert client.get("/councils/ashfield/").status_code == 200

    def test_the_middleware_gives_every_view_the_503_page(self, settings, ashfield):
        if MIDDLEWARE not in settings.MIDDLEWARE:
            settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
        client = Client(raise_request_exception=False)
        for url in ["/api/years/", "/data/2023-24/statistics.csv", "/search/?q=ash"]:
            with connection.execute_wrapper(_refuse_every_query):
                down = client.get(url)
            assert down.status_code == 503, url
            assert "temporarily unavailable" in down.content.decode()
            assert client.get(url, follow=True).status_code == 200  # one match: its page

    def test_without_the_middleware_other_views_get_the_plain_500_page(self, settings, ashfield):
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
        client = Client(raise_request_exception=False)
        with connection.execute_wrapper(_refuse_every_query):
            down = client.get("/search/?q=kent")  # not behind the page cache
        assert down.status_code == 500
        page = down.content.decode()
        assert "Sorry, something went wrong" in page and "Traceback" not in page

    def test_other_errors_are_left_alone(self, rf):
        middleware = DatabaseUnavailableMiddleware(lambda request: None)
        assert middleware.process_exception(rf.get("/"), ValueError("bug")) is None
        response = middleware.process_exception(rf.get("/"), OperationalError("gone"))
        assert response.status_code == 503


def _refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("could not connect to server: Connection refused")


# --- An import killed half-way ---------------------------------------------------------------

KILLED_IMPORT = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from django.core.management import call_command
    from councils.imports import bulk
    from councils.models import Council

    call_command("migrate", verbosity=0)
    Council.objects.create(
        code="E07000170", name="Ashfield", official_name="Ashfield District Council",
        slug="ashfield", type_id="district",
    )
    real = bulk.insert_rows

    def half_then_wait(model, attnames, rows, using):
        real(model, attnames, rows[: len(rows) // 2], using)
        print("HALF WRITTEN", len(rows) // 2, flush=True)
        time.sleep(60)  # until killed

    bulk.insert_rows = half_then_wait
    call_command("import_data", "decisions", sys.argv[1])
    """
)


def _environment(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "ombudsman.settings",
        "DEBUG": "1",
        "PYTHONPATH": str(PROJECT),
        "LOG_LEVEL": "WARNING",
    }
    return env


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, "the import never reached its write"
    return process.stdout.readline().decode()


def _count(database: Path, sql: str):
    with sqlite3.connect(database) as db:  # opening it rolls back what the killed process left
        # The schema's check constraints use REGEXP, which Django registers on its connections.
        db.create_function("REGEXP", 2, lambda pattern, value: bool(re.search(pattern, value)))
        return db.execute(sql).fetchone()[0]


def test_an_import_killed_half_way_writes_nothing_and_a_rerun_loses_nothing(tmp_path):
    database = tmp_path / "killed.sqlite3"
    rows = 3000
    csv_file = tmp_path / "decisions.csv"
    csv_file.write_text(decisions_csv(rows))
    env = _environment(database)
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, str(csv_file)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        line = _read_line(process, timeout=60)
        assert line.startswith("HALF WRITTEN 1500")
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()

    assert _count(database, "PRAGMA integrity_check") == "ok"
    assert _count(database, "SELECT COUNT(*) FROM councils_council") == 1
    assert _count(database, "SELECT COUNT(*) FROM councils_decision") == 0
    assert _count(database, "SELECT COUNT(*) FROM councils_importrecord") == 0
    # The version as the council's creation left it: the killed import's bump rolled back.
    version = _count(database, "SELECT version FROM councils_dataversion")

    started = time.monotonic()
    rerun = subprocess.run(
        [sys.executable, "manage.py", "import_data", "decisions", str(csv_file)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"imported decisions: {rows:,} new" in rerun.stdout
    assert _count(database, "SELECT COUNT(DISTINCT reference) FROM councils_decision") == rows
    assert _count(database, "SELECT version FROM councils_dataversion") > version
    assert time.monotonic() - started < 60


# --- Corrupted and huge uploads --------------------------------------------------------------

RANDOM_XLSX = random.Random(7).randbytes(50_000)
TRUNCATED_CSV = (
    HEADER + "24 000 001,E07000170,Hou\x00sing,2023-05-14,2023-09-01,Upheld,Fine\n24 000 002,E0700"
).encode()


class TestCorruptedUploads:
    def test_random_bytes_named_xlsx_are_refused_in_the_admin(self, client, importer, ashfield):
        preview = upload(client, RANDOM_XLSX, name="decisions.xlsx")
        (error,) = preview.context["form"].errors["import_file"]
        assert error == "The file could not be opened as an Excel workbook (.xlsx)."
        assert Decision.objects.count() == 0 and not ImportRecord.objects.exists()

    def test_random_bytes_named_xlsx_are_refused_by_the_command(self, tmp_path, ashfield):
        path = tmp_path / "decisions.xlsx"
        path.write_bytes(RANDOM_XLSX)
        with pytest.raises(CommandError, match=r"could not be opened as an Excel workbook"):
            call_command("import_data", "decisions", str(path))
        assert Decision.objects.count() == 0

    def test_a_truncated_csv_with_a_nul_names_each_bad_row(self, client, importer, ashfield):
        preview = upload(client, TRUNCATED_CSV)
        text = " ".join(re.sub(r"<[^>]+>", " ", preview.content.decode()).split())
        assert "confirm_form" not in preview.context
        assert "2 rows of the file have problems, so nothing will be imported" in text
        assert "2 category Hou" in text and "Contains a NUL character" in text
        assert "3 council_code E0700 No council has this code" in text
        assert Decision.objects.count() == 0

    def test_a_truncated_csv_with_a_nul_fails_the_command(self, tmp_path, ashfield):
        path = tmp_path / "decisions.csv"
        path.write_bytes(TRUNCATED_CSV)
        err = io.StringIO()
        with pytest.raises(CommandError, match=r"2 of 2 rows rejected.*nothing was imported"):
            call_command("import_data", "decisions", str(path), stderr=err)
        assert "Contains a NUL character" in err.getvalue()
        assert Decision.objects.count() == 0


class TestHugeUploads:
    CAP = 3 * 1024 * 1024  # over Django's 2.5 MB in-memory limit, so the upload goes to disk

    @pytest.fixture
    def nothing_reads_the_file(self, monkeypatch):
        def must_not_read(*args, **kwargs):
            raise AssertionError("the file was read although it is over the cap")

        monkeypatch.setattr(files.CSV, "create_dataset", must_not_read)
        monkeypatch.setattr(files.XLSX, "create_dataset", must_not_read)
        monkeypatch.setattr(councils_admin.DataAdmin, "write_to_tmp_storage", must_not_read)

    def test_the_admin_refuses_by_size_with_the_upload_on_disk(
        self, client, importer, ashfield, settings, monkeypatch, nothing_reads_the_file
    ):
        settings.IMPORT_MAX_BYTES = self.CAP
        checked = []
        real_check = councils_admin.check_upload

        def spy(name, size):
            checked.append((name, size))
            return real_check(name, size)

        monkeypatch.setattr(councils_admin, "check_upload", spy)
        uploads = []
        real_clean = councils_admin.DataImportForm.clean_import_file

        def clean(form):
            uploads.append(type(form.cleaned_data["import_file"]))
            return real_clean(form)

        monkeypatch.setattr(councils_admin.DataImportForm, "clean_import_file", clean)

        preview = upload(client, b"x" * (self.CAP + 1))

        assert checked == [("decisions.csv", self.CAP + 1)]
        assert uploads == [TemporaryUploadedFile]  # streamed to a temporary file
        (error,) = preview.context["form"].errors["import_file"]
        assert error == (
            "The file is 3,145,729 bytes: the most we accept is 3,145,728 bytes. "
            "Split it into smaller files."
        )
        assert not ImportRecord.objects.exists()

    def test_the_command_refuses_by_size_before_reading(
        self, tmp_path, ashfield, settings, monkeypatch, nothing_reads_the_file
    ):
        settings.IMPORT_MAX_BYTES = 20 * 1024 * 1024
        path = tmp_path / "huge.csv"
        with path.open("wb") as file:  # 20 MB + 1 byte, sparse: nothing is really written
            file.truncate(20 * 1024 * 1024 + 1)

        def must_not_read(self):
            raise AssertionError("read_bytes called on a file over the cap")

        monkeypatch.setattr(Path, "read_bytes", must_not_read)
        with pytest.raises(
            CommandError, match="The file is 20,971,521 bytes: the most we accept is 20,971,520 "
        ):
            call_command("import_data", "decisions", str(path))
        assert not ImportRecord.objects.exists()
