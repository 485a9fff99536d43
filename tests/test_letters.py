"""Annual review letters (issue 5): templates, generation, frozen figures, embargo and officer
access, the tagged PDF, sending and the demo.

Two district councils with known figures for 2023-24:
Ashdale: 4 upheld of 5 investigated (80%), 1 remedied by the council (25%), 2 compliance
outcomes, both complied (100%); 7 complaints received (6 Housing, 1 Planning), 6 decisions.
Brookfield: 9 upheld of 10; no chief executive's name and no email address.
Similar authorities (districts): 13 upheld of 15 = 87%.
"""

import datetime
import io
import re
import sys
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from councils import dataversion
from councils.models import Category, Compliance, CouncilType, Outcome
from councils.statistics import year_statistics
from letters import rendering
from letters.access import visible_letters
from letters.demo import clear_demo_letters, seed_demo_letters
from letters.generation import generate_letters
from letters.models import Letter, LetterSending, LetterTemplate, Officer
from letters.placeholders import PLACEHOLDERS, substitute, validate_placeholders
from letters.rendering import PdfUnavailable, html_to_pdf
from letters.sending import AlreadySent, NoAddress, send_letter
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    PopulationFactory,
    ReportingYearFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()
WEEK = datetime.timedelta(days=7)

BODY = (
    "This letter covers {council_name} for the period {period}.\n\n"
    "We upheld {uphold_rate} of {investigations} investigations, against {uphold_average} "
    "in similar authorities."
)
UPHOLD_SENTENCE = (
    "80% of complaints we investigated were upheld. "
    "This compares to an average of 87% in similar authorities."
)
UPHOLD_BASIS = (
    "Statistics are based on a total of 5 detailed investigations for the period between "
    "1 April 2023 to 31 March 2024."
)


def make_template(year, publication_date: datetime.date, **fields) -> LetterTemplate:
    return LetterTemplate.objects.create(
        year=year,
        letter_date=publication_date - WEEK,
        publication_date=publication_date,
        signatory_name="Pat Signer",
        signatory_titles="Local Government and Social Care Ombudsman\n"
        "Chair, Commission for Local Administration in England",
        body=fields.pop("body", BODY),
        **fields,
    )


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def year():
    return ReportingYearFactory(label="2023-24", published_on=TODAY - 4 * WEEK)


@pytest.fixture
def councils():
    ashdale = CouncilFactory(
        name="Ashdale",
        official_name="Ashdale District Council",
        type=CouncilType.DISTRICT,
        chief_executive="Jane Smith",
        chief_executive_title="Chief Executive",
        email="ceo@ashdale.example.org",
    )
    brookfield = CouncilFactory(
        name="Brookfield",
        official_name="Brookfield District Council",
        type=CouncilType.DISTRICT,
        chief_executive="",
        email="",
    )
    DecisionFactory(council=ashdale, outcome=Outcome.UPHELD, remedied_by_council=True)
    DecisionFactory(
        council=ashdale,
        outcome=Outcome.UPHELD,
        category=Category.PLANNING,
        compliance=Compliance.COMPLIED,
        compliance_date=D(2023, 10, 1),
    )
    DecisionFactory(
        council=ashdale,
        outcome=Outcome.UPHELD,
        compliance=Compliance.COMPLIED_LATE,
        compliance_date=D(2023, 11, 1),
    )
    DecisionFactory(council=ashdale, outcome=Outcome.UPHELD)
    DecisionFactory(council=ashdale, outcome=Outcome.NOT_UPHELD)
    DecisionFactory(council=ashdale, outcome=Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES)
    DecisionFactory(council=ashdale, decided=None, outcome="")  # received, not yet decided
    for outcome in [Outcome.UPHELD] * 9 + [Outcome.NOT_UPHELD]:
        DecisionFactory(council=brookfield, outcome=outcome)
    return ashdale, brookfield


@pytest.fixture
def fake_pdf(monkeypatch):
    """Skip WeasyPrint where a test is not about the PDF itself (it takes ~0.4 s a letter)."""
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n" + html.encode())


@pytest.fixture
def make_officer():
    def make(council, username: str) -> User:
        user = User.objects.create_user(username, password="officer-password-1")
        Officer.objects.create(user=user, council=council)
        return user

    return make


