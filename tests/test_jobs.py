"""Long staff work as background jobs (councils.jobs): the import confirm and a year's letters.

Most tests run jobs with the immediate backend (the task runs inside the request that starts
it) or the dummy one (queued, never run); `test_a_worker_killed_mid_import_...` runs the real
database worker in a subprocess and kills it.
"""

import datetime
import os
import signal
import smtplib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import IntegrityError, connections, transaction

from councils.imports.admin import PREVIEW_CHANGED, PREVIEW_GONE
from councils.jobs.running import JobFailed, JobProgress, progress_of, run_job, stalled, start_job
from councils.models import Decision, ImportRecord, Job, Outcome
from letters import rendering
from letters.models import Letter, LetterSending
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    LetterTemplateFactory,
    ReportingYearFactory,
)
from tests.test_import_admin import CONFIRM_URL, IMPORT_URL, confirm, staff, upload

BASE_DIR = Path(__file__).resolve().parent.parent
HEADER = "reference,council_code,category,received,decided,outcome,summary\n"
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def decisions(rows: int, first: int = 0) -> str:
    return HEADER + "".join(
        f"24 {n // 1000:03d} {n % 1000:03d},E07000170,Housing,2023-05-14,2023-09-01,Upheld,\n"
        for n in range(first, first + rows)
    )


@pytest.fixture
def importer(client, django_user_model):
    user = staff(django_user_model, "importer", "add_decision", "change_decision", "view_decision")
    client.force_login(user)
    return user


@pytest.fixture
def ashfield():
    return CouncilFactory(code="E07000170")


@pytest.fixture
def in_background(settings, tmp_path):
    """Every confirmed import runs as a job; previews wait in this test's folder."""
    settings.IMPORT_BACKGROUND_ROWS = 0
    settings.IMPORT_PREVIEW_DIR = tmp_path / "previews"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The import confirm as a job ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield", "in_background")
def test_a_confirm_over_the_row_threshold_runs_as_a_job_with_its_result_in_the_history(
    client, importer
):
    done = confirm(client, upload(client, decisions(3)))

    job = Job.objects.get()
    assert done.status_code == 302 and done.url == job.get_absolute_url()
    assert job.status == Job.Status.SUCCEEDED, job.outcome
    assert (job.done, job.total, job.started_by) == (3, 3, importer)
    assert job.upload is None  # the file goes once it is imported
    assert Decision.objects.count() == 3
    record = ImportRecord.objects.get(dry_run=False)
    assert (record.applied, record.new, record.imported_by, record.via) == (
        True,
        3,
        importer,
        ImportRecord.Via.ADMIN,
    )
    page = client.get(done.url).content.decode()
    assert "Imported decisions: 3 new, 0 updated, 0 unchanged." in page
    assert "3 of 3 rows" in page
    assert 'href="/admin/councils/importrecord/"' in page
    assert 'http-equiv="refresh"' not in page  # finished: nothing to wait for


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield", "in_background")
def test_a_large_upload_is_previewed_by_a_job_then_confirmed(client, importer, settings):
    settings.IMPORT_BACKGROUND_BYTES = 0

    uploaded = upload(client, decisions(3))

    preview = Job.objects.get()
    assert uploaded.url == preview.get_absolute_url()
    assert preview.status == Job.Status.SUCCEEDED, preview.outcome
    assert preview.outcome == (
        "This file would make 3 new, 0 updated, 0 unchanged: see the preview, then confirm it."
    )
    assert not Decision.objects.exists()
    page = client.get(preview.result_url)
    html = page.content.decode()
    assert "This file would make 3 new, 0 updated, 0 unchanged." in html
    assert "24 000 002" in html and 'value="Confirm import"' in html
    done = client.post(CONFIRM_URL, {**page.context["confirm_form"].initial, "reason": ""})
    imported = Job.objects.exclude(pk=preview.pk).get()
    assert done.url == imported.get_absolute_url()
    assert imported.status == Job.Status.SUCCEEDED, imported.outcome
    assert Decision.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield", "in_background")
def test_a_large_upload_with_problems_shows_them_all_and_no_confirm(client, importer, settings):
    settings.IMPORT_BACKGROUND_BYTES = 0

    upload(client, decisions(2).replace("Housing", "Hosing"))

    preview = Job.objects.get()
    assert preview.outcome.startswith("The file has problems")
    html = client.get(preview.result_url).content.decode()
    assert html.count("Not a known service category") == 2
    assert "Confirm import" not in html and "Upload a corrected file" in html


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield")
def test_a_confirm_under_the_row_threshold_runs_in_the_request(client, importer, settings):
    settings.IMPORT_BACKGROUND_ROWS = 3

    done = confirm(client, upload(client, decisions(3)))

    assert done.url == "/admin/councils/decision/"
    assert not Job.objects.exists()
    assert Decision.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield")
