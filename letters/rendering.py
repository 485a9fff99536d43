"""A letter's content from its frozen snapshot, as HTML and as a tagged PDF.

The web page and the PDF include the same template fragment fed by the same `LetterContent`, so
the PDF's text is the page's text. Nothing here reads live council data or statistics.
"""

import datetime
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from councils.statistics import display
from letters.logo import logo_data_uri
from letters.markup import body_html
from letters.models import Letter, LetterVersion
from letters.placeholders import paragraphs

PDF_VARIANT = "pdf/ua-1"  # tagged PDF for screen readers: structure, language and title
SYSTEM_LIBRARIES = "apt-get install libpango-1.0-0 libpangoft2-1.0-0"


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it loads are missing."""


# The letterhead's name block, as the Ombudsman sets it.
LETTERHEAD = ("Local Government and", "Social Care Ombudsman")
COURTESY_TITLES = frozenset(
    {"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Professor", "Sir", "Dame", "Cllr", "Lord"}
)
# What each key statistic's base counts, for the appendix table.
BASE_NOUNS = {
    "uphold_rate": "detailed investigations",
    "compliance_rate": "compliance outcomes",
    "satisfactory_remedy_rate": "upheld complaints",
}


@dataclass(frozen=True)
class KeyStatistic:
    label: str
    headline: str
    comparison: str
    basis: str
    value: str  # "80%", or "no figure"
    based_on: str  # "4 of 5 detailed investigations"
    similar: str


@dataclass(frozen=True)
class LetterContent:
    council_name: str
    addressee_name: str
    addressee_title: str
    salutation: str
    letter_date: datetime.date
    year: str
    period: str
    body: SafeString
    council_paragraphs: list[str]
    key_statistics: list[KeyStatistic]
    received_by_category: list[tuple[str, int]]
    decided_by_outcome: list[tuple[str, int]]
    signatory_name: str
    signatory_titles: list[str]
    figures_taken: datetime.date
    embargoed_until: datetime.date | None  # None once the letter is public
    letterhead: tuple[str, ...] = LETTERHEAD
    logo: str = ""  # the letterhead logo as a data: URI, or ""

    @property
    def organisation(self) -> str:
        """The letterhead's name in one line: the logo's text alternative."""
        return " ".join(self.letterhead)

    @property
    def title(self) -> str:
        return f"Annual review letter {self.year}: {self.council_name}"

    @property
    def heading(self) -> str:
        return f"Annual review letter {self.year}"

    @property
    def embargo_line(self) -> str:
        if self.embargoed_until is None:
            return ""
        return f"Embargoed until {self.embargoed_until:%-d %B %Y}: not for publication"

    @property
    def received(self) -> int:
        return sum(n for _, n in self.received_by_category)

    @property
    def decided(self) -> int:
        return sum(n for _, n in self.decided_by_outcome)


def salutation(letter: Letter) -> str:
    """As staff wrote it; else "Dear Ms Cooper" from "Ms Jane Cooper", or the name whole."""
    if letter.salutation.strip():
        return letter.salutation.strip()
    words = letter.addressee_name.split()
    if not words:
        return "Dear Chief Executive"
    if len(words) > 1 and words[0].rstrip(".") in COURTESY_TITLES:
        return f"Dear {words[0]} {words[-1]}"
    return f"Dear {' '.join(words)}"


def _key_statistic(key: str, figure: dict) -> KeyStatistic:
    said = figure["sentences"]
    return KeyStatistic(
        label=figure["label"],
        headline=said["headline"],
        comparison=said["comparison"],
        basis=said["basis"],
        value=display(figure["percent"], "%"),
        based_on=f"{figure['numerator']} of {figure['base']} {BASE_NOUNS.get(key, '')}".strip(),
        similar=display(figure["similar"]["percent"], "%"),
    )


def embargo_date(letter: Letter, today: datetime.date | None = None) -> datetime.date | None:
    """The letter's publication date while it is under embargo; None once it is public.

    The same rule as `letters.access._published`, for one letter already in hand (its PDF
    may be rendered where no annotated query is, e.g. at generation)."""
    today = today or timezone.localdate()
    template = letter.template
    public = template.publication_date <= today and template.year.is_public(today)
    return None if public else template.publication_date


def letter_content(letter: Letter, today: datetime.date | None = None) -> LetterContent:
    """Everything the letter says: the snapshot, plus the letter's own addressee and paragraphs."""
    snap = letter.snapshot
    figures = snap["figures"]
    key_statistics = [_key_statistic(key, figures[key]) for key in snap["key_statistics"]]
    table = render_to_string(
        "letters/_figures_table.html",
        {"statistics": key_statistics, "council_name": snap["council"]["name"]},
    )
    values = {**snap["placeholders"], "addressee": letter.addressee_name or "Chief Executive"}
    return LetterContent(
        council_name=snap["council"]["name"],
        addressee_name=letter.addressee_name,
        addressee_title=letter.addressee_title,
        salutation=salutation(letter),
        letter_date=datetime.date.fromisoformat(snap["letter_date"]),
        year=snap["year"]["label"],
        period=snap["year"]["period"],
        body=body_html(snap["body"], values, table),
        council_paragraphs=paragraphs(letter.council_paragraphs),
        key_statistics=key_statistics,
        received_by_category=[tuple(row) for row in snap["received_by_category"]],
        decided_by_outcome=[tuple(row) for row in snap["decided_by_outcome"]],
        signatory_name=snap["signatory"]["name"],
        signatory_titles=snap["signatory"]["titles"],
        figures_taken=timezone.localdate(letter.generated_at),
        embargoed_until=embargo_date(letter, today),
        logo=logo_data_uri(snap.get("logo", "")),
    )


