"""Revisions after publication (issue 11 item 5, SPEC "Revisions after publication").

2023-24 has been public since 24 July 2024 and 2024-25 is embargoed (the `years` fixture).
Ashdale's 2023-24 figures: 3 of 4 investigations upheld (75%); Bexdale's 1 of 1.
"""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from councils import dataversion
from councils.models import Decision, Outcome, Revision
from councils.revisions import NO_IMPACT
from letters import rendering
from letters.generation import generate_letters
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    LetterTemplateFactory,
    PopulationFactory,
    RevisionFactory,
)
from tests.test_import_admin import CONFIRM_URL, IMPORT_URL, staff, upload

pytestmark = pytest.mark.django_db

D = datetime.date
HEADER = "reference,council_code,category,received,decided,outcome,summary\n"
# Ashdale's 4th and 3rd investigations become "not investigated" outcomes: 3 of 4 -> 2 of 2.
REVISING = HEADER + (
    "23 000 003,E07000170,Housing,2023-07-03,2023-09-01,Closed after initial enquiries,\n"
    "23 000 004,E07000170,Housing,2023-07-03,2023-09-01,Advice given,\n"
)
BANNER = (
    "2023-24 has been public since 24 July 2024: the published figures of 1 council change, "
    "and 1 issued letter holds the old figures."
)
REASON = "Two decisions were recorded with the wrong outcome."


@pytest.fixture
def councils(years):
    ashdale = CouncilFactory(
        code="E07000170", name="Ashdale", official_name="Ashdale District Council", slug="ashdale"
    )
    bexdale = CouncilFactory(
        code="E07000171", name="Bexdale", official_name="Bexdale District Council", slug="bexdale"
    )
    outcomes = [Outcome.UPHELD] * 3 + [Outcome.NOT_UPHELD]
    for number, outcome in enumerate(outcomes, start=1):
        DecisionFactory(
            reference=f"23 000 00{number}", council=ashdale, outcome=outcome, decided=D(2023, 9, 1)
        )
    DecisionFactory(reference="23 000 005", council=bexdale, outcome=Outcome.UPHELD)
    DecisionFactory(reference="24 000 001", council=ashdale, decided=D(2024, 6, 3))  # embargoed
    return ashdale, bexdale


@pytest.fixture
def letters_issued(years, councils, monkeypatch):
    """2023-24's letters, one per council with figures (Ashdale and Bexdale)."""
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n")
    generate_letters(LetterTemplateFactory(year=years[0]))


@pytest.fixture
def importer(client, django_user_model):
    user = staff(django_user_model, "importer", "add_decision", "change_decision", "view_decision")
    client.force_login(user)
    return user


def confirm(client, preview, **fields):
    return client.post(CONFIRM_URL, {**preview.context["confirm_form"].initial, **fields})


def text(response) -> str:
    return " ".join(response.content.decode().split())


def outcome(reference: str) -> str:
    return Decision.objects.get(reference=reference).outcome


# --- Imports -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("letters_issued")
def test_the_preview_says_since_when_the_year_is_public_and_what_changes(client, importer):
    preview = upload(client, REVISING)

    assert BANNER in text(preview)
    assert outcome("23 000 004") == Outcome.NOT_UPHELD  # a preview writes nothing
    form = preview.context["confirm_form"]
    assert form.initial["revises"] == "2023-24"
    assert form.fields["reason"].required
    assert 'name="reason"' in preview.content.decode()


@pytest.mark.usefixtures("councils")
def test_confirming_a_revision_without_a_reason_imports_nothing(client, importer):
    preview = upload(client, REVISING)

    refused = confirm(client, preview)
    assert refused.status_code == 200
    assert refused.context["confirm_form"].errors["reason"] == ["This field is required."]

    # Without the preview's flag (a tampered form), the import itself refuses.
    tampered = confirm(client, preview, revises="")
    assert tampered.url == IMPORT_URL
    (message,) = [str(m) for m in get_messages(tampered.wsgi_request)]
    assert message.startswith("Nothing was imported: 2023-24 has been public since 24 July 2024")
    assert outcome("23 000 004") == Outcome.NOT_UPHELD
    assert not Revision.objects.exists()


def test_confirming_with_a_reason_records_a_revision_of_the_changed_councils(
    client, importer, councils
):
    ashdale, _ = councils
    version = dataversion.current()

    done = confirm(client, upload(client, REVISING), reason=f"  {REASON}\n")

    assert done.status_code == 302 and done.url == "/admin/councils/decision/"
    revision = Revision.objects.get()
    assert (revision.year.label, revision.reason, revision.revised_on) == (
        "2023-24",
        REASON,
        timezone.localdate(),
    )
    assert list(revision.councils.all()) == [ashdale]
    assert revision.made_by == importer
    assert revision.change == "decisions import from decisions.csv"
    assert outcome("23 000 004") == Outcome.ADVICE_GIVEN
    assert dataversion.current() > version


