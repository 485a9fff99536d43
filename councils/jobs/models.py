"""`Job`: one piece of long staff work (an import confirm, a year's letters) and what came of it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class JobQuerySet(models.QuerySet):
    def active(self) -> "JobQuerySet":
        return self.filter(status__in=Job.ACTIVE)


class Job(models.Model):
    """Started by staff, run by a task worker (`councils.jobs.running`).

    `key` names the work itself (e.g. importing this file's bytes as decisions): while a job with
    a key is queued or running no second one can be (a unique constraint), so two staff starting
    the same work get one job.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "waiting for a worker"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "done"
        FAILED = "failed", "failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    # Not a counter: the progress page's address must not reveal or invite guessing other jobs.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=300)
    key = models.CharField(max_length=200)
    # The dotted path of the function doing the work (see `councils.jobs.running.run_job`).
    runner = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    # An import's file, kept in the database so that any worker on any server can read it,
    # and its SHA-256 as previewed: dropped once the job succeeds.
    upload = models.BinaryField(null=True, editable=False)
    upload_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    unit = models.CharField(max_length=20, default="rows")  # what `done` and `total` count
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    outcome = models.TextField(blank=True)  # what happened, in a sentence or two for staff
    result_url = models.CharField(max_length=300, blank=True)  # where the result is shown
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)  # the task of the latest attempt

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "background job"
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_job_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("admin:councils_job_change", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
