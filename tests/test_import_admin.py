"""Import and export through the real admin views: upload, preview, confirm, permissions."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from councils.models import Council, Decision, ImportRecord
from tests.factories import CouncilFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/councils/decision/import/"
CONFIRM_URL = "/admin/councils/decision/process_import/"
HEADER = "reference,council_code,category,received,decided,outcome,summary\n"
GOOD = HEADER + (
    "24 000 001,E07000170,Housing,2023-05-14,2023-09-01,Upheld,Repairs\n"
    "24 000 002,E07000170,Planning and development,14/05/2023,,,\n"
)


def staff(django_user_model, username: str, *codenames: str):
    # No password: hashing one takes half a second, and force_login needs none.
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def importer(client, django_user_model):
    user = staff(django_user_model, "importer", "add_decision", "change_decision", "view_decision")
    client.force_login(user)
    return user


@pytest.fixture
def ashfield():
    return CouncilFactory(code="E07000170")


def upload(client, content: bytes | str, name: str = "decisions.csv"):
    content = content.encode() if isinstance(content, str) else content
    file = SimpleUploadedFile(name, content)
    return client.post(IMPORT_URL, {"resource": "0", "format": "", "import_file": file})


def confirm(client, preview, reason: str = "Corrected outcomes."):
    """Confirm a preview; the reason is asked for only when the file revises a public year."""
    return client.post(CONFIRM_URL, {**preview.context["confirm_form"].initial, "reason": reason})


@pytest.mark.usefixtures("ashfield")
def test_staff_upload_preview_and_confirm_an_import(client, importer):
    page = client.get(IMPORT_URL)
    assert page.status_code == 200
    assert b"If any row has a problem, nothing is" in page.content

    preview = upload(client, GOOD)

    assert preview.status_code == 200
    assert "This file would make 2 new, 0 updated, 0 unchanged." in preview.content.decode()
    assert b"24 000 002" in preview.content
    assert Decision.objects.count() == 0

    done = confirm(client, preview)

    assert done.status_code == 302
    assert done.url == "/admin/councils/decision/"
    assert [str(m) for m in get_messages(done.wsgi_request)] == [
        "Imported decisions: 2 new, 0 updated, 0 unchanged."
    ]
    assert Decision.objects.count() == 2
    previewed, applied = ImportRecord.objects.order_by("pk")
    assert (previewed.dry_run, previewed.applied, applied.dry_run, applied.applied) == (
        True,
        False,
        False,
        True,
    )
    assert (applied.via, applied.imported_by, applied.file_name, applied.file_size) == (
        "admin",
        importer,
        "decisions.csv",
        len(GOOD),
    )


@pytest.mark.usefixtures("ashfield", "importer")
def test_the_preview_of_a_corrected_file_marks_what_changes(client):
    confirm(client, upload(client, GOOD))

    preview = upload(client, GOOD.replace("Upheld,Repairs", "Not upheld,Repairs"))

    html = preview.content.decode()
    assert "0 new, 1 updated, 1 unchanged" in html
    assert "<del>Upheld</del> <ins>Not upheld</ins>" in html


@pytest.mark.usefixtures("ashfield", "importer")
def test_an_xlsx_upload_imports(client):
    book = openpyxl.Workbook()
    for line in GOOD.splitlines():
        book.active.append(line.split(","))
    content = io.BytesIO()
    book.save(content)

    confirm(client, upload(client, content.getvalue(), name="decisions.xlsx"))

    assert Decision.objects.count() == 2


@pytest.mark.usefixtures("ashfield", "importer")
def test_a_file_with_bad_rows_lists_every_problem_and_offers_no_confirm(client):
    bad = GOOD.replace("Housing", "Hosing").replace("14/05/2023", "31/02/2023")

    preview = upload(client, bad)

    html = " ".join(preview.content.decode().split())
    assert preview.context.get("confirm_form") is None
    assert "2 rows of the file have problems, so nothing will be imported." in html
    assert "<td>2</td><td>category</td><td>Hosing</td><td>Not a known service category." in html
    assert "<td>3</td><td>received</td><td>31/02/2023</td><td>Not a real date" in html
    assert Decision.objects.count() == 0


@pytest.mark.usefixtures("ashfield", "importer")
def test_a_file_without_a_required_column_gets_one_message(client):
    preview = upload(client, "reference,council_code\n24 000 001,E07000170\n")

    html = preview.content.decode()
    assert "The file has no category, received, decided, outcome columns." in html
    assert "Traceback" not in html


@pytest.mark.usefixtures("importer")
@override_settings(IMPORT_MAX_BYTES=100)
def test_an_upload_over_the_size_cap_is_refused_before_it_is_read(client):
    preview = upload(client, GOOD)

    assert preview.context["form"].errors["import_file"] == [
        f"The file is {len(GOOD)} bytes: the most we accept is 100 bytes. "
        "Split it into smaller files."
    ]
    assert not ImportRecord.objects.exists()


@pytest.mark.usefixtures("importer")
@pytest.mark.parametrize(
    "name, content, message",
    [
        ("decisions.pdf", b"%PDF", "is not a CSV or XLSX file"),
        ("decisions.csv", HEADER.encode(), "The file has a header row but no rows of data"),
        ("decisions.csv", "a,é\n".encode("cp1252"), "The file is not a UTF-8 CSV file."),
        ("decisions.xlsx", b"not a workbook", "could not be opened as an Excel workbook"),
    ],
)
def test_a_file_that_cannot_be_read_gets_one_plain_message(client, name, content, message):
    preview = upload(client, content, name=name)

    (error,) = preview.context["form"].errors["import_file"]
    assert message in error


def test_rows_gone_bad_between_preview_and_confirm_import_nothing(client, importer, ashfield):
    preview = upload(client, GOOD)
    Council.objects.filter(pk=ashfield.pk).update(code="E07000999")

    done = confirm(client, preview)

    assert done.url == IMPORT_URL
    (message,) = [str(m) for m in get_messages(done.wsgi_request)]
    assert message.startswith("Nothing was imported: row 2, council_code “E07000170”: No council")
    assert Decision.objects.count() == 0


@pytest.mark.usefixtures("ashfield")
def test_staff_without_the_import_permission_are_refused(client, django_user_model):
    client.force_login(staff(django_user_model, "reader", "view_decision", "change_decision"))

    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.post(CONFIRM_URL, {}).status_code == 403
    assert b"/import/" not in client.get("/admin/councils/decision/").content
    assert Decision.objects.count() == 0


def test_export_from_the_admin_uses_the_import_columns_and_neutralises_formulas(
    client, importer, ashfield
):
    Decision.objects.create(
        reference="24 000 009",
        council=ashfield,
        category="Housing",
        received="2023-05-14",
        summary='=HYPERLINK("http://example.com")',
    )
    fields = {f"decisionresource_{name}": "on" for name in ["reference", "council", "summary"]}

    response = client.post("/admin/councils/decision/export/", {"format": "0", **fields})

    assert response.status_code == 200
    assert response.content.decode().splitlines() == [
        "reference,council_code,summary",
        '24 000 009,E07000170,"\'=HYPERLINK(""http://example.com"")"',
    ]


def test_the_import_history_is_read_only(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", password=None))
    ImportRecord.objects.create(kind="decisions", file_name="d.csv", file_size=2048, new=3)

    listing = client.get("/admin/councils/importrecord/")

    assert listing.status_code == 200
    assert b"d.csv" in listing.content and b"2.0\xc2\xa0KB" in listing.content
    assert client.get("/admin/councils/importrecord/add/").status_code == 403
    record = ImportRecord.objects.get()
    change = client.post(f"/admin/councils/importrecord/{record.pk}/change/", {"new": 9})
    assert change.status_code == 403
    record.refresh_from_db()
    assert record.new == 3
