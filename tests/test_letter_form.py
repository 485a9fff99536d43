"""The letter's form (issue 14): letterhead, addressee, headed Markdown body, appendix table,
embargo marking on every page, and the demo template rendered for Ashfield.

Ashfield District Council, 2023-24: 3 upheld of 4 investigated (75%), one remedied by the
council (33%); Bolsover (a district too): 1 upheld of 4. Similar authorities: 4 of 8 = 50%.
"""

import datetime
import io
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from councils.models import CouncilType, Outcome
from letters import rendering
from letters.demo import DEMO_ADDRESSEE_TITLE, DEMO_BODY, demo_addressee, seed_demo_letters
from letters.generation import generate_letters
from letters.markup import body_html
from letters.models import Letter, LetterTemplate
from letters.placeholders import validate_placeholders
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
WEEK = datetime.timedelta(days=7)
DEMO_HEADINGS = ["Complaint statistics", "Your council's figures online", "Sharing what you learn"]


@pytest.fixture
def ashfield():
    council = CouncilFactory(
        code="E07000170", name="Ashfield", official_name="Ashfield District Council",
        slug="ashfield", type=CouncilType.DISTRICT,
    )  # fmt: skip
    bolsover = CouncilFactory(name="Bolsover", slug="bolsover", type=CouncilType.DISTRICT)
    for outcome in [Outcome.UPHELD] * 3 + [Outcome.NOT_UPHELD]:
        DecisionFactory(council=council, outcome=outcome, remedied_by_council=outcome == "Upheld")
    for outcome in [Outcome.UPHELD] + [Outcome.NOT_UPHELD] * 3:
        DecisionFactory(council=bolsover, outcome=outcome)
    return council


@pytest.fixture
def fake_pdf(monkeypatch):
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n" + html.encode())


def demo_letter(published_on: datetime.date | None) -> Letter:
    """The demo template's letter to Ashfield; the year (and letters) public on `published_on`."""
    year = ReportingYearFactory(label="2023-24", published_on=published_on)
    seed_demo_letters([year])
    return Letter.objects.select_related("council", "template__year").get(council__slug="ashfield")


class _Outline(HTMLParser):
    """The tags and text of the letter's <article>, flattened, for checking its structure."""

    def __init__(self):
        super().__init__()
        self.inside = 0
        self.stack: list[str] = []
        self.items: list[tuple[str, str]] = []  # (innermost tag, text)

    def handle_starttag(self, tag, attrs):
        if tag == "article" or self.inside:
            self.inside += tag not in {"br"}
            if tag != "br":
                self.stack.append(tag)
            if tag == "a":
                self.items.append(("href", dict(attrs)["href"]))

    def handle_endtag(self, tag):
        if self.inside and tag != "br":
            self.inside -= 1
            self.stack.pop()

    def handle_data(self, data):
        if self.inside and data.strip():
            self.items.append((self.stack[-1], " ".join(data.split())))


def outline(html: str) -> list[tuple[str, str]]:
    parser = _Outline()
    parser.feed(html)
    return parser.items


def texts(items, tag: str) -> list[str]:
    return [text for item_tag, text in items if item_tag == tag]


class TestDemoLetterForAshfield:
    def test_structure(self, client, admin_user, ashfield, fake_pdf):
        letter = demo_letter(published_on=TODAY - WEEK)  # public: no embargo line
        name, title = demo_addressee("E07000170")
        items = outline(client.get("/letters/ashfield/2023-24/").content.decode())
        paragraphs = texts(items, "p")
        # Letterhead, date, "By email", the addressee's block, then the greeting and title.
        assert paragraphs[:3] == ["Local Government and", "Social Care Ombudsman", "By email"]
        assert texts(items, "time")[0] == f"{letter.template.letter_date:%-d %B %Y}"
        addressee = paragraphs.index(name)
        assert paragraphs[addressee : addressee + 3] == [name, title, "Ashfield District Council"]
        assert paragraphs[addressee + 3] == f"Dear {name.split()[0]} {name.split()[-1]}"
        assert texts(items, "h1") == ["Annual review letter 2023-24"]
        appendix = "Appendix: Ashfield District Council, 2023-24"
        assert texts(items, "h2") == [*DEMO_HEADINGS, appendix]
        # The three statistics are defined in bold, and the letter links to the council's
        # page and the methodology.
        assert texts(items, "strong")[:3] == [
            "Complaints upheld",
            "Compliance with recommendations",
            "Satisfactory remedy provided by the council",
        ]
        links = texts(items, "href")
        assert "http://localhost:8000/councils/ashfield/" in links
        assert "http://localhost:8000/methodology/" in links
        assert "Yours sincerely," in paragraphs
        # The appendix table: each statistic, its figure, base and the similar-authority average.
        cells = texts(items, "td")
        assert cells[:3] == ["75%", "3 of 4 detailed investigations", "50%"]
        assert "Complaints upheld" in texts(items, "th")
        assert "Embargoed" not in " ".join(paragraphs)

    def test_demo_addressees_are_invented_and_marked(self, ashfield, fake_pdf):
        letter = demo_letter(published_on=TODAY - WEEK)
        assert (letter.addressee_name, letter.addressee_title) == demo_addressee(ashfield.code)
        assert letter.addressee_title == DEMO_ADDRESSEE_TITLE and "demonstration" in (
            letter.addressee_title
        )
        assert letter.addressee_name.split()[0] in {"Ms", "Mr", "Dr", "Mrs", "Mx"}

    def test_register_chief_executive_wins_over_the_demo_name(self, ashfield, fake_pdf):
        ashfield.chief_executive, ashfield.chief_executive_title = "Ms Pat Grey", "Interim CEO"
        ashfield.save()
        letter = demo_letter(published_on=TODAY - WEEK)
        assert (letter.addressee_name, letter.addressee_title) == ("Ms Pat Grey", "Interim CEO")
        assert rendering.letter_content(letter).salutation == "Dear Ms Grey"

    def test_demo_body_is_valid(self):
        validate_placeholders(DEMO_BODY)


