"""The admin import flow around the preview: confirmed once (also by two staff at once), refused
and abandoned uploads removed, template files, council names in the preview, the site's name."""

import os
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.utils.html import escape

from councils.imports import bulk
from councils.imports.files import read_file
from councils.imports.resources import RESOURCES
from councils.models import Council, CouncilType, Decision, ImportRecord
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory
from tests.test_import_admin import CONFIRM_URL, GOOD, IMPORT_URL, confirm, staff, upload

pytestmark = pytest.mark.django_db

PREVIEW_GONE = "This preview has already been imported or has expired: upload the file again."
BUSY = (
    "Someone else imported decisions at the same moment, so nothing was imported from this "
    "preview: upload the file again to see what it would change now."
)
DAY = 24 * 60 * 60
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections at once need PostgreSQL"
)


@pytest.fixture(autouse=True)
def previews(settings, tmp_path):
    """Previews in a folder of this test's own."""
    settings.IMPORT_PREVIEW_DIR = tmp_path / "previews"
    settings.IMPORT_PREVIEW_DIR.mkdir()
    return settings.IMPORT_PREVIEW_DIR


@pytest.fixture
def only_previews_in_the_temporary_folder(previews, monkeypatch):
    """The server's temporary folder is the previews' folder: any upload left behind shows."""
    monkeypatch.setattr(tempfile, "tempdir", str(previews))


@pytest.fixture
def importer(client, django_user_model):
    user = staff(django_user_model, "importer", "add_decision", "change_decision", "view_decision")
    client.force_login(user)
    return user


@pytest.fixture
def register():
    """Ashfield (in Nottinghamshire), the year 2023-24 and a decision: what the templates name."""
    county = CouncilFactory(
        code="E10000024", name="Nottinghamshire", official_name="Nottinghamshire County Council",
        type=CouncilType.COUNTY,
    )  # fmt: skip
    ashfield = CouncilFactory(
        code="E07000170", name="Ashfield", official_name="Ashfield District Council",
        type=CouncilType.DISTRICT, county=county,
    )  # fmt: skip
    # Not yet public: these tests are about the preview, not about revising a published year.
    ReportingYearFactory(label="2023-24", published_on=None)
    DecisionFactory(reference="23 001 234", council=ashfield)
    return ashfield


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def post_upload(client, model: str, name: str, content: bytes):
    file = SimpleUploadedFile(name, content)
    return client.post(
        f"/admin/councils/{model}/import/", {"resource": "0", "format": "", "import_file": file}
    )


# --- Item 3: a preview is confirmed once ------------------------------------------------------


@pytest.mark.usefixtures("register")
def test_confirming_a_preview_twice_gives_the_import_page_with_one_message(client, importer):
    preview = upload(client, GOOD)
    done = confirm(client, preview)
    assert client.get(done.url).status_code == 200  # shows (and so clears) its message

    again = confirm(client, preview)

    assert (again.status_code, again.url) == (302, IMPORT_URL)
    assert messages_of(again) == [PREVIEW_GONE]
    assert Decision.objects.filter(reference__startswith="24").count() == 2
    assert ImportRecord.objects.filter(applied=True).count() == 1


@pytest.mark.usefixtures("register")
@pytest.mark.parametrize("tamper", ["name", "path", "relative", "system", "blank-ish"])
def test_a_tampered_preview_name_reads_no_file_outside_the_previews(
    client, importer, tamper, request
):
    # A valid decisions file outside the preview storage, in the server's temporary folder.
    outside = Path(tempfile.gettempdir()) / f"not-a-preview-{uuid.uuid4().hex}.csv"
    outside.write_text(GOOD)
    request.addfinalizer(lambda: outside.unlink(missing_ok=True))
    preview = upload(client, GOOD)
    name = {
        "name": outside.name,
        "path": str(outside),
        "relative": f"../{outside.name}",
        "system": "/etc/hostname",
        "blank-ish": ".",
    }[tamper]

    done = client.post(
        CONFIRM_URL, {**preview.context["confirm_form"].initial, "import_file_name": name}
    )

    assert (done.status_code, done.url) == (302, IMPORT_URL)
    assert messages_of(done) == [PREVIEW_GONE]
    assert outside.read_text() == GOOD
    assert not Decision.objects.filter(reference__startswith="24").exists()


@pytest.fixture
def first_write_paused(monkeypatch):
    """The first confirm to write decisions stops there, before it commits, until released."""
    writing, release = threading.Event(), threading.Event()
    real_insert = bulk.insert_rows

    def paused(*args, **kwargs):
        real_insert(*args, **kwargs)
        if not writing.is_set():
            writing.set()
            release.wait(20)

    monkeypatch.setattr(bulk, "insert_rows", paused)
    return writing, release


class Confirm(threading.Thread):
    """A confirm posted by one member of staff in a thread of its own (its own connection)."""

    def __init__(self, client: Client, form: dict):
        super().__init__(daemon=True)
        self.client, self.form, self.response = client, form, None

    def run(self):
        try:
            self.response = self.client.post(CONFIRM_URL, self.form)
        finally:
            connections.close_all()


def staff_clients(django_user_model) -> tuple[Client, Client]:
    clients = []
    for name in ("alice", "bob"):
        client = Client()
        user = staff(django_user_model, name, "add_decision", "change_decision", "view_decision")
        client.force_login(user)
        clients.append(client)
    return clients[0], clients[1]


