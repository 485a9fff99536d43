"""The letterhead logo (issue 14): an optional PNG on the year's template, checked on upload,
embedded in the letter as a data: URI (web page and PDF), and kept by letters already issued."""

import base64
import datetime
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from councils.models import CouncilType, Outcome
from letters import rendering
from letters.generation import generate_letters
from letters.logo import LOGO_MAX_BYTES
from letters.models import Letter, LetterTemplate
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/letters/lettertemplate/add/"
PREVIEW = "/admin/letters/lettertemplate/preview/"
ALT = 'alt="Local Government and Social Care Ombudsman"'


def png(colour=(0, 48, 120), size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def upload(content: bytes, name: str = "logo.png", kind: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=kind)


def data_uri(content: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(content).decode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def fake_pdf(monkeypatch):
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n" + html.encode())


@pytest.fixture
def form(db):
    year = ReportingYearFactory(label="2023-24", published_on=datetime.date(2024, 7, 24))
    ashfield = CouncilFactory(
        name="Ashfield", official_name="Ashfield District Council", slug="ashfield",
        type=CouncilType.DISTRICT, chief_executive="Ms Jane Cooper",
    )  # fmt: skip
    for outcome in [Outcome.UPHELD] * 3 + [Outcome.NOT_UPHELD]:
        DecisionFactory(council=ashfield, outcome=outcome)
    return {
        "year": year.pk, "letter_date": "2024-07-17", "publication_date": "2024-07-24",
        "signatory_name": "Pat Signer", "signatory_titles": "Ombudsman",
        "body": "## Complaint statistics\n\nDear {addressee}.", "preview_council": ashfield.pk,
    }  # fmt: skip


def test_staff_upload_a_logo_in_the_admin(admin_client, form, media):
    logo = png()
    response = admin_client.post(ADD, {**form, "logo": upload(logo)})

    assert response.status_code == 302
    template = LetterTemplate.objects.get()
    assert template.logo.name.startswith("letterhead/") and template.logo.name.endswith(".png")
    assert (media / template.logo.name).read_bytes() == logo
    # The change form shows it inline (the site does not serve MEDIA_URL), not as a link.
    page = admin_client.get(f"/admin/letters/lettertemplate/{template.pk}/change/")
    text = page.content.decode()
    assert data_uri(logo) in text and 'href="/media/' not in text


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("logo.png", b"not an image at all", "The logo must be a PNG image"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "not a readable PNG image"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>', "png"),
        ("logo.png", b"GIF89a" + b"\0" * 64, "The logo must be a PNG image"),
    ],
)
def test_a_file_that_is_not_a_png_is_refused(admin_client, form, name, content, message):
    response = admin_client.post(ADD, {**form, "logo": upload(content, name)})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LetterTemplate.objects.exists()


def test_an_oversize_logo_is_refused(admin_client, form):
    noise = Image.frombytes("RGB", (600, 600), os.urandom(600 * 600 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert len(out.getvalue()) > LOGO_MAX_BYTES

    response = admin_client.post(ADD, {**form, "logo": upload(out.getvalue())})

    assert response.status_code == 200
    assert "it may be at most 512 KB" in response.content.decode()
    assert not LetterTemplate.objects.exists()


def make_template(form, logo: bytes | None = None) -> LetterTemplate:
    data = {k: v for k, v in form.items() if k not in ("preview_council", "year")}
    LetterTemplate.objects.create(**data, year_id=form["year"], logo=upload(logo) if logo else "")
    return LetterTemplate.objects.select_related("year").get()  # dates as dates


def test_the_letter_shows_the_logo_with_the_organisation_as_its_text(client, form, fake_pdf):
    logo = png()
    generate_letters(make_template(form, logo))

    page = client.get("/letters/ashfield/2023-24/").content.decode()

    assert f'<img src="{data_uri(logo)}" {ALT}>' in page
    assert "/media/" not in page


def test_a_letter_without_a_logo_has_no_image(client, form, fake_pdf):
    generate_letters(make_template(form))

    assert "<img" not in client.get("/letters/ashfield/2023-24/").content.decode()


def test_letters_issued_keep_their_logo_when_the_template_gets_a_new_one(client, form, fake_pdf):
    first, second = png((0, 48, 120)), png((200, 0, 0))
    template = make_template(form, first)
    generate_letters(template)

    template.logo = upload(second)
    template.save()

    page = client.get("/letters/ashfield/2023-24/").content.decode()
    assert data_uri(first) in page and data_uri(second) not in page
    # Regenerating takes the template's logo as it is now.
    generate_letters(template, regenerate=True)
    page = client.get("/letters/ashfield/2023-24/").content.decode()
    assert data_uri(second) in page


def test_the_preview_shows_the_saved_logo(admin_client, form):
    logo = png()
    make_template(form, logo)

    page = admin_client.post(PREVIEW, form).content.decode()

    assert f'<img src="{data_uri(logo)}" {ALT}>' in page


def test_the_pdf_renders_with_the_logo_embedded(form):
    pytest.importorskip("pypdf")
    from pypdf import PdfReader

    generate_letters(make_template(form, png(size=(120, 60))))
    letter = Letter.objects.get()

    reader = PdfReader(io.BytesIO(bytes(letter.pdf)))
    images = reader.pages[0].images
    assert len(images) == 1
    assert Image.open(io.BytesIO(images[0].data)).size == (120, 60)
    assert "Dear Ms Cooper" in reader.pages[0].extract_text()