@pytest.fixture
def staff_user() -> User:
    return User.objects.create_user("staff", password="staff-password-1", is_staff=True)


def generated(year, councils, publication_date=TODAY + WEEK, **fields) -> LetterTemplate:
    template = make_template(year, publication_date, **fields)
    generate_letters(template)
    return template


def letter_for(council) -> Letter:
    return Letter.objects.select_related("template__year", "council").get(council=council)


class _Text(HTMLParser):
    """The visible text of the letter's <article>, for comparing the page with the PDF."""

    VOID = {"br", "hr", "img", "input", "meta", "link", "wbr"}

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if (tag == "article" or self.depth) and tag not in self.VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def words(text: str) -> str:
    return " ".join(text.split())


def article_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return words(" ".join(parser.parts))


# --- placeholders -------------------------------------------------------------------------


class TestPlaceholders:
    def test_known_placeholders_pass(self):
        validate_placeholders("\n".join(f"{{{name}}}" for name in PLACEHOLDERS))

    def test_unknown_placeholder_is_named(self):
        with pytest.raises(ValidationError) as error:
            validate_placeholders("Dear {addresee}, about {council_name} and {uphold}")
        assert error.value.messages == [
            "Unknown placeholder {addresee}.",
            "Unknown placeholder {uphold}.",
        ]

    @pytest.mark.parametrize("text", ["Dear {council_name", "a } b", "{{council_name}}"])
    def test_stray_braces_are_errors(self, text):
        with pytest.raises(ValidationError, match="Braces are only for placeholders"):
            validate_placeholders(text)

    def test_attribute_access_is_not_a_placeholder(self):
        with pytest.raises(ValidationError, match=r"Unknown placeholder \{year.__class__\}"):
            validate_placeholders("{year.__class__}")
        assert substitute("{year.__class__} {year}", {"year": "2023-24"}) == (
            "{year.__class__} 2023-24"
        )

    def test_admin_form_shows_the_error_instead_of_crashing(self, admin_client, year):
        response = admin_client.post(
            "/admin/letters/lettertemplate/add/",
            {
                "year": year.pk,
                "letter_date": "2024-07-17",
                "publication_date": "2024-07-24",
                "signatory_name": "Pat Signer",
                "signatory_titles": "Ombudsman",
                "body": "Dear {chief_exec}",
            },
        )
        assert response.status_code == 200
        assert "Unknown placeholder {chief_exec}." in response.content.decode()
        assert not LetterTemplate.objects.exists()

    def test_admin_lists_the_placeholders(self, admin_client):
        page = admin_client.get("/admin/letters/lettertemplate/add/").content.decode()
        assert "{council_name}" in page and "{uphold_average}" in page


# --- generation and frozen figures -----------------------------------------------------------


