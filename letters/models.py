"""Annual review letters: one template per reporting year, one letter per council and year.

A letter keeps a frozen copy (`snapshot`) of everything it says that comes from elsewhere — the
council's name, the template's date, body and signatory, the statistics and counts — taken when
it is generated. Its HTML and PDF render from that copy and its own addressee fields only, so a
later import or template edit never silently changes an issued letter.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse

from councils.dataversion import VersionedModel
from councils.models import Council, ReportingYear
from letters.logo import validate_logo
from letters.placeholders import placeholder_help, validate_placeholders


class LetterTemplate(VersionedModel):
    year = models.OneToOneField(
        ReportingYear, on_delete=models.CASCADE, related_name="letter_template"
    )
    letter_date = models.DateField(
        help_text="The date printed on the letters; usually a week before publication, "
        "when they are sent."
    )
    publication_date = models.DateField(
        help_text="Letters become public on this day (and never before the year itself is "
        "published). Until then only staff and the council's officers can see them."
    )
    signatory_name = models.CharField(max_length=150)
    signatory_titles = models.TextField(
        help_text="One title per line, e.g. Local Government and Social Care Ombudsman."
    )
    body = models.TextField(help_text=placeholder_help(), validators=[validate_placeholders])
    # A letter records the file's name in its snapshot; a new upload gets a new name and the old
    # file stays, so letters already generated keep the logo they were issued with.
    logo = models.FileField(
        upload_to="letterhead/",
        blank=True,
        validators=[FileExtensionValidator(["png"]), validate_logo],
        help_text="Optional: a PNG (at most 512 KB) shown at the top of the letterhead. "
        "Letters already generated keep their logo until they are regenerated.",
    )
    demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-year__start"]
        constraints = [
            models.CheckConstraint(
                name="letter_template_dated_before_publication",
                condition=models.Q(letter_date__lte=models.F("publication_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"Annual review letter {self.year.label}"

    def clean(self) -> None:
        if self.letter_date and self.publication_date and self.letter_date > self.publication_date:
            raise ValidationError({"letter_date": "The letter date must not be after publication."})

    @property
    def titles(self) -> list[str]:
        return [line.strip() for line in self.signatory_titles.splitlines() if line.strip()]


class Letter(VersionedModel):
    template = models.ForeignKey(LetterTemplate, on_delete=models.CASCADE, related_name="letters")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="letters")
    addressee_name = models.CharField(
        max_length=150, blank=True, help_text="Blank: the letter opens “Dear Chief Executive”."
    )
    addressee_title = models.CharField(
        max_length=150, blank=True, help_text="Job title, e.g. Interim Chief Executive."
    )
    salutation = models.CharField(
        max_length=150,
        blank=True,
        help_text="How the letter greets them, e.g. “Dear Ms Cooper”. Blank: made from the name "
        "(“Ms Jane Cooper” gives “Dear Ms Cooper”; a name without a title is used whole).",
    )
    council_paragraphs = models.TextField(
        blank=True,
        help_text="Optional paragraphs about this council, after the body. Plain text; a blank "
        "line starts a new paragraph.",
    )
    snapshot = models.JSONField(
        editable=False, help_text="What the letter says, frozen when it was generated."
    )
    generated_at = models.DateTimeField(editable=False)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # In the database rather than under MEDIA_ROOT: an embargoed PDF then never sits where a web
    # server could serve it, and it is saved in the same transaction as the snapshot it shows.
    pdf = models.BinaryField(editable=False)
    pdf_rendered_at = models.DateTimeField(editable=False)
    # The embargo date printed on every page of `pdf` (None: no embargo marking), so the PDF
    # served after publication can be re-rendered without it (letters.rendering.current_pdf).
    pdf_embargoed_until = models.DateField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    reissue_reason = models.TextField(
        blank=True, editable=False, help_text="Why this version was issued (blank: the first)."
    )

    class Meta:
        ordering = ["-template__year__start", "council__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "council"], name="letter_one_per_council_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.council} {self.template.year.label}"

    def get_absolute_url(self) -> str:
        return reverse("letters:letter", args=[self.council.slug, self.template.year.label])

    def get_pdf_url(self) -> str:
        return reverse("letters:pdf", args=[self.council.slug, self.template.year.label])


class LetterVersion(VersionedModel):
    """An earlier issue of a letter, kept whole when staff reissued it."""

    # What a version keeps of the letter it was: everything the letter's text comes from.
    KEPT = (
        "generated_at",
        "addressee_name",
        "addressee_title",
        "salutation",
        "council_paragraphs",
        "snapshot",
        "pdf",
        "pdf_embargoed_until",
    )

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    reason = models.TextField(blank=True, help_text="Why it was issued (blank: the first issue).")
    generated_at = models.DateTimeField()
    addressee_name = models.CharField(max_length=150, blank=True)
    addressee_title = models.CharField(max_length=150, blank=True)
    salutation = models.CharField(max_length=150, blank=True)
    council_paragraphs = models.TextField(blank=True)
    snapshot = models.JSONField()
    pdf = models.BinaryField()
    pdf_embargoed_until = models.DateField(null=True, blank=True)
    superseded_at = models.DateTimeField()

    class Meta:
        ordering = ["letter", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="letter_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.letter}, version {self.number}"

    @classmethod
    def of(cls, letter: Letter, superseded_at) -> "LetterVersion":
        """The letter as it stands, as a version (unsaved)."""
        kept = {name: getattr(letter, name) for name in cls.KEPT}
        return cls(
            letter=letter,
            number=letter.version,
            reason=letter.reissue_reason,
            superseded_at=superseded_at,
            **kept,
        )

    def as_letter(self) -> Letter:
        """An unsaved letter saying what this version said, for rendering it."""
        kept = {name: getattr(self, name) for name in self.KEPT}
        return Letter(template=self.letter.template, council=self.letter.council, **kept)

    def get_pdf_url(self) -> str:
        letter = self.letter
        return reverse(
            "letters:version-pdf",
            args=[letter.council.slug, letter.template.year.label, self.number],
        )


class LetterSending(models.Model):
    """One email of a letter's PDF to the council."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="sendings")
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    to_address = models.EmailField()

    class Meta:
        ordering = ["letter", "sent_at"]

    def __str__(self) -> str:
        return f"{self.letter} to {self.to_address} on {self.sent_at:%d %B %Y %H:%M}"


class Officer(models.Model):
    """A council officer's account: sees that council's letters before publication."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer"
    )
    council = models.ForeignKey(
        Council,
        on_delete=models.CASCADE,
        related_name="officers",
        help_text="The account sees this council's letters before they are public.",
    )

    class Meta:
        ordering = ["council__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.council})"
