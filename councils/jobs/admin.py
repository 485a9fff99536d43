"""Background jobs in the admin: the list of them, and each one's progress page.

The progress page works without JavaScript (it reloads itself every few seconds while the job
is active, and has a reload link); `static/js/job_progress.js` updates it in place from
`progress.json` instead, and reloads it once the job ends to show the result.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.cache import add_never_cache_headers

from councils.jobs.models import Job
from councils.jobs.running import progress_of, retry_job, retryable, stalled


def job_state(job: Job) -> dict:
    """What the progress page shows, for the page and for progress.json."""
    done, total = progress_of(job)
    if stalled(job):
        status = "stalled"
        said = "stopped: its worker stopped running it (nothing half-done was kept)"
    else:
        status = job.status
        said = job.get_status_display()
    return {
        "status": status,
        "status_text": said,
        "done": done,
        "total": total,
        "counted": f"{done:,} of {total:,} {job.unit}" if total else "",
        "active": status in Job.ACTIVE,
    }


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: jobs are made by starting work (an import confirm, a letters action)."""

    list_display = ["title", "status", "started_by", "created_at", "finished_at", "attempts"]
    list_filter = ["status"]
    list_select_related = ["started_by"]
    search_fields = ["title"]

    # Staff see every job (a colleague's import explains why theirs waits); only their starter
    # or a superuser retries one.
    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("upload")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<uuid:object_id>/progress.json", wrap(self.progress_json), name="councils_job_json"
            ),
            path("<uuid:object_id>/retry/", wrap(self.retry_view), name="councils_job_retry"),
            *super().get_urls(),
        ]

    def _job(self, request: HttpRequest, job_id) -> Job:
        if not self.has_view_permission(request):
            raise PermissionDenied
        jobs = Job.objects.defer("upload").select_related("started_by")
        return get_object_or_404(jobs, pk=job_id)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        try:
            job = self._job(request, object_id)
        except ValidationError:  # not a job's id at all
            raise Http404 from None
        context = {
            **self.admin_site.each_context(request),
            "title": job.title,
            "opts": self.opts,
            "job": job,
            "state": job_state(job),
            "can_retry": retryable(job) and self._may_retry(request, job),
        }
        response = TemplateResponse(request, "admin/councils/job/progress.html", context)
        add_never_cache_headers(response)
        return response

    def progress_json(self, request: HttpRequest, object_id) -> HttpResponse:
        response = JsonResponse(job_state(self._job(request, object_id)))
        add_never_cache_headers(response)
        return response

    @staticmethod
    def _may_retry(request: HttpRequest, job: Job) -> bool:
        return request.user.is_superuser or job.started_by_id == request.user.pk

    def retry_view(self, request: HttpRequest, object_id) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        job = self._job(request, object_id)
        if not self._may_retry(request, job):
            raise PermissionDenied
        if not retryable(job):
            messages.warning(request, "This job has not failed or stopped: nothing to retry.")
            return HttpResponseRedirect(job.get_absolute_url())
        queued = retry_job(job)
        if queued.pk != job.pk:
            messages.info(request, "The same work was started again since: this is that job.")
        return HttpResponseRedirect(queued.get_absolute_url())