def race(first: Confirm, second: Confirm, first_write_paused) -> None:
    """`second` confirms while `first` has written its rows and not yet committed."""
    writing, release = first_write_paused
    first.start()
    assert writing.wait(20), "the first confirm never wrote"
    second.start()
    second.join(5)
    assert not second.is_alive(), "the second confirm waited for the first"
    release.set()
    first.join(20)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_staff_confirming_the_same_preview_at_once_import_it_once(
    django_user_model, first_write_paused
):
    ashfield = CouncilFactory(code="E07000170")
    alice, bob = staff_clients(django_user_model)
    form = upload(alice, GOOD).context["confirm_form"].initial
    first, second = Confirm(alice, form), Confirm(bob, form)

    race(first, second, first_write_paused)

    assert first.response.url == "/admin/councils/decision/"
    assert (second.response.status_code, second.response.url) == (302, IMPORT_URL)
    assert messages_of(second.response) == [PREVIEW_GONE]
    assert set(Decision.objects.values_list("council", flat=True)) == {ashfield.pk}
    assert Decision.objects.count() == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_staff_confirming_previews_of_one_file_at_once_get_one_sentence(
    django_user_model, first_write_paused
):
    CouncilFactory(code="E07000170")
    alice, bob = staff_clients(django_user_model)
    first = Confirm(alice, upload(alice, GOOD).context["confirm_form"].initial)
    second = Confirm(bob, upload(bob, GOOD).context["confirm_form"].initial)

    race(first, second, first_write_paused)

    assert first.response.url == "/admin/councils/decision/"
    assert (second.response.status_code, second.response.url) == (302, IMPORT_URL)
    assert messages_of(second.response) == [BUSY]
    assert Decision.objects.count() == 2


# --- Item 6: no upload stays in the temporary folder ----------------------------------------


@pytest.mark.usefixtures("register", "importer", "only_previews_in_the_temporary_folder")
@pytest.mark.parametrize(
    "name, content",
    [
        ("decisions.csv", GOOD.replace("Housing", "Hosing")),  # a bad row
        ("decisions.csv", "reference\n24 000 001\n"),  # missing columns
        ("decisions.csv", "a,é\n".encode("cp1252")),  # not UTF-8
        ("decisions.xlsx", b"not a workbook"),
    ],
)
def test_a_refused_upload_is_removed_at_once(client, previews, name, content):
    preview = upload(client, content, name=name)

    assert preview.context.get("confirm_form") is None
    assert list(previews.iterdir()) == []


@pytest.mark.usefixtures("register", "importer", "only_previews_in_the_temporary_folder")
def test_a_preview_keeps_its_file_until_it_is_confirmed(client, previews):
    preview = upload(client, GOOD)

    (kept,) = previews.iterdir()
    assert kept.read_text() == GOOD
    confirm(client, preview)
    assert list(previews.iterdir()) == []


@pytest.mark.usefixtures("register", "importer")
def test_an_upload_removes_previews_abandoned_for_a_day(client, previews):
    abandoned, recent = previews / ("a" * 32), previews / ("b" * 32)
    for path, age in [(abandoned, DAY + 60), (recent, DAY - 60)]:
        path.write_text(GOOD)
        os.utime(path, (time.time() - age, time.time() - age))

    upload(client, GOOD)

    assert not abandoned.exists()
    assert recent.exists()


# --- Staff admin as staff expect it -----------------------------------------------------------


def test_the_staff_admin_names_the_site(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", password=None))

    html = client.get("/admin/").content.decode()

    assert escape("Your council's performance: staff") in html
    assert "Django administration" not in html


@pytest.mark.usefixtures("register")
@pytest.mark.parametrize("model", ["council", "population", "decision", "recommendation"])
def test_every_import_page_offers_template_files_that_import_cleanly(
    client, django_user_model, model
):
    client.force_login(django_user_model.objects.create_superuser("boss", password=None))
    kind = f"{model}s"
    page = client.get(f"/admin/councils/{model}/import/").content.decode()

    for extension in ["csv", "xlsx"]:
        url = f"/admin/councils/{model}/import/template.{extension}"
        assert f'href="{url}"' in page
        response = client.get(url)
        assert response.status_code == 200
        name = f"{kind}-template.{extension}"
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        dataset = read_file(name, response.content)
        assert dataset.headers == RESOURCES[kind]().columns
        assert len(dataset) == 1

        preview = post_upload(client, model, name, response.content)

        assert preview.context.get("confirm_form") is not None, preview.content.decode()


@pytest.mark.usefixtures("register", "importer")
def test_a_template_in_an_unknown_format_is_not_found(client):
    assert client.get("/admin/councils/decision/import/template.pdf").status_code == 404


def test_staff_without_the_import_permission_get_no_template(client, django_user_model):
    client.force_login(staff(django_user_model, "reader", "view_decision", "change_decision"))

    assert client.get("/admin/councils/decision/import/template.csv").status_code == 403


def named(code: str, council: str) -> str:
    return f'{code} <span class="council-name">({escape(council)})</span>'


@pytest.mark.usefixtures("register")
def test_the_preview_shows_council_names_beside_codes(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", password=None))
    Council.objects.filter(code="E07000170").update(county=None)

    decisions = post_upload(client, "decision", "d.csv", GOOD.encode()).content.decode()
    populations = post_upload(
        client, "population", "p.csv", b"council_code,year,population\nE07000170,2023-24,128000\n"
    ).content.decode()
    councils = post_upload(
        client,
        "council",
        "c.csv",
        b"code,name,official_name,type,county_code\n"
        b"E07000170,Ashfield,Ashfield District Council,district,E10000024\n",
    ).content.decode()

    ashfield = named("E07000170", "Ashfield District Council")
    assert f"<td>{ashfield}</td>" in decisions
    assert f"<td>{ashfield}</td>" in populations
    assert named("E10000024", "Nottinghamshire County Council") in councils