def render_pdf_document(content: LetterContent) -> str:
    """The standalone HTML document WeasyPrint turns into the PDF."""
    return render_to_string("letters/letter_pdf.html", {"letter": content})


def html_to_pdf(html: str) -> bytes:
    """A tagged PDF (PDF/UA-1, language and title from the document) of `html`.

    WeasyPrint is imported here, not at module level, so the site runs without its system
    libraries; only making a PDF then fails, saying what to install.
    """
    try:
        import weasyprint
    except OSError as error:
        raise PdfUnavailable(
            f"Cannot make PDF letters: WeasyPrint could not load its system libraries "
            f"({error}). Install them with: {SYSTEM_LIBRARIES}"
        ) from error
    except ImportError as error:
        raise PdfUnavailable(
            "Cannot make PDF letters: WeasyPrint is not installed. Install the project's "
            "dependencies (pip install -e .)."
        ) from error
    # No base URL and no fetching: the document carries its own styles, and its one image (the
    # letterhead logo) as a data: URI, which WeasyPrint reads without the fetcher.
    # data: URIs only: any other URL is refused (WeasyPrint leaves that resource out).
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)


def render_pdf(letter: Letter) -> None:
    """Render the letter's PDF from its snapshot into the letter (the caller saves it)."""
    content = letter_content(letter)
    letter.pdf = html_to_pdf(render_pdf_document(content))
    letter.pdf_rendered_at = timezone.now()
    letter.pdf_embargoed_until = content.embargoed_until


def current_pdf(letter: Letter, version: LetterVersion | None = None) -> bytes:
    """The stored PDF of the letter (or of one of its earlier versions), first re-rendered and
    saved if its embargo marking is out of date: a letter generated under embargo loses the
    marking once it is public, and a moved publication date shows the new one."""
    issue = version or letter
    embargo = embargo_date(letter)
    if issue.pdf_embargoed_until != embargo:
        draft = version.as_letter() if version else letter
        render_pdf(draft)
        issue.pdf, issue.pdf_embargoed_until = draft.pdf, draft.pdf_embargoed_until
        rendered = [] if version else ["pdf_rendered_at"]  # versions keep no render time
        issue.save(update_fields=["pdf", "pdf_embargoed_until", *rendered])
    return bytes(issue.pdf)
