"""A year's letters generated, regenerated, reissued or sent as background jobs (`councils.jobs`).

Each letter is written whole (its snapshot and PDF in one save, its sending recorded with the
email), so a job that fails or whose worker is killed leaves every letter either done or as it
was. A retried job does not repeat what its earlier attempts did: generating skips letters that
exist, regenerating and reissuing skip letters generated since the job was started, sending
skips letters sent since then.
"""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from councils.jobs.models import Job
from councils.jobs.running import JobFailed, JobProgress, Outcome, start_job, work_key
from letters.generation import generate_letters, regenerate_letters
from letters.models import Letter, LetterTemplate
from letters.rendering import PdfUnavailable
from letters.sending import SendingError, send_letter

# Letters named one by one in a sending job's outcome when they could not be sent.
SHOWN_WARNINGS = 10


def _letters_page(year_id: int | None = None) -> str:
    url = reverse("admin:letters_letter_changelist")
    return f"{url}?{urlencode({'template__year__id__exact': year_id})}" if year_id else url


def _user(job: Job):
    return get_user_model().objects.filter(pk=job.started_by_id).first()


def start_generating(template: LetterTemplate, user) -> tuple[Job, bool]:
    return start_job(
        title=f"Generate the {template.year} letters",
        key=work_key("letters-generate", template=template.pk),
        runner="letters.jobs.run_generate",
        user=user,
        params={"template": template.pk},
        unit="letters",
    )


def start_regenerating(
    letters: QuerySet[Letter], user, *, reissue_reason: str | None = None
) -> tuple[Job, bool]:
    ids = sorted(letters.values_list("pk", flat=True))
    verb = "Reissue" if reissue_reason is not None else "Regenerate"
    return start_job(
        title=f"{verb} {len(ids)} letters",
        key=work_key("letters-regenerate", letters=ids),
        runner="letters.jobs.run_regenerate",
        user=user,
        params={"letters": ids, "reissue_reason": reissue_reason},
        unit="letters",
    )


def start_sending(letters: QuerySet[Letter], user, *, again: bool) -> tuple[Job, bool]:
    ids = sorted(letters.values_list("pk", flat=True))
    return start_job(
        title=f"Send {len(ids)} letters{' again' if again else ''}",
        key=work_key("letters-send", letters=ids, again=again),
        runner="letters.jobs.run_send",
        user=user,
        params={"letters": ids, "again": again},
        unit="letters",
    )


def run_generate(job: Job, progress: JobProgress) -> Outcome:
    template = LetterTemplate.objects.select_related("year").get(pk=job.params["template"])
    try:
        result = generate_letters(template, user=_user(job), progress=progress)
    except PdfUnavailable as error:
        raise JobFailed(str(error)) from error
    return Outcome(
        f"{template.year}: {result.created} letters generated, {result.skipped} already existed "
        "(to refresh those, use “Regenerate selected letters” on the letters).",
        url=_letters_page(template.year_id),
    )


def run_regenerate(job: Job, progress: JobProgress) -> Outcome:
    letters = Letter.objects.filter(pk__in=job.params["letters"]).exclude(
        generated_at__gte=job.created_at  # done by an earlier attempt of this job
    )
    reason = job.params["reissue_reason"]
    try:
        result = regenerate_letters(
            letters, user=_user(job), reissue_reason=reason, progress=progress
        )
    except PdfUnavailable as error:
        raise JobFailed(str(error)) from error
    if reason is not None:
        said = f"{result.regenerated} letters reissued; their earlier versions are kept."
    else:
        said = f"{result.regenerated} letters regenerated with today's figures."
    return Outcome(said, url=_letters_page())


def run_send(job: Job, progress: JobProgress) -> Outcome:
    letters = (
        Letter.objects.filter(pk__in=job.params["letters"])
        .exclude(sendings__sent_at__gte=job.created_at)  # sent by an earlier attempt of this job
        .select_related("council", "template__year")
        .order_by("council__name")
    )
    user = _user(job)
    sent, warnings = 0, []
    total = len(letters)
    for done, letter in enumerate(letters, start=1):
        try:
            send_letter(letter, user=user, again=job.params["again"])
        except SendingError as error:
            warnings.append(str(error))
        else:
            sent += 1
        progress(done, total)
    more = len(warnings) - SHOWN_WARNINGS
    return Outcome(
        " ".join(
            [
                f"{sent} letters sent.",
                *warnings[:SHOWN_WARNINGS],
                *([f"And {more} more letters not sent."] if more > 0 else []),
            ]
        ),
        url=_letters_page(),
    )