@pytest.mark.parametrize("threshold", [0, 1000], ids=["in a job", "in the request"])
def test_a_confirm_refuses_a_file_changed_since_its_preview(
    client, importer, settings, tmp_path, threshold
):
    settings.IMPORT_BACKGROUND_ROWS = threshold
    settings.IMPORT_PREVIEW_DIR = tmp_path
    preview = upload(client, decisions(2))
    (stored,) = tmp_path.iterdir()
    stored.write_bytes(decisions(2, first=500).encode())  # same size, other rows

    done = confirm(client, preview)

    assert done.url == IMPORT_URL
    assert messages_of(done) == [PREVIEW_CHANGED]
    assert not Decision.objects.exists()
    assert not Job.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield", "in_background")
def test_a_confirm_with_a_tampered_preview_is_refused(client, importer):
    preview = upload(client, decisions(2))
    form = {**preview.context["confirm_form"].initial, "reason": ""}
    form["preview"] = form["preview"][:-2] + "xx"

    done = client.post(CONFIRM_URL, form)

    assert messages_of(done) == [PREVIEW_GONE]
    assert not Decision.objects.exists() and not Job.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield", "in_background")
def test_a_job_refuses_a_stored_file_changed_since_the_confirm(client, importer, settings):
    settings.TASKS = DUMMY  # queued, not run
    confirm(client, upload(client, decisions(2)))
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(upload=decisions(2, first=500).encode())

    with pytest.raises(JobFailed):  # the task fails, and the job says why
        run_job.call(str(job.pk))

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.outcome == "The stored file is not the one previewed: nothing was imported."
    assert not Decision.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield", "in_background")
def test_two_staff_confirming_the_same_file_get_one_job(
    client, importer, settings, django_user_model
):
    settings.TASKS = DUMMY
    colleague = staff(
        django_user_model, "colleague", "add_decision", "change_decision", "view_decision"
    )
    first_preview = upload(client, decisions(4))
    other = client.__class__()
    other.force_login(colleague)
    second_preview = upload(other, decisions(4))

    first = confirm(client, first_preview)
    second = confirm(other, second_preview)

    job = Job.objects.get()
    assert first.url == second.url == job.get_absolute_url()
    assert messages_of(second) == ["This file is already being imported: here is that import."]
    assert job.started_by == importer


@pytest.mark.django_db
def test_the_database_allows_one_queued_or_running_job_per_piece_of_work():
    Job.objects.create(title="a", key="work", runner="x", status=Job.Status.SUCCEEDED)
    Job.objects.create(title="b", key="work", runner="x", status=Job.Status.QUEUED)
    for status in Job.ACTIVE:
        with pytest.raises(IntegrityError), transaction.atomic():
            Job.objects.create(title="c", key="work", runner="x", status=status)
    assert start_job(title="d", key="work", runner="x")[1] is False


@pytest.mark.django_db
@pytest.mark.usefixtures("ashfield", "in_background")
def test_a_failed_import_writes_nothing_and_its_retry_succeeds(client, importer, monkeypatch):
    from councils.imports import jobs as import_jobs

    read_file = import_jobs.read_file
    calls = []

    def flaky(name, content):
        calls.append(name)
        if len(calls) == 1:
            raise OSError("the disk went away")
        return read_file(name, content)

    monkeypatch.setattr(import_jobs, "read_file", flaky)
    confirm(client, upload(client, decisions(3)))
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert "OSError: the disk went away" in job.outcome
    assert not Decision.objects.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'value="Retry"' in page

    retried = client.post(f"/admin/councils/job/{job.pk}/retry/")

    assert retried.url == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 2)
    assert Decision.objects.count() == 3


# --- The progress page ---------------------------------------------------------------------


@pytest.fixture
def running_job(importer):
    job = Job.objects.create(
        title="Import decisions from big.csv",
        key="import:big",
        runner="councils.imports.jobs.run_import",
        status=Job.Status.RUNNING,
        started_by=importer,
    )
    JobProgress(job)(1200, 5000)
    return job


