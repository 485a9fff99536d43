"""The officer's path in real Chromium (issue 14): sign in, open the embargoed letter, download
its PDF, see the council's embargoed figures, and reset a password through the mail outbox.

Skipped with a reason when Chromium is missing, like tests/test_browser.py.
"""

import datetime
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from councils.models import CouncilType, Outcome
from letters.generation import generate_letters
from letters.models import Officer
from tests.browser import serious_violations
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    LetterTemplateFactory,
    ReportingYearFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLICATION = timezone.localdate() + datetime.timedelta(days=3)
EMBARGO = f"Embargoed until {PUBLICATION:%-d %B %Y}: not for publication"


@pytest.fixture
def officer(live_server, settings):
    """Ashdale's officer; 2024-25 is public in three days and its letter has been sent."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ReportingYearFactory(label="2023-24", published_on=PUBLICATION - datetime.timedelta(days=300))
    year = ReportingYearFactory(label="2024-25", published_on=PUBLICATION)
    ashdale = CouncilFactory(
        name="Ashdale", official_name="Ashdale District Council", slug="ashdale",
        type=CouncilType.DISTRICT, chief_executive="Ms Jane Smith",
    )  # fmt: skip
    for outcome in [Outcome.UPHELD] * 3 + [Outcome.NOT_UPHELD]:
        DecisionFactory(council=ashdale, outcome=outcome, decided=datetime.date(2024, 9, 1))
    generate_letters(LetterTemplateFactory(year=year, body="## Complaint statistics\n\nFigures."))
    user = User.objects.create_user(
        "ashdale-officer", email="officer@ashdale.example.org", password="first-password-1"
    )
    Officer.objects.create(user=user, council=ashdale)
    return user


def sign_in(page, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("ashdale-officer")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_officer_path(page, officer):
    sign_in(page, "first-password-1")
    page.wait_for_url("**/letters/ashdale/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Annual review letters to Ashdale District Council"
    )

    page.get_by_role("link", name="2024-25 letter", exact=True).click()
    page.wait_for_url("**/letters/ashdale/2024-25/")
    assert page.get_by_text(EMBARGO).is_visible()
    assert page.get_by_role("heading", name="Annual review letter 2024-25").is_visible()
    assert page.get_by_text("Dear Ms Smith").is_visible()
    assert serious_violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this letter as a PDF").click()
    pdf = open(download.value.path(), "rb").read()  # noqa: SIM115 - Playwright's own file
    from pypdf import PdfReader

    first_page = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert EMBARGO in first_page and "Ms Jane Smith" in first_page

    page.get_by_role("link", name="Ashdale District Council").first.click()
    page.get_by_label("Year").select_option("2024-25")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/councils/ashdale/2024-25/")
    assert page.get_by_text(f"Embargoed until {PUBLICATION:%-d %B %Y}").first.is_visible()


def test_password_reset_through_the_outbox(page, officer):
    page.goto("/accounts/login/")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email address").fill("officer@ashdale.example.org")
    page.get_by_role("button", name="Send the link").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("second-password-2")
    page.get_by_label("New password again").fill("second-password-2")
    page.get_by_role("button", name="Change my password").click()
    assert page.get_by_role("heading", name="Password changed").is_visible()

    sign_in(page, "second-password-2")
    page.wait_for_url("**/letters/ashdale/")
