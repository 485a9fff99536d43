"""A background job's progress page in real Chromium: updated in place with JavaScript, by
reloading itself without it, then the result. Skipped with a reason when Chromium is missing."""

import pytest
from django.contrib.auth.models import User

from councils.jobs.running import JobProgress
from councils.models import Job
from tests.browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def job(live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.create_superuser("importer", password="import-password-1")
    return Job.objects.create(
        title="Import decisions from big.csv",
        key="import:big",
        runner="councils.imports.jobs.run_import",
        status=Job.Status.RUNNING,
        started_by=user,
    )


def sign_in(page) -> None:
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("importer")
    page.get_by_label("Password").fill("import-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def finish(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.SUCCEEDED,
        done=1000,
        total=1000,
        outcome="Imported decisions: 1,000 new, 0 updated, 0 unchanged.",
        result_url="/admin/councils/importrecord/",
    )


def test_the_progress_updates_in_place_then_the_result_shows(page, job):
    progress = JobProgress(job)
    progress(100, 1000)
    sign_in(page)
    page.goto(job.get_absolute_url())
    assert page.get_by_role("status").inner_text() == "Status: running: 100 of 1,000 rows."
    assert serious_violations(page) == []
    page.evaluate("window.notReloaded = true")

    progress(600, 1000)
    page.get_by_role("status").filter(has_text="600 of 1,000 rows").wait_for()

    assert page.locator("#job-progress").evaluate("bar => bar.value") == 600
    assert page.evaluate("window.notReloaded") is True
    finish(job)
    page.get_by_text("Imported decisions: 1,000 new").wait_for()  # reloaded once, at the end
    assert page.get_by_role("link", name="See the result").get_attribute("href") == (
        "/admin/councils/importrecord/"
    )
    assert serious_violations(page) == []


def test_without_javascript_the_page_reloads_itself(browser, live_server, job):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        progress = JobProgress(job)
        progress(100, 1000)
        sign_in(page)
        page.goto(job.get_absolute_url())
        assert page.get_by_role("status").inner_text() == "Status: running: 100 of 1,000 rows."

        progress(600, 1000)

        page.get_by_text("600 of 1,000 rows").first.wait_for(timeout=10_000)
        finish(job)
        page.get_by_text("Imported decisions: 1,000 new").wait_for(timeout=10_000)
    finally:
        context.close()