@pytest.mark.usefixtures("councils", "importer")
@pytest.mark.parametrize(
    "content",
    [
        # the embargoed year's decision: 1 of 1 upheld becomes 0 of 1
        HEADER + "24 000 001,E07000170,Housing,2024-04-04,2024-06-03,Not upheld,\n",
        # a summary: no published figure changes
        HEADER + "23 000 001,E07000170,Housing,2023-07-03,2023-09-01,Upheld,Fixed a leak\n",
        # a new complaint received, not yet decided
        HEADER + "23 000 009,E07000170,Housing,2023-07-03,,,\n",
    ],
    ids=["embargoed year", "unchanged figures", "undecided complaint"],
)
def test_a_file_that_changes_no_public_figure_needs_no_reason(client, content):
    preview = upload(client, content)

    assert "has been public since" not in text(preview)
    assert preview.context["confirm_form"].fields["reason"].required is False
    done = confirm(client, preview)
    assert done.status_code == 302 and done.url == "/admin/councils/decision/"
    assert not Revision.objects.exists()


@pytest.mark.usefixtures("councils", "importer")
def test_reimporting_the_same_file_records_nothing_more(client):
    confirm(client, upload(client, REVISING), reason=REASON)

    again = upload(client, REVISING)

    assert "has been public since" not in text(again)
    assert confirm(client, again).status_code == 302
    assert Revision.objects.count() == 1


def test_a_population_import_revises_per_100k(client, django_user_model, councils, years):
    ashdale, bexdale = councils
    PopulationFactory(council=ashdale, year=years[0], population=100_000)
    client.force_login(
        staff(django_user_model, "people", "add_population", "change_population", "view_population")
    )
    file = "council_code,year,population\nE07000170,2023-24,120000\nE07000171,2023-24,50000\n"

    preview = client.post(
        "/admin/councils/population/import/",
        {
            "resource": "0",
            "format": "",
            "import_file": SimpleUploadedFile("populations.csv", file.encode()),
        },
    )
    assert (
        "2023-24 has been public since 24 July 2024: the published figures of 2 councils change, "
        "and 0 issued letters hold the old figures." in text(preview)
    )
    client.post(
        "/admin/councils/population/process_import/",
        {**preview.context["confirm_form"].initial, "reason": "ONS revised its estimates."},
    )
    assert set(Revision.objects.get().councils.all()) == {ashdale, bexdale}


@pytest.mark.usefixtures("letters_issued")
def test_import_data_refuses_a_revision_without_a_reason(tmp_path, capsys):
    path = tmp_path / "decisions.csv"
    path.write_text(REVISING)

    with pytest.raises(CommandError, match=f"^{path}: {BANNER} Give the reason .* \\(--reason\\)$"):
        call_command("import_data", "decisions", str(path))
    assert outcome("23 000 004") == Outcome.NOT_UPHELD

    call_command("import_data", "decisions", str(path), "--dry-run")
    assert BANNER in capsys.readouterr().out
    assert not Revision.objects.exists()

    call_command("import_data", "decisions", str(path), "--reason", REASON)
    revision = Revision.objects.get()
    assert (revision.reason, [c.code for c in revision.councils.all()]) == (REASON, ["E07000170"])
    assert revision.change == "decisions import from decisions.csv"


# --- Admin edits -------------------------------------------------------------------------------


