"""Previewing a letter template, as staff are writing it, for a council they pick.

Nothing is saved: the template comes from the admin form's unsaved fields, the figures from
the year's statistics today, and the letter is rendered as a generated one would be.
"""

from django import forms
from django.utils import timezone

from councils.models import Council, ReportingYear
from councils.statistics import council_year_counts, year_statistics
from letters.generation import build_snapshot, register_addressee
from letters.models import Letter, LetterTemplate
from letters.placeholders import validate_placeholders


class PreviewForm(forms.Form):
    """The template's fields as the admin form posts them, and the council to preview for."""

    year = forms.ModelChoiceField(ReportingYear.objects.all())
    letter_date = forms.DateField()
    publication_date = forms.DateField()
    signatory_name = forms.CharField(max_length=150)
    signatory_titles = forms.CharField()
    body = forms.CharField(validators=[validate_placeholders])
    preview_council = forms.ModelChoiceField(
        Council.objects.all(), error_messages={"required": "Choose a council to preview for."}
    )


def preview_letter(form: PreviewForm) -> Letter:
    """An unsaved letter to the chosen council from the unsaved template (form must be valid)."""
    data = form.cleaned_data
    council = data.pop("preview_council")
    template = LetterTemplate(**data)
    year = template.year
    # The logo saved on the year's template (a file chosen but not yet saved is not shown).
    saved = LetterTemplate.objects.filter(year=year).only("logo").first()
    if saved is not None:
        template.logo = saved.logo.name
    figures = year_statistics(year).for_council(council.pk)
    name, title = register_addressee(council)
    return Letter(
        template=template,
        council=council,
        addressee_name=name,
        addressee_title=title,
        snapshot=build_snapshot(template, council, figures, council_year_counts(council, year)),
        generated_at=timezone.now(),
    )
