"""An import confirmed in the admin, run as a background job (`councils.jobs`).

The file is kept with the job in the database, so any worker on any server can run it, together
with the SHA-256 the preview saw; the worker checks the file against it before reading a row.
The import itself is the one the confirm step runs in a request: one transaction, all or
nothing, recorded in the import history. A worker killed mid-import leaves that transaction
uncommitted, so nothing of it is written, and the job can be retried.
"""

import hashlib

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from councils.imports.engine import lock_imports
from councils.imports.files import read_file
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


def run_import(job: Job, progress: JobProgress) -> Outcome:
    data = bytes(Job.objects.values_list("upload", flat=True).get(pk=job.pk) or b"")
    if hashlib.sha256(data).hexdigest() != job.upload_sha256:
        raise JobFailed("The stored file is not the one previewed: nothing was imported.")
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
