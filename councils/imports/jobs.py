"""A large upload's preview, and an import confirmed in the admin, run as background jobs
(`councils.jobs`).

The preview of a file over IMPORT_BACKGROUND_BYTES is a job: it checks every row as the import
page does, renders what it found, and (if the file can be imported) puts the file where previews
wait for their confirm (`councils.imports.previews`: Redis, or the one server's folder), with the
signed SHA-256 and row count the confirm checks. Its result page offers the usual confirm form.

For the import itself, the file is kept with the job in the database, so any worker on any
server can run it, together with the SHA-256 the preview saw; the worker checks the file against
it before reading a row. The import itself is the one the confirm step runs in a request: one
transaction, all or nothing, recorded in the import history. A worker killed mid-import leaves
that transaction uncommitted, so nothing of it is written, and the job can be retried.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.module_loading import import_string

from councils.imports.engine import has_problems, lock_imports
from councils.imports.files import ImportFileError, read_file
from councils.imports.previews import Previewed
from councils.imports.resources import RESOURCES
from councils.jobs.models import Job
from councils.jobs.running import JobFailed, JobProgress, Outcome, start_job, work_key
from councils.models import ImportRecord

# Problems named in a failed job's outcome (the preview lists them all).
SHOWN_PROBLEMS = 10


def start_import(
    *, kind: str, lock: str, noun: str, file_name: str, data: bytes, reason: str, user
) -> tuple[Job, bool]:
    """Queue the import of `data` (the file as previewed); the same file of the same kind
    already queued or running is that job."""
    return start_job(
        title=f"Import {noun} from {file_name}",
        key=work_key("import", kind=kind, sha256=hashlib.sha256(data).hexdigest()),
        runner="councils.imports.jobs.run_import",
        user=user,
        params={
            "kind": kind,
            "lock": lock,
            "noun": noun,
            "file_name": file_name,
            "reason": reason,
        },
        unit="rows",
        upload=data,
    )


def start_preview(
    *, kind: str, noun: str, file_name: str, data: bytes, page: str, user
) -> tuple[Job, bool]:
    """Queue the preview of an upload; `page` names the admin URL that shows its result."""
    return start_job(
        title=f"Preview {noun} from {file_name}",
        key=work_key("preview", kind=kind, sha256=hashlib.sha256(data).hexdigest()),
        runner="councils.imports.jobs.run_preview",
        user=user,
        params={"kind": kind, "noun": noun, "file_name": file_name, "page": page},
        unit="rows",
        upload=data,
    )


def _stored_file(job: Job, refusal: str) -> bytes:
    data = bytes(Job.objects.values_list("upload", flat=True).get(pk=job.pk) or b"")
    if hashlib.sha256(data).hexdigest() != job.upload_sha256:
        raise JobFailed(refusal)
    return data


def run_preview(job: Job, progress: JobProgress) -> Outcome:
    # The import page's own helper; imported here since that module starts these jobs.
    from councils.imports.admin import name_councils

    data = _stored_file(job, "The stored file is not the one uploaded: upload it again.")
    params = job.params
    try:
        dataset = read_file(params["file_name"], data)
    except ImportFileError as error:
        raise JobFailed(str(error)) from error
    impacts = []
    result = RESOURCES[params["kind"]](progress=progress).import_data(
        dataset,
        dry_run=True,
        file_name=params["file_name"],
        file_size=len(data),
        user=get_user_model().objects.filter(pk=job.started_by_id).first(),
        via=ImportRecord.Via.ADMIN,
        on_revisions=impacts.append,
    )
    name_councils(result)
    found = {
        "result_html": render_to_string("admin/councils/import_result.html", {"result": result}),
        "banner_html": render_to_string("admin/councils/revision_banner.html", {"result": result}),
    }
    if has_problems(result):
        said = "The file has problems, so nothing can be imported from it: see them all."
    else:
        # Where the confirm step takes it from, with what it must find there.
        storage = import_string(settings.IMPORT_EXPORT_TMP_STORAGE_CLASS)()
        storage.save(data)
        previewed = Previewed(storage.name, storage.sha256, result.total_rows)
        found.update(
            preview=previewed.sign(),
            storage_name=storage.name,
            file_size=len(data),
            revises=impacts[-1].labels if impacts else "",
        )
        said = f"This file would make {result.counts}: see the preview, then confirm it."
    Job.objects.filter(pk=job.pk).update(params={**params, **found})
    return Outcome(said, url=reverse(params["page"], args=[job.pk]))


def run_import(job: Job, progress: JobProgress) -> Outcome:
    data = _stored_file(job, "The stored file is not the one previewed: nothing was imported.")
    params = job.params
    dataset = read_file(params["file_name"], data)
    user = get_user_model().objects.filter(pk=job.started_by_id).first()
    with transaction.atomic():
        # Waits for another import of the same kind to commit, then reads the data it left.
        lock_imports(params["lock"], wait=True)
        result = RESOURCES[params["kind"]](progress=progress).import_data(
            dataset,
            dry_run=False,
            file_name=params["file_name"],
            file_size=len(data),
            user=user,
            via=ImportRecord.Via.ADMIN,
            reason=params["reason"],
        )
    problems = result.file_problems + [str(problem) for problem in result.problems]
    if problems:
        more = len(problems) - SHOWN_PROBLEMS
        raise JobFailed(
            "Nothing was imported: "
            + "; ".join(problems[:SHOWN_PROBLEMS])
            + (f"; and {more:,} more. Upload the file again to see them all." if more > 0 else ".")
        )
    return Outcome(
        " ".join([f"Imported {params['noun']}: {result.counts}.", *result.notes]),
        url=reverse("admin:councils_importrecord_changelist"),
    )
