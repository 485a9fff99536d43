"""Generating a year's letters: freeze each council's figures and render its PDF.

Statistics are computed once for the whole year (`year_statistics`, three queries) and the counts
by category and outcome in two (`year_counts`), whatever the number of councils. Each letter is
saved with its PDF in one statement, so a stopped run keeps what it finished and the next
run carries on with the councils still missing.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from councils.models import Council
from councils.pages.wording import sentences
from councils.statistics import (
    CouncilFigures,
    CouncilYearCounts,
    Figures,
    PerResidents,
    PublishedFigure,
    Rate,
    Statistic,
    published,
    year_counts,
    year_statistics,
)
from letters.models import Letter, LetterTemplate, LetterVersion
from letters.rendering import render_pdf

# 2: Markdown body; publication date and link placeholders.
SNAPSHOT_VERSION = 2
# The appendix's three key statistics, in the Ombudsman's order.
KEY_STATISTICS = (Statistic.UPHOLD, Statistic.COMPLIANCE, Statistic.REMEDY)

Progress = Callable[[int, int], None]  # (done, total)
Addressee = Callable[[Council], tuple[str, str]]  # (name, job title) of a new letter


def register_addressee(council: Council) -> tuple[str, str]:
    """The chief executive the register holds for the council."""
    return council.chief_executive, council.chief_executive_title


@dataclass
class GenerationResult:
    created: int = 0
    regenerated: int = 0
    skipped: int = 0  # already generated, and not asked to regenerate

    @property
    def done(self) -> int:
        return self.created + self.regenerated


def _rate(rate: Rate) -> dict:
    return {"numerator": rate.numerator, "base": rate.base, "percent": published(rate)}


def _per_100k(figure: PerResidents) -> dict:
    value = published(figure)
    return {
        "count": figure.count,
        "population": figure.population,
        "value": None if value is None else str(value),
    }


def _figure(statistic: Statistic, own: Figures, similar: Figures, period: str) -> dict:
    pack = _per_100k if statistic is Statistic.PER_100K else _rate
    said = sentences(statistic, own, similar, period)
    return {
        "label": statistic.label,
        **pack(own.get(statistic)),
        "similar": pack(similar.get(statistic)),
        "sentences": {
            "headline": said.headline,
            "comparison": said.comparison,
            "basis": said.basis,
        },
    }


def build_snapshot(
    template: LetterTemplate,
    council: Council,
    figures: CouncilFigures | None,
    counts: CouncilYearCounts,
) -> dict:
    """Everything a letter says that comes from elsewhere, as JSON, frozen at generation."""
    year = template.year
    own = figures.figures if figures else Figures()
    similar = figures.similar if figures else Figures()
    return {
        "version": SNAPSHOT_VERSION,
        "council": {
            "name": str(council),
            "code": council.code,
            "type": council.type_id,
            "type_label": council.type.name,
        },
        "year": {"label": year.label, "period": year.period},
        "letter_date": template.letter_date.isoformat(),
        "signatory": {"name": template.signatory_name, "titles": template.titles},
        "body": template.body,
        # The letterhead logo's file name in storage ("" for none), embedded when rendered.
        "logo": template.logo.name or "",
        "figures": {s.value: _figure(s, own, similar, year.period) for s in Statistic},
        "key_statistics": [s.value for s in KEY_STATISTICS],
        "received_by_category": list(counts.received_by_category.items()),
        "decided_by_outcome": list(counts.decided_by_outcome.items()),
        # Placeholder values, except the addressee, which staff may edit on the letter.
        "placeholders": {
            "council_name": str(council),
            "year": year.label,
            "period": year.period,
            "received": str(counts.received),
            "decided": str(counts.decided),
            "investigations": str(own.investigations),
            "upheld": str(own.upheld),
            "uphold_rate": PublishedFigure(own.uphold).display,
            "uphold_average": PublishedFigure(similar.uphold).display,
            "compliance_rate": PublishedFigure(own.compliance).display,
            "compliance_average": PublishedFigure(similar.compliance).display,
            "remedy_rate": PublishedFigure(own.remedy).display,
            "remedy_average": PublishedFigure(similar.remedy).display,
            "publication_date": f"{template.publication_date:%-d %B %Y}",
            # Absolute: the PDF's links must work away from the site.
            "council_url": settings.SITE_URL + council.get_absolute_url(),
            "methodology_url": settings.SITE_URL + reverse("methodology"),
        },
    }


def generate_letters(
    template: LetterTemplate,
    *,
    user: User | None = None,
    regenerate: bool = False,
    council_ids: Iterable[int] | None = None,
    progress: Progress | None = None,
    addressee: Addressee = register_addressee,
    reissue_reason: str | None = None,
) -> GenerationResult:
    """Create the year's missing letters (or, with `regenerate`, refresh existing ones too).

    Every council with figures that year is included, current or not; `council_ids` narrows
    that. Regenerating refreshes the snapshot and PDF and keeps the letter's addressee and
    paragraphs, which staff may have edited. `addressee` names new letters' addressees (the demo
    invents them). With `reissue_reason`, each existing letter's current version is kept
    (LetterVersion) before it is regenerated as the next version.
    """
    year = template.year
    stats = year_statistics(year)
    # Chosen councils are generated even if their figures have since gone (all zero then).
    wanted = set(stats.councils) if council_ids is None else set(council_ids)
    counts = year_counts(year)
    councils = sorted(
        Council.objects.filter(pk__in=wanted).select_related("type"), key=lambda c: c.name
    )
    existing = {
        letter.council_id: letter
        for letter in Letter.objects.filter(template=template, council_id__in=wanted).defer("pdf")
    }
    result = GenerationResult()
    total = len(councils)
    for index, council in enumerate(councils):
        letter = existing.get(council.pk)
        if letter is not None and not regenerate:
            result.skipped += 1
        else:
            if letter is None:
                name, title = addressee(council)
                letter = Letter(
                    template=template, council=council, addressee_name=name, addressee_title=title
                )
                result.created += 1
            else:
                result.regenerated += 1
            figures = stats.for_council(council.pk)
            with transaction.atomic():
                if letter.pk and reissue_reason is not None:
                    _keep_version(letter, reissue_reason)
                _generate(letter, template, council, figures, counts[council.pk], user)
        if progress:
            progress(index + 1, total)
    return result


def _keep_version(letter: Letter, reason: str) -> None:
    """Keep the letter as it stands, then make it the next version, issued for `reason`."""
    LetterVersion.of(letter, superseded_at=timezone.now()).save()
    letter.version += 1
    letter.reissue_reason = reason


def _generate(
    letter: Letter,
    template: LetterTemplate,
    council: Council,
    figures: CouncilFigures | None,
    counts: CouncilYearCounts,
    user: User | None,
) -> None:
    letter.snapshot = build_snapshot(template, council, figures, counts)
    letter.generated_at = timezone.now()
    letter.generated_by = user
    render_pdf(letter)
    # One INSERT or UPDATE: the snapshot and the PDF showing it are saved together or not at all.
    letter.save()


def regenerate_letters(
    letters: QuerySet[Letter],
    *,
    user: User | None,
    reissue_reason: str | None = None,
    progress: Progress | None = None,
) -> GenerationResult:
    """Regenerate chosen letters, one statistics pass per year they belong to (reissue them,
    keeping each one's current version, when given a reason)."""
    by_template: dict[int, set[int]] = defaultdict(set)
    for template_id, council_id in letters.values_list("template_id", "council_id"):
        by_template[template_id].add(council_id)
    count = sum(len(council_ids) for council_ids in by_template.values())
    total = GenerationResult()
    for template in LetterTemplate.objects.filter(pk__in=by_template).select_related("year"):
        before = total.regenerated
        result = generate_letters(
            template,
            user=user,
            regenerate=True,
            council_ids=by_template[template.pk],
            reissue_reason=reissue_reason,
            progress=progress and (lambda done, _, before=before: progress(before + done, count)),
        )
        total.regenerated += result.regenerated
    return total