@pytest.mark.django_db
def test_the_progress_page_updates_without_javascript_and_with_it(client, running_job):
    page = client.get(running_job.get_absolute_url())
    html = page.content.decode()

    assert page["Cache-Control"].startswith("max-age=0")
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert '<progress id="job-progress" max="5000" value="1200">' in html
    assert "1,200 of 5,000 rows" in html
    assert f'href="/admin/councils/job/{running_job.pk}/change/">reload it</a>' in html
    assert "js/job_progress.js" in html and "<script>" not in html  # no inline script
    assert 'value="Retry"' not in html  # still running
    state = client.get(f"/admin/councils/job/{running_job.pk}/progress.json").json()
    assert state == {
        "status": "running",
        "status_text": "running",
        "done": 1200,
        "total": 5000,
        "counted": "1,200 of 5,000 rows",
        "active": True,
    }


@pytest.mark.django_db
def test_a_job_whose_worker_stopped_beating_is_stalled_and_only_its_starter_retries_it(
    client, running_job, settings, django_user_model
):
    settings.TASKS = DUMMY
    settings.JOB_STALLED_SECONDS = 5
    assert not stalled(running_job)
    caches["jobs"].set(
        f"job:{running_job.pk}", {"done": 1200, "total": 5000, "beat": time.time() - 6}
    )
    assert stalled(running_job)
    other = client.__class__()
    other.force_login(staff(django_user_model, "colleague"))

    assert 'value="Retry"' not in other.get(running_job.get_absolute_url()).content.decode()
    assert other.post(f"/admin/councils/job/{running_job.pk}/retry/").status_code == 403
    html = client.get(running_job.get_absolute_url()).content.decode()
    assert "its worker stopped running it" in html and 'value="Retry"' in html
    client.post(f"/admin/councils/job/{running_job.pk}/retry/")

    running_job.refresh_from_db()
    assert running_job.status == Job.Status.QUEUED and running_job.task_id


@pytest.mark.django_db
def test_staff_without_a_staff_flag_see_no_job(client, running_job, django_user_model):
    client.force_login(django_user_model.objects.create_user("visitor"))
    assert client.get(f"/admin/councils/job/{running_job.pk}/progress.json").status_code == 302


# --- Letters as jobs -----------------------------------------------------------------------


@pytest.fixture
def year():
    return ReportingYearFactory(label="2023-24", published_on=datetime.date(2024, 7, 24))


@pytest.fixture
def two_councils(year):
    councils = [
        CouncilFactory(name=name, email=f"ceo@{name.lower()}.example.org")
        for name in ("Ashdale", "Brookfield")
    ]
    for council in councils:
        DecisionFactory(council=council, outcome=Outcome.UPHELD)
    return councils


@pytest.fixture
def pdf_failing_once(monkeypatch):
    """Renders a fake PDF, except for the second letter of the first run."""
    rendered = []

    def render(html: str) -> bytes:
        rendered.append(html)
        if len(rendered) == 2:
            raise RuntimeError("the renderer crashed")
        return b"%PDF-1.7 test\n" + html.encode()

    monkeypatch.setattr(rendering, "html_to_pdf", render)


@pytest.mark.django_db
@pytest.mark.usefixtures("two_councils", "pdf_failing_once")
def test_a_years_letters_from_one_click_each_letter_whole_and_a_failure_retried(admin_client, year):
    template = LetterTemplateFactory(year=year)

    started = admin_client.post(
        "/admin/letters/lettertemplate/",
        {"action": "generate_missing_letters", "_selected_action": [template.pk]},
    )

    job = Job.objects.get()
    assert started.url == job.get_absolute_url()
    assert job.status == Job.Status.FAILED and "the renderer crashed" in job.outcome
    (letter,) = Letter.objects.all()  # the first, whole; the second not at all
    assert letter.council.name == "Ashdale" and letter.snapshot and bytes(letter.pdf)

    admin_client.post(f"/admin/councils/job/{job.pk}/retry/")

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.outcome.startswith("2023-24: 1 letters generated, 1 already existed")
    assert sorted(Letter.objects.values_list("council__name", flat=True)) == [
        "Ashdale",
        "Brookfield",
    ]
    assert all(
        bytes(pdf).startswith(b"%PDF") for pdf in Letter.objects.values_list("pdf", flat=True)
    )
    page = admin_client.get(job.get_absolute_url()).content.decode()
    assert f"/admin/letters/letter/?template__year__id__exact={year.pk}" in page


@pytest.mark.django_db
@pytest.mark.usefixtures("two_councils")
def test_two_staff_generating_the_same_years_letters_get_one_job(admin_client, year, settings):
    settings.TASKS = DUMMY
    template = LetterTemplateFactory(year=year)
    action = {"action": "generate_missing_letters", "_selected_action": [template.pk]}

    first = admin_client.post("/admin/letters/lettertemplate/", action)
    second = admin_client.post("/admin/letters/lettertemplate/", action)

    assert first.url == second.url == Job.objects.get().get_absolute_url()


