"""The admin's preview of a letter template for a council staff pick (issue 14): the unsaved
template's letter, with today's figures, and nothing saved."""

import datetime

import pytest

from councils.models import CouncilType, Outcome
from letters.demo import DEMO_BODY
from letters.models import Letter, LetterTemplate
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory

pytestmark = pytest.mark.django_db

PREVIEW = "/admin/letters/lettertemplate/preview/"


@pytest.fixture
def form(db):
    year = ReportingYearFactory(label="2023-24")
    ashfield = CouncilFactory(
        name="Ashfield", official_name="Ashfield District Council", slug="ashfield",
        type=CouncilType.DISTRICT, chief_executive="Ms Jane Cooper",
    )  # fmt: skip
    for outcome in [Outcome.UPHELD] * 3 + [Outcome.NOT_UPHELD]:
        DecisionFactory(council=ashfield, outcome=outcome)
    return {
        "year": year.pk, "letter_date": "2024-07-17", "publication_date": "2024-07-24",
        "signatory_name": "Pat Signer", "signatory_titles": "Ombudsman", "body": DEMO_BODY,
        "preview_council": ashfield.pk,
    }  # fmt: skip


def test_change_form_offers_the_preview(admin_client, form):
    page = admin_client.get("/admin/letters/lettertemplate/add/").content.decode()
    assert 'name="preview_council"' in page and f'formaction="{PREVIEW}"' in page


def test_preview_shows_the_unsaved_letter(admin_client, form):
    response = admin_client.post(PREVIEW, {**form, "body": DEMO_BODY + "\n\nAn unsaved line."})
    page = response.content.decode()
    assert "Preview, not saved." in page and "Dear Ms Cooper" in page
    assert "<h2>Complaint statistics</h2>" in page and "An unsaved line." in page
    assert "75% of complaints we investigated were upheld." in page
    assert "no-store" in response["Cache-Control"]
    assert not LetterTemplate.objects.exists() and not Letter.objects.exists()


def test_preview_names_what_is_wrong(admin_client, form):
    page = admin_client.post(
        PREVIEW, {**form, "body": "Dear {chief}", "preview_council": ""}
    ).content.decode()
    assert "Unknown placeholder {chief}." in page and "Choose a council to preview for." in page


def test_only_staff(client, form):
    response = client.post(PREVIEW, form)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_saving_the_template_ignores_the_preview_choice(admin_client, form):
    response = admin_client.post("/admin/letters/lettertemplate/add/", form)
    assert response.status_code == 302
    assert LetterTemplate.objects.get().letter_date == datetime.date(2024, 7, 17)
