"""Emailing a letter's stored PDF to its council, and recording each sending."""

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import dateformat, timezone

from letters.models import Letter, LetterSending
from letters.rendering import current_pdf, letter_content


class SendingError(Exception):
    """A letter that cannot be sent; the message says why, for the admin."""


class AlreadySent(SendingError):
    pass


class NoAddress(SendingError):
    pass


def pdf_filename(letter: Letter) -> str:
    return f"{letter.council.slug}-{letter.template.year.label}-annual-review-letter.pdf"


def send_letter(letter: Letter, *, user, again: bool = False) -> LetterSending:
    """Email the letter to the council's address. A second sending must pass `again=True`."""
    content = letter_content(letter)
    address = letter.council.email
    if not address:
        raise NoAddress(
            f"{content.council_name} has no email address: add one to the council, then send."
        )
    if not again and letter.sendings.exists():
        raise AlreadySent(
            f"The {content.year} letter to {content.council_name} was already sent: "
            "use “Send again” to send it once more."
        )
    published = dateformat.format(letter.template.publication_date, "j F Y")
    message = EmailMessage(
        subject=content.title,
        body=(
            f"{content.salutation},\n\n"
            f"Please find attached the Ombudsman's annual review letter for {content.year} "
            f"to {content.council_name}. It becomes public on "
            f"{published}; please treat it as confidential until then.\n"
        ),
        to=[address],
    )
    message.attach(pdf_filename(letter), current_pdf(letter), "application/pdf")
    with transaction.atomic():
        # Record first: if the mail server refuses, the record rolls back with the error.
        sending = LetterSending.objects.create(
            letter=letter, sent_at=timezone.now(), sent_by=user, to_address=address
        )
        message.send()
    return sending
