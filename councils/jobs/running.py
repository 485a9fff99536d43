"""Starting, running and retrying background jobs (`councils.jobs.models.Job`).

A job is queued as a task of Django's Tasks framework (`run_job`), which a worker
(`manage.py db_worker`) picks up from the database; any worker can run any job, since
everything it needs (an import's file too) is in the database. The work itself is a function,
the job's `runner`, given the job and a `JobProgress` to report to. Its promises:

- **One job per piece of work**: a unique constraint on the `key` of queued and running jobs;
  starting work already queued or running returns that job.
- **Nothing partial**: a runner makes each unit of its work whole in a transaction (an import
  is one, each letter is one), so a failure or a killed worker leaves no half-done unit.
- **Progress and liveness**: the runner's progress and a heartbeat the worker beats every
  HEARTBEAT_SECONDS go to the "jobs" cache, which the progress page reads; the database is not
  written while the work runs (an import holds its transaction open the whole time).
- **Retry**: a failed job, or a running one whose heartbeat stopped for JOB_STALLED_SECONDS
  (its worker was killed), can be queued again as the same job.
"""

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from councils.jobs.models import Job

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
# The progress page is told about progress at most this often (the cache is written no more).
PROGRESS_SECONDS = 0.5


class JobFailed(Exception):
    """The work could not be done; the message says why (and that nothing was kept) to staff."""


@dataclass(frozen=True)
class Outcome:
    """What a runner did: a sentence for staff, and the page that shows the result."""

    text: str
    url: str = ""


Runner = Callable[[Job, "JobProgress"], Outcome]


def work_key(work: str, **params) -> str:
    """A key naming a piece of work by what it is, whoever starts it."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
    return f"{work}:{digest}"


def start_job(
    *,
    title: str,
    key: str,
    runner: str,
    user=None,
    params: dict | None = None,
    unit: str = "rows",
    upload: bytes | None = None,
) -> tuple[Job, bool]:
    """Queue the work, or find it already queued or running: (the job, whether it is new)."""
    try:
        with transaction.atomic():
            job = Job.objects.create(
                title=title[:300],
                key=key,
                runner=runner,
                params=params or {},
                unit=unit,
                upload=upload,
                upload_sha256=hashlib.sha256(upload).hexdigest() if upload is not None else "",
                started_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:  # someone else started the same work first (it may just have ended)
        return Job.objects.filter(key=key).latest("created_at"), False
    _enqueue(job)
    return job, True


def retryable(job: Job) -> bool:
    return job.status == Job.Status.FAILED or stalled(job)


def retry_job(job: Job) -> Job:
    """Queue a failed or stalled job again; the job that holds its work if another does."""
    if not retryable(job):
        return job
    try:
        with transaction.atomic():
            # Of two staff retrying at once, one finds the status already changed.
            retried = Job.objects.filter(pk=job.pk, status=job.status).update(
                status=Job.Status.QUEUED, finished_at=None, outcome=""
            )
    except IntegrityError:  # the same work was started again since this one failed
        return Job.objects.filter(key=job.key).latest("created_at")
    job.refresh_from_db()
    if retried:
        caches["jobs"].delete(_progress_key(job))
        _enqueue(job)
        job.refresh_from_db()
    return job


def _enqueue(job: Job) -> None:
    # Outside the job's transaction: the immediate backend runs the task right here.
    try:
        result = run_job.enqueue(str(job.pk))
    except Exception as error:  # never queued: free its key, and let staff retry it
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), outcome=failure_message(error)
        )
        raise
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


@task()
def run_job(job_id: str) -> str:
    """The task every job runs as: its runner, with progress, recording how it ended."""
    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:  # a task delivered twice
        return job.outcome
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    progress = JobProgress(job)
    runner: Runner = import_string(job.runner)
    try:
        with progress.beating():
            outcome = runner(job, progress)
    except JobFailed as error:
        _finish(job, progress, Job.Status.FAILED, str(error))
        raise
    except Exception as error:
        logger.exception("Background job %s (%s) failed", job.pk, job.title)
        _finish(job, progress, Job.Status.FAILED, failure_message(error))
        raise
    _finish(job, progress, Job.Status.SUCCEEDED, outcome.text, result_url=outcome.url, upload=None)
    return outcome.text


def failure_message(error: Exception) -> str:
    return (
        f"The job stopped with an error ({type(error).__name__}: {error}). Nothing half-done "
        "was kept: retry it, and if it fails again tell the site's developers."
    )


def _finish(job: Job, progress: "JobProgress", status: str, outcome: str, **fields) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=status,
        outcome=outcome,
        finished_at=timezone.now(),
        done=progress.done,
        total=progress.total,
        **fields,
    )


# Progress and liveness, in the "jobs" cache.


def _progress_key(job: Job) -> str:
    return f"job:{job.pk}"


def _read(job: Job) -> dict:
    return caches["jobs"].get(_progress_key(job)) or {}


def progress_of(job: Job) -> tuple[int, int]:
    """(done, total) so far: the worker's latest report, or the job's own once finished."""
    if job.finished:
        return job.done, job.total
    seen = _read(job)
    return seen.get("done", 0), seen.get("total", job.total)


def stalled(job: Job) -> bool:
    """Whether a running job's worker has stopped beating: killed or gone."""
    if job.status != Job.Status.RUNNING:
        return False
    beat = _read(job).get("beat")
    if beat is None:  # never beat: judge by when it started
        started = job.started_at or job.created_at
        return (timezone.now() - started).total_seconds() > settings.JOB_STALLED_SECONDS
    return time.time() - beat > settings.JOB_STALLED_SECONDS


class JobProgress:
    """Called by a runner with (done, total); beats the job's heartbeat while it runs."""

    def __init__(self, job: Job):
        self.key = _progress_key(job)
        self.done = 0
        self.total = job.total
        self._written = 0.0
        self._lock = threading.Lock()

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if done == total or time.monotonic() - self._written >= PROGRESS_SECONDS:
            self._write()

    def _write(self) -> None:
        with self._lock:
            self._written = time.monotonic()
            value = {"done": self.done, "total": self.total, "beat": time.time()}
            caches["jobs"].set(self.key, value, timeout=24 * 60 * 60)

    def beating(self):
        return _Heartbeat(self)


class _Heartbeat:
    """A thread writing the progress (with the time) every HEARTBEAT_SECONDS, however long a
    single step of the work takes."""

    def __init__(self, progress: JobProgress):
        self.progress = progress
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            self.progress._write()

    def __enter__(self):
        self.progress._write()
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.thread.join()
