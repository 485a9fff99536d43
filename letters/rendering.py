"""A letter's content from its frozen snapshot, as HTML and as a tagged PDF.

The web page and the PDF include the same template fragment fed by the same `LetterContent`, so
the PDF's text is the page's text. Nothing here reads live council data or statistics.
"""

import datetime
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from letters.models import Letter
from letters.placeholders import paragraphs, substitute

PDF_VARIANT = "pdf/ua-1"  # tagged PDF for screen readers: structure, language and title
SYSTEM_LIBRARIES = "apt-get install libpango-1.0-0 libpangoft2-1.0-0"


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it loads are missing."""


@dataclass(frozen=True)
class KeyStatistic:
    label: str
    headline: str
    comparison: str
    basis: str


@dataclass(frozen=True)
class LetterContent:
    council_name: str
    addressee_name: str
    addressee_title: str
    letter_date: datetime.date
    year: str
    period: str
    body: list[str]
    council_paragraphs: list[str]
    key_statistics: list[KeyStatistic]
    received_by_category: list[tuple[str, int]]
    decided_by_outcome: list[tuple[str, int]]
    signatory_name: str
    signatory_titles: list[str]

    @property
    def title(self) -> str:
        return f"Annual review letter {self.year}: {self.council_name}"

    @property
    def salutation(self) -> str:
        return f"Dear {self.addressee_name or 'Chief Executive'}"

    @property
    def received(self) -> int:
        return sum(n for _, n in self.received_by_category)

    @property
    def decided(self) -> int:
        return sum(n for _, n in self.decided_by_outcome)


def letter_content(letter: Letter) -> LetterContent:
    """Everything the letter says: the snapshot, plus the letter's own addressee and paragraphs."""
    snap = letter.snapshot
    figures = snap["figures"]
    values = {
        **snap["placeholders"],
        "addressee": letter.addressee_name or "Chief Executive",
    }
    return LetterContent(
        council_name=snap["council"]["name"],
        addressee_name=letter.addressee_name,
        addressee_title=letter.addressee_title,
        letter_date=datetime.date.fromisoformat(snap["letter_date"]),
        year=snap["year"]["label"],
        period=snap["year"]["period"],
        body=paragraphs(substitute(snap["body"], values)),
        council_paragraphs=paragraphs(letter.council_paragraphs),
        key_statistics=[
            KeyStatistic(
                label=figures[key]["label"],
                headline=figures[key]["sentences"]["headline"],
                comparison=figures[key]["sentences"]["comparison"],
                basis=figures[key]["sentences"]["basis"],
            )
            for key in snap["key_statistics"]
        ],
        received_by_category=[tuple(row) for row in snap["received_by_category"]],
        decided_by_outcome=[tuple(row) for row in snap["decided_by_outcome"]],
        signatory_name=snap["signatory"]["name"],
        signatory_titles=snap["signatory"]["titles"],
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
    # No base URL and no fetching: the document carries its own styles and no images.
    return weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(
        pdf_variant=PDF_VARIANT
    )


def _refuse_fetch(url: str, *args, **kwargs) -> dict:
    raise ValueError(f"Letters load no external resources (asked for {url})")


def render_pdf(letter: Letter) -> None:
    """Render the letter's PDF from its snapshot into the letter (the caller saves it)."""
    letter.pdf = html_to_pdf(render_pdf_document(letter_content(letter)))
    letter.pdf_rendered_at = timezone.now()