@pytest.mark.django_db
@pytest.mark.usefixtures("two_councils")
def test_a_sending_job_retried_after_a_mail_failure_sends_each_letter_once(
    admin_client, year, monkeypatch
):
    from django.core.mail import EmailMessage

    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n")
    from letters.generation import generate_letters

    generate_letters(LetterTemplateFactory(year=year))
    send = EmailMessage.send
    sent = []

    def refuse_the_second(message, *args, **kwargs):
        sent.append(message.to)
        if len(sent) == 2:
            raise smtplib.SMTPServerDisconnected("the mail server went away")
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", refuse_the_second)
    ids = list(Letter.objects.values_list("pk", flat=True))

    admin_client.post("/admin/letters/letter/", {"action": "send_again", "_selected_action": ids})
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert LetterSending.objects.count() == 1  # the refused one rolled back with its record
    admin_client.post(f"/admin/councils/job/{job.pk}/retry/")

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.outcome == "1 letters sent."
    assert sorted(LetterSending.objects.values_list("letter__council__name", flat=True)) == [
        "Ashdale",
        "Brookfield",
    ]


# --- A real worker, killed mid-import ------------------------------------------------------


def _database_url(settings_dict: dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict["USER"] + (
        f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    )
    return (
        f"postgres://{user}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
    )


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    """A database URL another process can use for this test's data.

    PostgreSQL: the test database itself (the test commits). SQLite: the test database is in
    this process's memory, so it is copied to a file and this process switches to the file.
    """
    connection = connections["default"]
    if connection.vendor != "sqlite":
        yield _database_url(connection.settings_dict)
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    on_file = connection.__class__({**connection.settings_dict, "NAME": str(path)}, "default")
    connections["default"] = on_file
    try:
        yield _database_url(on_file.settings_dict)
    finally:
        on_file.close()
        connections["default"] = connection


def start_worker(database_url: str, progress_dir: Path, *arguments: str) -> subprocess.Popen:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "TASKS_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DATABASE_URL=database_url,
        DEBUG="1",
        TASKS_BACKEND="database",
        JOB_PROGRESS_DIR=str(progress_dir),
        DJANGO_SETTINGS_MODULE="ombudsman.settings",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
            *arguments,
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


ROWS = 30_000


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_writes_nothing_and_a_retry_succeeds(
    shared_database, client, django_user_model, settings, tmp_path
):
    settings.TASKS = DATABASE_BACKEND
    settings.IMPORT_BACKGROUND_ROWS = 0
    settings.IMPORT_BACKGROUND_BYTES = 10**9  # previewed in the request: only the import waits
    settings.IMPORT_PREVIEW_DIR = tmp_path / "previews"
    settings.JOB_STALLED_SECONDS = 5
    progress_dir = tmp_path / "progress"
    settings.CACHES = {
        **settings.CACHES,
        "jobs": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(progress_dir),
        },
    }
    CouncilFactory(code="E07000170")
    user = staff(django_user_model, "importer", "add_decision", "change_decision", "view_decision")
    client.force_login(user)
    confirm(client, upload(client, decisions(ROWS)))
    job = Job.objects.get()
    assert job.status == Job.Status.QUEUED  # no worker yet

    worker = start_worker(shared_database, progress_dir)
    try:
        wait_for(lambda: progress_of(job)[0] > 0, 60, "the worker to start importing")
    finally:
        worker.send_signal(signal.SIGKILL)
        output = worker.communicate(timeout=30)[0].decode()

    job.refresh_from_db()
    done, total = progress_of(job)
    assert job.status == Job.Status.RUNNING, output
    assert 0 < done < total == ROWS
    assert Decision.objects.count() == 0
    assert not ImportRecord.objects.filter(dry_run=False).exists()
    wait_for(lambda: stalled(job), 10, "the job to be seen as stalled")
    assert "its worker stopped running it" in client.get(job.get_absolute_url()).content.decode()

    client.post(f"/admin/councils/job/{job.pk}/retry/")
    retry = start_worker(shared_database, progress_dir, "--batch")
    output = retry.communicate(timeout=240)[0].decode()

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, output + job.outcome
    assert job.attempts == 2
    assert Decision.objects.count() == ROWS
    assert ImportRecord.objects.get(dry_run=False).new == ROWS