def pages_text(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


class TestPdf:
    def test_embargoed_pdf_says_everything_and_marks_every_page(self, client, admin_user, ashfield):
        letter = demo_letter(published_on=TODAY + WEEK)
        client.force_login(admin_user)
        pages = pages_text(client.get("/letters/ashfield/2023-24.pdf").content)
        text = " ".join(pages)
        embargo = f"Embargoed until {(TODAY + WEEK):%-d %B %Y}: not for publication"
        assert len(pages) >= 2 and all(embargo in page for page in pages)
        for expected in [
            letter.addressee_name,
            DEMO_ADDRESSEE_TITLE,
            "By email",
            "Annual review letter 2023-24",
            *DEMO_HEADINGS,
            "Appendix: Ashfield District Council, 2023-24",
        ]:
            assert expected in text
        # The appendix table is on one page, whole.
        table_pages = [page for page in pages if "Key statistics: Ashfield" in page]
        assert len(table_pages) == 1
        assert all(
            label in table_pages[0]
            for label in ["Complaints upheld", "Compliance with recommendations", "remedy"]
        )

    def test_published_pdf_loses_the_marking(self, client, ashfield):
        letter = demo_letter(published_on=TODAY + WEEK)
        assert letter.pdf_embargoed_until == TODAY + WEEK
        year = letter.template.year
        year.published_on = letter.template.publication_date = TODAY
        year.save()
        letter.template.save()
        pages = pages_text(client.get("/letters/ashfield/2023-24.pdf").content)
        assert not any("Embargoed" in page for page in pages)
        letter.refresh_from_db()
        assert letter.pdf_embargoed_until is None  # re-rendered once, then kept

    def test_tables_do_not_split_across_pages(self):
        from django.template.loader import render_to_string

        css = render_to_string("letters/letter_pdf.html", {"letter": None})
        assert ".table-wrap { break-inside: avoid; }" in css


class TestEmbargoOnThePage:
    def test_html_before_and_after(self, client, admin_user, ashfield, fake_pdf):
        letter = demo_letter(published_on=TODAY + WEEK)
        client.force_login(admin_user)
        line = f"Embargoed until {(TODAY + WEEK):%-d %B %Y}: not for publication"
        assert line in texts(outline(client.get("/letters/ashfield/2023-24/").content.decode()),
                             "strong")  # fmt: skip
        letter.template.year.published_on = letter.template.publication_date = TODAY
        letter.template.year.save()
        letter.template.save()
        assert "Embargoed" not in client.get("/letters/ashfield/2023-24/").content.decode()


class TestMarkdown:
    VALUES = {"council_name": "A*b_c [x](javascript:y)", "council_url": "https://x.org/a_b/"}

    def test_subset(self):
        html = body_html(
            "## Heading\n\n**bold** and [page]({council_url})\n\n- one\n- two\n\n"
            "![img](https://x.org/i.png) <script>alert(1)</script> [bad](javascript:alert(1))",
            self.VALUES,
        )
        assert "<h2>Heading</h2>" in html and "<strong>bold</strong>" in html
        assert '<a href="https://x.org/a_b/"' in html and "<li>one</li>" in html
        assert "<img" not in html and "<script" not in html and 'href="javascript' not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_placeholder_values_are_text_not_markup(self):
        html = body_html("To {council_name}.", self.VALUES)
        assert html == "<p>To A*b_c [x](javascript:y).</p>\n"

    def test_figures_table_placeholder(self):
        html = body_html("Before\n\n{figures_table}\n\nAfter", {}, "<table>T</table>")
        assert html == "<p>Before</p>\n<table>T</table>\n<p>After</p>\n"
        with pytest.raises(ValidationError, match="must be on a line of its own"):
            validate_placeholders("See {figures_table} here")
        with pytest.raises(ValidationError, match="Unknown placeholder"):
            validate_placeholders("## {figures}")

    def test_figures_table_in_a_generated_letter(self, client, admin_user, ashfield, fake_pdf):
        year = ReportingYearFactory(label="2023-24", published_on=TODAY - WEEK)
        template = LetterTemplate.objects.create(
            year=year, letter_date=TODAY - 2 * WEEK, publication_date=TODAY - WEEK,
            signatory_name="Pat Signer", signatory_titles="Ombudsman",
            body="## Figures\n\n{figures_table}",
        )  # fmt: skip
        generate_letters(template)
        page = client.get("/letters/ashfield/2023-24/").content.decode()
        assert page.count("Key statistics: Ashfield District Council and similar") == 2


class TestSalutation:
    @pytest.mark.parametrize(
        ("name", "salutation", "expected"),
        [
            ("Ms Jane Cooper", "", "Dear Ms Cooper"),
            ("Dr. Sam Lee", "", "Dear Dr. Lee"),
            ("Jane Cooper", "", "Dear Jane Cooper"),
            ("", "", "Dear Chief Executive"),
            ("Ms Jane Cooper", "Dear Jane", "Dear Jane"),
        ],
    )
    def test_salutation(self, name, salutation, expected):
        assert rendering.salutation(Letter(addressee_name=name, salutation=salutation)) == expected