class TestGeneration:
    def test_snapshot_holds_figures_bases_averages_and_counts(self, year, councils, fake_pdf):
        generated(year, councils)
        snap = letter_for(councils[0]).snapshot
        uphold = snap["figures"]["uphold_rate"]
        assert (uphold["numerator"], uphold["base"], uphold["percent"]) == (4, 5, 80)
        assert uphold["similar"] == {"numerator": 13, "base": 15, "percent": 87}
        assert snap["figures"]["compliance_rate"]["percent"] == 100
        assert snap["figures"]["satisfactory_remedy_rate"]["percent"] == 25
        assert snap["figures"]["upheld_per_100k"]["value"] is None  # no population
        assert dict(snap["received_by_category"])[Category.HOUSING] == 6
        assert dict(snap["received_by_category"])[Category.PLANNING] == 1
        assert dict(snap["decided_by_outcome"]) == {
            Outcome.UPHELD: 4,
            Outcome.NOT_UPHELD: 1,
            Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES: 1,
            Outcome.ADVICE_GIVEN: 0,
            Outcome.REFERRED_BACK: 0,
            Outcome.INCOMPLETE_INVALID: 0,
        }

    def test_letter_says_everything(self, client, staff_user, year, councils, fake_pdf):
        generated(year, councils)
        client.force_login(staff_user)
        page = client.get("/letters/ashdale/2023-24/").content.decode()
        text = article_text(page)
        assert "Jane Smith Chief Executive Ashdale District Council" in text
        assert TODAY.strftime("%-d %B %Y") in text  # the letter date: a week before publication
        assert "Dear Jane Smith" in text
        assert (
            "This letter covers Ashdale District Council for the period "
            "1 April 2023 to 31 March 2024." in text
        )
        assert "We upheld 80% of 5 investigations, against 87% in similar authorities." in text
        assert UPHOLD_SENTENCE in text and UPHOLD_BASIS in text
        assert "In 100% of cases we were satisfied the council had successfully implemented" in (
            text
        )
        assert "Housing 6" in text and "Total 7" in text and "Upheld 4" in text
        assert "Yours sincerely, Pat Signer Local Government and Social Care Ombudsman" in text
        assert '<th scope="row">Housing</th>' in page and "<caption>" in page

    def test_no_addressee_name_gives_dear_chief_executive(
        self, client, staff_user, year, councils, fake_pdf
    ):
        generated(year, councils)
        client.force_login(staff_user)
        text = article_text(client.get("/letters/brookfield/2023-24/").content.decode())
        assert "Dear Chief Executive" in text

    def test_body_is_escaped(self, client, staff_user, year, councils, fake_pdf):
        generated(year, councils, body="<script>alert(1)</script> for {council_name}")
        client.force_login(staff_user)
        page = client.get("/letters/ashdale/2023-24/").content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; for Ashdale District Council" in page

    def test_frozen_figures_survive_a_later_import(
        self, client, staff_user, year, councils, fake_pdf
    ):
        template = generated(year, councils)
        pdf_before = bytes(letter_for(councils[0]).pdf)
        # A later import: more decisions, a renamed council, an edited template.
        for _ in range(5):
            DecisionFactory(council=councils[0], outcome=Outcome.NOT_UPHELD)
        councils[0].official_name = "Ashdale Borough Council"
        councils[0].save()
        template.body = "Completely new text."
        template.save()
        assert year_statistics(year).for_council(councils[0].pk).figures.uphold.percent == 40

        client.force_login(staff_user)
        text = article_text(client.get("/letters/ashdale/2023-24/").content.decode())
        assert UPHOLD_SENTENCE in text and UPHOLD_BASIS in text
        assert "Ashdale District Council" in text and "Ashdale Borough Council" not in text
        assert "Completely new text." not in text
        assert bytes(letter_for(councils[0]).pdf) == pdf_before

        # Generating again without --regenerate keeps issued letters as they were.
        result = generate_letters(template)
        assert (result.created, result.skipped) == (0, 2)
        assert bytes(letter_for(councils[0]).pdf) == pdf_before

    def test_regenerate_is_explicit_and_records_who(
        self, admin_client, admin_user, year, councils, fake_pdf
    ):
        generated(year, councils)
        letter = letter_for(councils[0])
        before = letter.generated_at
        for _ in range(5):
            DecisionFactory(council=councils[0], outcome=Outcome.NOT_UPHELD)
        response = admin_client.post(
            "/admin/letters/letter/",
            {"action": "regenerate_selected", "_selected_action": [letter.pk]},
            follow=True,
        )
        assert "1 letters regenerated" in response.content.decode()
        letter.refresh_from_db()
        assert letter.generated_by == admin_user and letter.generated_at > before
        assert letter.snapshot["figures"]["uphold_rate"]["percent"] == 40
        assert "40% of complaints we investigated were upheld" in bytes(letter.pdf).decode()
        assert letter.addressee_name == "Jane Smith"  # staff edits are kept
        other = letter_for(councils[1])
        assert other.generated_by is None  # only the selected letter changed

    def test_editing_the_addressee_rerenders_the_pdf(self, admin_client, year, councils, fake_pdf):
        generated(year, councils)
        letter = letter_for(councils[0])
        response = admin_client.post(
            f"/admin/letters/letter/{letter.pk}/change/",
            {
                "addressee_name": "Sam Jones",
                "addressee_title": "Interim Chief Executive",
                "council_paragraphs": "Thank you for your help this year.",
                "sendings-TOTAL_FORMS": "0",
                "sendings-INITIAL_FORMS": "0",
                "versions-TOTAL_FORMS": "0",
                "versions-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302
        pdf = bytes(letter_for(councils[0]).pdf).decode()
        assert "Dear Sam Jones" in pdf and "Thank you for your help this year." in pdf
        assert letter_for(councils[0]).snapshot == letter.snapshot  # figures untouched

    def test_statistics_are_computed_once_per_year(self, year, councils, fake_pdf):
        """The SELECTs do not grow with the number of councils (only the inserts do)."""

        def selects(template) -> int:
            with CaptureQueriesContext(connection) as queries:
                generate_letters(template)
            return sum(q["sql"].lstrip().upper().startswith("SELECT") for q in queries)

        dataversion.bump()  # the version row exists, as on any site that has imported data
        small = selects(make_template(year, TODAY))
        year_b = ReportingYearFactory(label="2022-23")
        for n in range(6):
            DecisionFactory(council=CouncilFactory(), decided=D(2022, 9, 1), reference=f"B{n}")
        assert selects(make_template(year_b, TODAY)) == small


class TestCommand:
    def test_generates_every_council_with_figures(self, year, councils):
        """Real PDFs: current and ceased councils with figures; none for a council without."""
        ceased = CouncilFactory(name="Oldtown", ceased_on=D(2024, 1, 1))
        DecisionFactory(council=ceased, outcome=Outcome.UPHELD)
        CouncilFactory(name="Quietville")  # no figures this year
        make_template(year, TODAY)
        out = io.StringIO()
        call_command("generate_letters", "2023-24", stdout=out)
        assert sorted(Letter.objects.values_list("council__name", flat=True)) == [
            "Ashdale",
            "Brookfield",
            "Oldtown",
        ]
        assert "3 of 3 letters (100%)" in out.getvalue()
        assert "3 generated, 0 regenerated, 0 kept" in out.getvalue()
        assert all(
            bytes(pdf).startswith(b"%PDF-") for pdf in Letter.objects.values_list("pdf", flat=True)
        )

    def test_rerun_keeps_and_regenerate_refreshes(self, year, councils, fake_pdf):
        make_template(year, TODAY)
        call_command("generate_letters", "2023-24", stdout=io.StringIO())
        out = io.StringIO()
        call_command("generate_letters", "2023-24", stdout=out)
        assert "0 generated, 0 regenerated, 2 kept" in out.getvalue()
        call_command("generate_letters", "2023-24", "--regenerate", stdout=out)
        assert "0 generated, 2 regenerated, 0 kept" in out.getvalue()

    def test_clear_errors(self, year):
        with pytest.raises(CommandError, match="No letter template for 2023-24"):
            call_command("generate_letters", "2023-24")
        with pytest.raises(CommandError, match="No reporting year 2031-32"):
            call_command("generate_letters", "2031-32")


# --- embargo and officer access ------------------------------------------------------------

WHO = ["anonymous", "own officer", "other officer", "staff"]
EXPECTED = {
    # (who, before publication): status for both the page and the PDF
    ("anonymous", True): 404,
    ("own officer", True): 200,
    ("other officer", True): 404,
    ("staff", True): 200,
    ("anonymous", False): 200,
    ("own officer", False): 200,
    ("other officer", False): 200,
    ("staff", False): 200,
}


class TestAccess:
    @pytest.fixture
    def users(self, councils, make_officer, staff_user):
        return {
            "anonymous": None,
            "own officer": make_officer(councils[0], "ashdale-officer"),
            "other officer": make_officer(councils[1], "brookfield-officer"),
            "staff": staff_user,
        }

    @pytest.mark.parametrize("url", ["/letters/ashdale/2023-24/", "/letters/ashdale/2023-24.pdf"])
    @pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
    @pytest.mark.parametrize("who", WHO)
    def test_matrix(self, client, users, year, councils, fake_pdf, who, before, url):
        # Publication is a week away, or today (public from the day itself).
        generated(year, councils, publication_date=TODAY + WEEK if before else TODAY)
        if users[who]:
            client.force_login(users[who])
        response = client.get(url)
        assert response.status_code == EXPECTED[who, before]
        if response.status_code == 200:
            assert response["Content-Type"].startswith(
                "application/pdf" if url.endswith(".pdf") else "text/html"
            )
            cache_control = response.get("Cache-Control", "")
            if before:
                assert "private" in cache_control and "no-store" in cache_control
            else:
                assert "no-store" not in cache_control

    def test_embargoed_404_is_the_same_as_no_letter(self, client, year, councils, fake_pdf):
        generated(year, councils)
        hidden = client.get("/letters/ashdale/2023-24/")
        missing = client.get("/letters/nowhere/2023-24/")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content
        assert "ashdale" not in hidden.content.decode().lower()

    def test_letter_waits_for_the_year_itself(self, client, councils, fake_pdf):
        """A template dated today does not publish a year that is not yet published."""
        year = ReportingYearFactory(label="2023-24", published_on=TODAY + WEEK)
        generated(year, councils, publication_date=TODAY)
        assert client.get("/letters/ashdale/2023-24/").status_code == 404
        year.published_on = TODAY
        year.save()
        assert client.get("/letters/ashdale/2023-24/").status_code == 200

    def test_lists(self, client, users, year, councils, fake_pdf):
        generated(year, councils)
        anonymous = client.get("/letters/").content.decode()
        assert "Ashdale" not in anonymous and "There are no letters" in anonymous

        client.force_login(users["own officer"])
        response = client.get("/letters/")
        page = response.content.decode()
        assert "/letters/ashdale/2023-24/" in page and "Brookfield" not in page
        assert "Embargoed" in page and "no-store" in response["Cache-Control"]

        client.force_login(users["staff"])
        page = client.get("/letters/").content.decode()
        assert "/letters/ashdale/2023-24/" in page and "/letters/brookfield/2023-24/" in page

    def test_visible_letters_rule(self, users, year, councils, fake_pdf):
        generated(year, councils)
        assert not visible_letters(None).exists()
        own = visible_letters(users["own officer"])
        assert [(letter.council.name, letter.is_public) for letter in own] == [("Ashdale", False)]
        assert visible_letters(users["staff"]).count() == 2
        # A deactivated staff account sees what the public sees.
        users["staff"].is_active = False
        assert not visible_letters(users["staff"]).exists()

    def test_officer_signs_in_and_sees_their_letter(
        self, client, settings, users, year, councils, fake_pdf
    ):
        settings.LOGIN_REDIRECT_URL = "/letters/"
        generated(year, councils)
        assert client.get("/accounts/login/").status_code == 200
        response = client.post(
            "/accounts/login/",
            {"username": "ashdale-officer", "password": "officer-password-1"},
            follow=True,
        )
        # Officers land on their own council's letters.
        assert response.redirect_chain[-1][0] == "/letters/ashdale/"
        assert "/letters/ashdale/2023-24/" in response.content.decode()

    def test_staff_create_officers_on_the_user_page(self, admin_client, councils):
        user = User.objects.create_user("new-officer")
        page = admin_client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
        assert "officer-TOTAL_FORMS" in page and "Council officer" in page


# --- PDF -----------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


class TestPdf:
    def test_pdf_text_matches_the_page(self, client, staff_user, year, councils):
        generated(year, councils)
        client.force_login(staff_user)
        response = client.get("/letters/ashdale/2023-24.pdf")
        pdf = b"".join(response.streaming_content) if response.streaming else response.content
        text = words(pdf_text(pdf))
        letter_date = TODAY.strftime("%-d %B %Y")
        for expected in [
            "Jane Smith",
            "Ashdale District Council",
            letter_date,
            UPHOLD_SENTENCE,
            UPHOLD_BASIS,
            "Dear Jane Smith",
        ]:
            assert expected in text
        # The whole letter says the same in both forms (the PDF adds only page numbers, and
        # says the embargo in every page's margins rather than once at the top).
        page_text = article_text(client.get("/letters/ashdale/2023-24/").content.decode())
        embargo = re.compile(r"Page \d+ of \d+|Embargoed until \d+ \w+ \d{4}: not for publication")
        assert embargo.sub("", text).split() == embargo.sub("", page_text).split()

    def test_pdf_is_tagged_with_language_and_title(self, year, councils):
        from pypdf import PdfReader

        generated(year, councils)
        reader = PdfReader(io.BytesIO(bytes(letter_for(councils[0]).pdf)))
        catalog = reader.trailer["/Root"]
        assert catalog["/Lang"] == "en-GB"
        assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]
        assert reader.metadata.title == "Annual review letter 2023-24: Ashdale District Council"

    def test_missing_system_library_says_what_to_install(self, monkeypatch):
        real_import = __import__

        def broken_import(name, *args, **kwargs):
            if name == "weasyprint":
                raise OSError("cannot load library 'libpango-1.0-0': no such file")
            return real_import(name, *args, **kwargs)

        monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
        monkeypatch.setattr("builtins.__import__", broken_import)
        with pytest.raises(PdfUnavailable) as error:
            html_to_pdf("<p>Hello</p>")
        assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in str(error.value)

    def test_site_runs_and_command_explains_without_the_library(
        self, client, monkeypatch, year, councils, fake_pdf
    ):
        generated(year, councils, publication_date=TODAY)

        def unavailable(html):
            raise PdfUnavailable("Cannot make PDF letters: ... apt-get install libpango-1.0-0")

        monkeypatch.setattr(rendering, "html_to_pdf", unavailable)
        assert client.get("/letters/ashdale/2023-24/").status_code == 200
        assert client.get("/letters/ashdale/2023-24.pdf").status_code == 200  # stored PDF
        with pytest.raises(CommandError, match=re.escape("apt-get install libpango-1.0-0")):
            call_command("generate_letters", "2023-24", "--regenerate", stdout=io.StringIO())


# --- sending -------------------------------------------------------------------------------


class TestSending:
    def test_sends_the_pdf_and_records_it(self, year, councils, staff_user, fake_pdf):
        generated(year, councils)
        letter = letter_for(councils[0])
        sending = send_letter(letter, user=staff_user)
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["ceo@ashdale.example.org"]
        assert message.subject == "Annual review letter 2023-24: Ashdale District Council"
        name, content, mimetype = message.attachments[0]
        assert (name, mimetype) == ("ashdale-2023-24-annual-review-letter.pdf", "application/pdf")
        assert content == bytes(letter.pdf)
        assert (sending.sent_by, sending.to_address) == (staff_user, "ceo@ashdale.example.org")

    def test_second_sending_needs_send_again(self, year, councils, staff_user, fake_pdf):
        generated(year, councils)
        letter = letter_for(councils[0])
        send_letter(letter, user=staff_user)
        with pytest.raises(AlreadySent, match="Send again"):
            send_letter(letter, user=staff_user)
        assert len(mail.outbox) == 1
        send_letter(letter, user=staff_user, again=True)
        assert len(mail.outbox) == 2 and letter.sendings.count() == 2

    def test_no_email_address(self, year, councils, staff_user, fake_pdf):
        generated(year, councils)
        with pytest.raises(NoAddress, match="Brookfield District Council has no email address"):
            send_letter(letter_for(councils[1]), user=staff_user)
        assert not mail.outbox and not LetterSending.objects.exists()

    def test_admin_actions(self, admin_client, year, councils, fake_pdf):
        generated(year, councils)
        ids = [letter_for(c).pk for c in councils]

        def act(action: str) -> str:
            response = admin_client.post(
                "/admin/letters/letter/",
                {"action": action, "_selected_action": ids},
                follow=True,
            )
            assert response.status_code == 200
            return response.content.decode()

        page = act("send_selected")
        assert "1 letters sent." in page
        assert "Brookfield District Council has no email address" in page
        assert len(mail.outbox) == 1

        page = act("send_selected")
        assert "already sent" in page and len(mail.outbox) == 1

        act("send_again")
        assert len(mail.outbox) == 2
        assert LetterSending.objects.count() == 2


# --- demo ----------------------------------------------------------------------------------


class TestDemo:
    def test_seed_and_clear(self, councils, fake_pdf):
        demo_year = ReportingYearFactory(label="2023-24", published_on=None)
        real_year = ReportingYearFactory(label="2022-23")
        DecisionFactory(council=councils[0], decided=D(2022, 9, 1))
        real = make_template(real_year, TODAY)

        assert seed_demo_letters([demo_year, real_year]) == 2  # not into the real template
        template = LetterTemplate.objects.get(year=demo_year)
        assert template.demo and template.publication_date - template.letter_date == WEEK
        validate_placeholders(template.body)
        assert "demonstration letter" in bytes(letter_for(councils[1]).pdf).decode()
        assert not real.letters.exists()

        assert seed_demo_letters([demo_year]) == 0  # idempotent
        assert clear_demo_letters() == 2
        assert list(LetterTemplate.objects.all()) == [real]


def test_population_gives_per_100k_in_the_snapshot(year, councils, fake_pdf):
    PopulationFactory(council=councils[0], year=year, population=200_000)
    generated(year, councils)
    per_100k = letter_for(councils[0]).snapshot["figures"]["upheld_per_100k"]
    assert per_100k == {
        "label": "Upheld decisions per 100,000 residents",
        "count": 4,
        "population": 200_000,
        "value": "2.0",
        "similar": {"count": 4, "population": 200_000, "value": "2.0"},
        "sentences": per_100k["sentences"],
    }


def test_council_page_tag_uses_the_access_rule(rf, year, councils, fake_pdf, make_officer):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    template = generated(year, councils)
    tag = Template("{% load letter_tags %}{% council_letters council %}")
    request = rf.get("/councils/ashdale/")

    def render(user) -> str:
        request.user = user
        return tag.render(Context({"council": councils[0], "request": request}))

    assert render(AnonymousUser()).strip() == ""
    own = render(make_officer(councils[0], "ashdale-officer"))
    assert "/letters/ashdale/2023-24/" in own and "not yet public" in own
    template.publication_date = TODAY
    template.save()
    public = render(AnonymousUser())
    assert "/letters/ashdale/2023-24.pdf" in public and "not yet public" not in public


class TestAdmin:
    def test_generate_action_on_the_template(
        self, admin_client, admin_user, year, councils, fake_pdf
    ):
        template = make_template(year, TODAY)
        response = admin_client.post(
            "/admin/letters/lettertemplate/",
            {"action": "generate_missing_letters", "_selected_action": [template.pk]},
            follow=True,
        )
        assert "2023-24: 2 letters generated, 0 already existed" in response.content.decode()
        assert set(Letter.objects.values_list("generated_by", flat=True)) == {admin_user.pk}

    def test_pages_render(self, admin_client, year, councils, fake_pdf):
        generated(year, councils)
        letter = letter_for(councils[0])
        for url in [
            "/admin/letters/lettertemplate/",
            f"/admin/letters/lettertemplate/{letter.template.pk}/change/",
            "/admin/letters/letter/",
            f"/admin/letters/letter/{letter.pk}/change/",
            "/admin/letters/officer/add/",
            "/admin/letters/letter/export/",
        ]:
            assert admin_client.get(url).status_code == 200, url
        change = admin_client.get(f"/admin/letters/letter/{letter.pk}/change/").content.decode()
        assert "80% of complaints we investigated were upheld." in change
        assert admin_client.get("/admin/letters/letter/add/").status_code == 403


class TestQueryCeilings:
    """Letters pages: the same number of queries with ten times the councils and letters."""

    def _more_councils(self, year, count):
        for _ in range(count):
            council = CouncilFactory(type=CouncilType.DISTRICT)
            DecisionFactory(council=council, outcome=Outcome.UPHELD)

    @pytest.mark.parametrize(
        "url, ceiling",
        [
            # session, user, officer record; visible years, the year's letters; demo banner
            ("/letters/", 7),
            # session, user; the letter (with council and year); demo banner
            ("/letters/ashdale/2023-24/", 5),
            # session, user; the letter with its PDF
            ("/letters/ashdale/2023-24.pdf", 3),
        ],
    )
    def test_ceiling_holds_at_ten_times_the_data(
        self, client, staff_user, year, councils, fake_pdf, django_assert_max_num_queries, url,
        ceiling,
    ):  # fmt: skip
        client.force_login(staff_user)
        template = generated(year, councils, publication_date=TODAY - WEEK)
        self._more_councils(year, 2)
        generate_letters(template)
        with django_assert_max_num_queries(ceiling):
            assert client.get(url).status_code == 200
        self._more_councils(year, 20)
        generate_letters(template)
        with django_assert_max_num_queries(ceiling):
            assert client.get(url).status_code == 200
