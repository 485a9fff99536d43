"""Writing and clearing the demo rows, in one transaction, and counting what was written."""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from councils.demo.parameters import BATCH_SIZE, DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR, DEFAULT_SEED
from councils.demo.simulation import Generator
from councils.models import (
    INVESTIGATED_OUTCOMES,
    Council,
    Decision,
    Outcome,
    Population,
    Recommendation,
    ReportingYear,
    parse_year_label,
    reporting_year_start,
    year_label,
)
from councils.signals import demo_data_clearing


@dataclass
class YearFigures:
    """What the seeder wrote for one reporting year, counted as the statistics count."""

    received: int = 0
    decisions: int = 0
    investigations: int = 0
    upheld: int = 0
    compliance_outcomes: int = 0

    @property
    def uphold_rate(self) -> float | None:
        return self.upheld / self.investigations if self.investigations else None


@dataclass
class SeedSummary:
    years_created: int = 0
    populations: int = 0
    decisions: int = 0
    not_yet_decided: int = 0
    recommendations: int = 0
    by_year: dict[str, YearFigures] = field(default_factory=dict)


def year_range(first: str, last: str) -> list[str]:
    """The labels from `first` to `last` inclusive; ValueError if either is not a year label."""
    start, stop = parse_year_label(first), parse_year_label(last)
    if stop < start:
        raise ValueError(f"{last} is before {first}")
    return [year_label(year) for year in range(start, stop + 1)]


def clear_demo_data() -> dict[str, int]:
    """Delete every demo row, and each demo year that no real row needs. Returns rows per model."""
    with transaction.atomic():
        demo_data_clearing.send(sender=clear_demo_data)
        # Recommendations first, in one statement, so deleting decisions need not collect them.
        recommendations, _ = Recommendation.objects.filter(decision__demo=True).delete()
        decisions, _ = Decision.objects.filter(demo=True).delete()
        populations, _ = Population.objects.filter(demo=True).delete()
        years = [year for year in ReportingYear.objects.filter(demo=True) if not _in_use(year)]
        ReportingYear.objects.filter(pk__in=[year.pk for year in years]).delete()
    return {
        "reporting years": len(years),
        "populations": populations,
        "decisions": decisions,
        "recommendations": recommendations,
    }


def _in_use(year: ReportingYear) -> bool:
    """Whether any non-demo row refers to the year, by foreign key or by a date within it."""
    dated = (
        Q(received__range=(year.start, year.end))
        | Q(decided__range=(year.start, year.end))
        | Q(compliance_date__range=(year.start, year.end))
    )
    if Decision.objects.filter(dated, demo=False).exists():
        return True
    # Any model that points at years (populations, and letters from the letters app).
    for relation in ReportingYear._meta.related_objects:
        model = relation.related_model
        rows = model._default_manager.filter(**{relation.field.name: year})
        if any(model_field.name == "demo" for model_field in model._meta.fields):
            rows = rows.filter(demo=False)
        if rows.exists():
            return True
    return False


def seed_demo_data(
    first: str = DEFAULT_FIRST_YEAR,
    last: str = DEFAULT_LAST_YEAR,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    progress: Callable[[str], None] | None = None,
) -> SeedSummary:
    """Replace the demo data with a fresh set for the years `first` to `last`, in one transaction.

    `scale` multiplies the volume (1.0 is realistic: ~16,000 decisions a year over England's
    councils). Raises ValueError when there are no councils or the years are not valid.
    """
    labels = year_range(first, last)
    if scale <= 0:
        raise ValueError("The scale must be more than 0.")
    report = progress or (lambda message: None)
    with transaction.atomic():
        councils = list(
            Council.objects.order_by("code").prefetch_related("successors", "predecessors")
        )
        if not councils:
            raise ValueError("There are no councils: run `python manage.py load_councils` first.")
        clear_demo_data()
        summary = SeedSummary(by_year={label: YearFigures() for label in labels})
        years = _reporting_years(labels, summary)
        generator = Generator(councils, labels, seed=seed, scale=scale)
        summary.populations = _save_populations(generator, years)
        report(f"Populations: {summary.populations:,}")
        # The year before the first only feeds complaints decided in the first year.
        for start_year in range(parse_year_label(first) - 1, parse_year_label(last) + 1):
            generator.receive(start_year)
            if year_label(start_year) in summary.by_year:
                report(f"Generated complaints received in {year_label(start_year)}")
        report(f"Saving {len(generator.decisions):,} decisions")
        Decision.objects.bulk_create(generator.decisions, batch_size=BATCH_SIZE)
        ids = dict(Decision.objects.filter(demo=True).values_list("reference", "pk"))
        report(f"Saving {len(generator.recommendations):,} recommendations")
        Recommendation.objects.bulk_create(
            [
                Recommendation(decision_id=ids[reference], kind=kind, text=text, due=due)
                for reference, kind, text, due in generator.recommendations
            ],
            batch_size=BATCH_SIZE,
        )
    summary.decisions = len(generator.decisions)
    summary.recommendations = len(generator.recommendations)
    _count(generator.decisions, summary)
    return summary


# The public notes the Ombudsman attaches to these years (SPEC "Reporting year").
YEAR_NOTES = {
    "2020-21": "We paused casework for three months from March 2020 because of the Covid-19 "
    "pandemic, so we received and decided fewer complaints this year.",
    "2022-23": "We changed how we decide which complaints to investigate this year, so more "
    "complaints were assessed and closed, and a higher share of those we investigated were upheld.",
}


def _reporting_years(labels: Sequence[str], summary: SeedSummary) -> list[ReportingYear]:
    """The years, creating missing ones as demo years published on 24 July after they end."""
    existing = set(ReportingYear.objects.filter(label__in=labels).values_list("label", flat=True))
    today = timezone.localdate()
    years = []
    for label in labels:
        year = ReportingYear.get_or_create_for_label(label)
        if label not in existing:
            # Never in the future, so the demo is visible straight away.
            year.published_on = min(datetime.date(year.end.year, 7, 24), today)
            year.note = YEAR_NOTES.get(label, "")
            year.demo = True
            year.save(update_fields=["published_on", "note", "demo"])
            summary.years_created += 1
        years.append(year)
    return years


def _save_populations(generator: "Generator", years: Sequence[ReportingYear]) -> int:
    """A demo population for every council that existed at each year's start, unless real."""
    real = set(Population.objects.filter(year__in=years).values_list("council_id", "year_id"))
    rows = [
        Population(
            council=profile.council,
            year=year,
            population=generator.population(profile, year.start.year),
            demo=True,
        )
        for year in years
        for profile in generator.profiles
        if profile.exists_on(year.start) and (profile.council.pk, year.pk) not in real
    ]
    Population.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def _count(decisions: Sequence[Decision], summary: SeedSummary) -> None:
    """Fill the per-year figures the way councils.statistics counts them."""
    by_year = summary.by_year

    def figures(day: datetime.date | None) -> YearFigures | None:
        return by_year.get(year_label(reporting_year_start(day))) if day else None

    for decision in decisions:
        if received := figures(decision.received):
            received.received += 1
        if decision.decided is None:
            summary.not_yet_decided += 1
        elif decided := figures(decision.decided):
            decided.decisions += 1
            if decision.outcome in INVESTIGATED_OUTCOMES:
                decided.investigations += 1
                decided.upheld += decision.outcome == Outcome.UPHELD
        if decision.compliance and (complied := figures(decision.compliance_date)):
            complied.compliance_outcomes += 1