def _change_form_data(page) -> dict:
    """What the change form would post as it stands, inlines included."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (None, False)}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{k}": v for k, v in management.initial.items()})
    return data


def test_an_admin_edit_of_a_public_years_figures_needs_a_reason(client, councils):
    ashdale, _ = councils
    admin = User.objects.create_superuser("boss", password=None)
    client.force_login(admin)
    decision = Decision.objects.get(reference="23 000 003")
    url = f"/admin/councils/decision/{decision.pk}/change/"
    data = {**_change_form_data(client.get(url)), "outcome": Outcome.NOT_UPHELD}

    refused = client.post(url, data)

    assert refused.status_code == 200
    (error,) = refused.context["adminform"].form.errors["revision_reason"]
    assert error.startswith("2023-24 has been public since 24 July 2024: the published figures")
    assert outcome("23 000 003") == Outcome.UPHELD

    saved = client.post(url, {**data, "revision_reason": REASON})

    assert saved.status_code == 302
    assert outcome("23 000 003") == Outcome.NOT_UPHELD
    revision = Revision.objects.get()
    assert (revision.reason, list(revision.councils.all()), revision.made_by) == (
        REASON,
        [ashdale],
        admin,
    )
    assert revision.change == "admin edit of decision 23 000 003"


def test_an_admin_edit_outside_public_figures_needs_no_reason(client, councils):
    client.force_login(User.objects.create_superuser("boss", password=None))
    decision = Decision.objects.get(reference="23 000 001")
    url = f"/admin/councils/decision/{decision.pk}/change/"
    data = {**_change_form_data(client.get(url)), "summary": "Repairs were late."}

    assert client.post(url, data).status_code == 302
    assert not Revision.objects.exists()


# --- Admin deletes -----------------------------------------------------------------------------


@pytest.fixture
def boss(client):
    user = User.objects.create_superuser("boss", password=None)
    client.force_login(user)
    return user


def delete_url(reference: str) -> str:
    return f"/admin/councils/decision/{Decision.objects.get(reference=reference).pk}/delete/"


def delete_selected(client, *references, **fields):
    """The changelist's "Delete selected" action: its confirmation page, or with post="yes"
    the confirmed deletion."""
    selected = Decision.objects.filter(reference__in=references).values_list("pk", flat=True)
    return client.post(
        "/admin/councils/decision/",
        {"action": "delete_selected", "_selected_action": list(selected), **fields},
    )


def remaining(*references) -> int:
    return Decision.objects.filter(reference__in=references).count()


def revisions_csv(client) -> str:
    return client.get("/data/2023-24/revisions.csv").content.decode()


@pytest.mark.usefixtures("letters_issued")
def test_an_admin_delete_of_a_public_years_figures_without_a_reason_deletes_nothing(client, boss):
    url = delete_url("23 000 003")
    version = dataversion.current()

    page = client.get(url)
    assert BANNER in text(page)
    assert 'name="revision_reason"' in page.content.decode()

    refused = client.post(url, {"post": "yes"})

    assert refused.status_code == 200
    assert f"{BANNER} Give the reason for this revision." in text(refused)
    assert 'name="revision_reason"' in refused.content.decode()
    assert remaining("23 000 003") == 1
    assert not Revision.objects.exists()
    assert not LogEntry.objects.exists()  # the deletion's log entry went with it
    assert dataversion.current() == version


def test_an_admin_delete_with_a_reason_records_a_public_revision(client, boss, councils):
    ashdale, _ = councils
    version = dataversion.current()

    done = client.post(delete_url("23 000 003"), {"post": "yes", "revision_reason": REASON})

    assert done.status_code == 302 and done.url == "/admin/councils/decision/"
    assert remaining("23 000 003") == 0
    revision = Revision.objects.get()
    assert (revision.year.label, revision.reason, revision.made_by) == ("2023-24", REASON, boss)
    assert list(revision.councils.all()) == [ashdale]
    assert revision.change == "admin delete of decision 23 000 003"
    assert dataversion.current() > version
    today = timezone.localdate()
    assert f"{today},E07000170,Ashdale District Council,{REASON}" in revisions_csv(client)


def test_a_bulk_admin_delete_of_a_public_years_figures_needs_a_reason(client, boss, councils):
    ashdale, bexdale = councils
    both = "23 000 003", "23 000 005"
    summary = (
        "2023-24 has been public since 24 July 2024: the published figures of 2 councils change, "
        "and 0 issued letters hold the old figures."
    )

    page = delete_selected(client, *both)
    assert summary in text(page)
    assert 'name="revision_reason"' in page.content.decode()

    refused = delete_selected(client, *both, post="yes")

    assert refused.status_code == 200
    assert f"{summary} Give the reason for this revision." in text(refused)
    assert remaining(*both) == 2
    assert not Revision.objects.exists()

    done = delete_selected(client, *both, post="yes", revision_reason=REASON)

    assert done.status_code == 302
    assert remaining(*both) == 0
    revision = Revision.objects.get()
    assert (revision.reason, set(revision.councils.all())) == (REASON, {ashdale, bexdale})
    assert revision.change == "admin delete of 2 decisions: 23 000 003, 23 000 005"
    published = revisions_csv(client)
    assert f"E07000170,Ashdale District Council,{REASON}" in published
    assert f"E07000171,Bexdale District Council,{REASON}" in published


@pytest.mark.usefixtures("councils", "boss")
@pytest.mark.parametrize("bulk", [False, True], ids=["delete view", "delete selected"])
def test_an_admin_delete_in_an_embargoed_year_needs_no_reason(client, bulk):
    embargoed = "24 000 001"
    if bulk:
        page, done = (delete_selected(client, embargoed, **post) for post in ({}, {"post": "yes"}))
    else:
        url = delete_url(embargoed)
        page, done = client.get(url), client.post(url, {"post": "yes"})

    assert page.context["revision_impact"] == NO_IMPACT  # measured: no published figure changes
    assert "revision_reason" not in page.content.decode()
    assert done.status_code == 302
    assert remaining(embargoed) == 0
    assert not Revision.objects.exists()


# --- Public display ----------------------------------------------------------------------------


@pytest.fixture
def revisions(years, councils):
    """An older revision of both councils, and a newer one of Ashdale alone."""
    ashdale, bexdale = councils
    RevisionFactory(year=years[0], councils=[ashdale, bexdale], revised_on=D(2024, 9, 2))
    RevisionFactory(
        year=years[0], councils=[ashdale], revised_on=D(2024, 10, 1), reason="=1+1 was wrong."
    )
    dataversion.bump()  # revisions come with the data change that bumps the version


@pytest.mark.usefixtures("revisions")
def test_the_year_page_lists_the_years_revisions(client):
    page = text(client.get("/years/2023-24/"))

    assert (
        '2 September 2024</time>: A decision was recorded twice. <span class="muted">Councils '
        'affected: <a href="/councils/ashdale/2023-24/">Ashdale District Council</a>, '
        '<a href="/councils/bexdale/2023-24/">Bexdale District Council</a>.</span>' in page
    )
    assert page.index("1 October 2024") < page.index("2 September 2024")  # newest first
    assert 'href="/data/2023-24/revisions.csv"' in page


@pytest.mark.usefixtures("revisions")
def test_each_affected_council_page_shows_its_revisions(client):
    ashdale = text(client.get("/councils/ashdale/2023-24/"))
    bexdale = text(client.get("/councils/bexdale/2023-24/"))

    assert "Revisions to these figures" in ashdale
    assert "1 October 2024</time>: =1+1 was wrong." in ashdale
    assert "2 September 2024</time>: A decision was recorded twice." in ashdale
    assert "2 September 2024</time>: A decision was recorded twice." in bexdale
    assert "1+1 was wrong" not in bexdale


@pytest.mark.usefixtures("revisions")
def test_revisions_csv_has_a_row_per_council_per_revision(client):
    response = client.get("/data/2023-24/revisions.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="revisions-2023-24.csv"'
    assert response["ETag"]
    assert response.content.decode() == (
        "revised_on,council_code,council_name,reason\r\n"
        "2024-10-01,E07000170,Ashdale District Council,'=1+1 was wrong.\r\n"
        "2024-09-02,E07000170,Ashdale District Council,A decision was recorded twice.\r\n"
        "2024-09-02,E07000171,Bexdale District Council,A decision was recorded twice.\r\n"
    )


@pytest.mark.usefixtures("councils")
def test_a_year_without_revisions_has_an_empty_file_and_no_section(client):
    assert client.get("/data/2023-24/revisions.csv").content == (
        b"revised_on,council_code,council_name,reason\r\n"
    )
    assert "Revisions" not in text(client.get("/years/2023-24/"))


def test_an_embargoed_years_revisions_are_never_public(client, years, councils):
    public, embargoed = years
    ashdale, _ = councils
    RevisionFactory(year=embargoed, councils=[ashdale], reason="A correction under embargo.")
    RevisionFactory(year=public, councils=[ashdale], reason="A correction, now embargoed.")
    public.published_on = D(2099, 7, 24)  # publication put back: the year is hidden again
    public.save()
    dataversion.bump()

    for year in ("2023-24", "2024-25"):
        assert client.get(f"/data/{year}/revisions.csv").status_code == 404
        assert client.get(f"/years/{year}/").status_code == 404
    assert "A correction" not in text(client.get("/councils/ashdale/"))
    assert not Revision.objects.public().exists()


def test_query_ceilings_hold_with_revisions(client, revisions, django_assert_max_num_queries):
    # The ceilings of tests/test_public_pages.py and tests/test_council_page.py.
    with django_assert_max_num_queries(11):
        assert "was wrong." in text(client.get("/years/2023-24/"))
    with django_assert_max_num_queries(16):
        assert "was wrong." in text(client.get("/councils/ashdale/2023-24/"))


# --- Letters -----------------------------------------------------------------------------------


def test_a_letter_says_when_its_councils_figures_were_revised_after_it(
    client, years, councils, letters_issued
):
    ashdale, _ = councils
    RevisionFactory(year=years[0], councils=[ashdale])
    issued = timezone.localdate()

    page = text(client.get("/letters/ashdale/2023-24/"))

    assert (
        f"The figures in this letter were taken on {issued.day} {issued:%B %Y}. They were "
        "revised on 2 September 2024: A decision was recorded twice." in page
    )
    assert "were revised" not in text(client.get("/letters/bexdale/2023-24/"))


def test_a_revision_before_the_letter_was_issued_is_not_mentioned(
    client, years, councils, monkeypatch
):
    ashdale, _ = councils
    RevisionFactory(year=years[0], councils=[ashdale])
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n")
    generate_letters(LetterTemplateFactory(year=years[0]))

    assert "were revised" not in text(client.get("/letters/ashdale/2023-24/"))
