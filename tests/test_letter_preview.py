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


def test_the_change_form_has_the_live_preview_script_and_keeps_the_button(admin_client, form):
    page = admin_client.get("/admin/letters/lettertemplate/add/").content.decode()
    assert '<script src="/static/js/letter_preview.js" defer></script>' in page
    # Hidden until the script fills it: without JavaScript the button is the preview.
    assert 'id="letter-live-preview"' in page and "hidden>" in page
    assert "data-letter-preview" in page and 'formtarget="_blank"' in page


def test_the_live_preview_asks_for_the_same_letter(admin_client, form):
    response = admin_client.post(PREVIEW, {**form, "live": "1"})
    page = response.content.decode()
    assert "Dear Ms Cooper" in page and "It updates as you edit the template." in page
    assert "Close this tab" not in page and "no-store" in response["Cache-Control"]


# --- in a real browser --------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_preview_follows_what_staff_type(page, settings, django_user_model, form):
    from tests.test_csp import COLLECT_VIOLATIONS, violations

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    django_user_model.objects.create_superuser("boss", "boss@example.org", "admin-password-1")
    template = LetterTemplate.objects.create(
        year_id=form["year"], letter_date=datetime.date(2024, 7, 17),
        publication_date=datetime.date(2024, 7, 24), signatory_name="Pat Signer",
        signatory_titles="Ombudsman", body="## Complaint statistics\n\nFirst words.",
    )  # fmt: skip
    page.add_init_script(COLLECT_VIOLATIONS)
    page.goto(f"/admin/login/?next=/admin/letters/lettertemplate/{template.pk}/change/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill("admin-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/change/")

    preview = page.frame_locator("iframe[title='Live preview of the letter']")
    # No council chosen yet: the preview says so.
    preview.get_by_text("Choose a council to preview for.").wait_for()
    page.get_by_label("Preview for").select_option(label="Ashfield District Council")
    preview.get_by_text("Dear Ms Cooper").wait_for()
    preview.get_by_text("First words.").wait_for()

    body = page.locator("textarea[name=body]")
    body.click()
    body.press("End")
    body.press_sequentially("\n\nA sentence typed just now.", delay=20)
    preview.get_by_text("A sentence typed just now.").wait_for(timeout=5000)
    assert page.get_by_role("status").inner_text() == "Preview up to date."
    # A placeholder mistake shows in the preview as it is typed.
    body.press_sequentially(" {chief}", delay=20)
    preview.get_by_text("Unknown placeholder {chief}.").wait_for(timeout=5000)

    assert violations(page) == []
    assert not Letter.objects.exists()
    assert LetterTemplate.objects.get().body == "## Complaint statistics\n\nFirst words."
