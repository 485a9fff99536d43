"""Deterministic synthetic demo data, so the site has something to show before real imports.

`seed_demo_data()` writes reporting years, populations, decisions and recommendations, every row
marked `demo=True`; `clear_demo_data()` removes exactly those rows and nothing else.

The same database and seed always give the same rows: each council draws its traits from its own
`random.Random` keyed on (seed, council code), and each council-year its complaints from one keyed
on (seed, council code, year), so no council's rows depend on another's draws.

The model is a simulation, not a table of targets: complaints are received through each year,
each takes an assessment or investigation time, and is counted where its dates fall. That gives
carry-over between years, complaints still open at the end of the last year, and compliance
outcomes recorded in the year after the decision, as in the real data.
"""

import datetime
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from councils.models import (
    INVESTIGATED_OUTCOMES,
    Category,
    Compliance,
    Council,
    CouncilType,
    Decision,
    Outcome,
    Population,
    Recommendation,
    RecommendationKind,
    ReportingYear,
    parse_year_label,
    reporting_year_start,
    year_label,
)
from councils.signals import demo_data_clearing

DEFAULT_FIRST_YEAR = "2018-19"
DEFAULT_LAST_YEAR = "2024-25"
DEFAULT_SEED = 2025
REFERENCE_PREFIX = "DEMO-"
BATCH_SIZE = 2000

# Decisions a year per 100,000 residents. With England's ~57 million residents this gives about
# 16,000 decisions; counties share their districts' residents, so both rates are lower.
DECISIONS_PER_100K: dict[str, float] = {
    CouncilType.COUNTY: 12,
    CouncilType.DISTRICT: 14,
    CouncilType.UNITARY: 26,
    CouncilType.METROPOLITAN: 26,
    CouncilType.LONDON: 31,
}

# Pseudo-populations (2018): low + (high - low) * u ** skew, skewed towards the low end so the
# type totals come near the real ones (districts ~19M, unitaries ~17M, metropolitan ~12M,
# London ~9M). Counties are the sum of their districts when the database has them.
POPULATION_RANGES: dict[str, tuple[int, int, float]] = {
    CouncilType.COUNTY: (500_000, 1_500_000, 1.5),
    CouncilType.DISTRICT: (60_000, 200_000, 1.5),
    CouncilType.UNITARY: (130_000, 600_000, 3.0),
    CouncilType.METROPOLITAN: (150_000, 1_100_000, 4.0),
    CouncilType.LONDON: (150_000, 400_000, 1.2),
}
POPULATION_BASE_YEAR = 2018
# The two councils far outside their type's range.
POPULATION_OVERRIDES = {"E09000001": 8_600, "E06000053": 2_200}  # City of London, Isles of Scilly

CATEGORY_WEIGHTS: dict[str, dict[str, int]] = {
    # Counties run social care, education and highways; hardly any housing or planning.
    CouncilType.COUNTY: {
        Category.ADULT_CARE: 28,
        Category.EDUCATION: 34,
        Category.HIGHWAYS: 18,
        Category.ENVIRONMENT: 6,
        Category.CORPORATE: 7,
        Category.BENEFITS_TAX: 2,
        Category.PLANNING: 2,
        Category.OTHER: 3,
    },
    # Districts: housing, planning, council tax and bins; no adult care or education.
    CouncilType.DISTRICT: {
        Category.HOUSING: 28,
        Category.PLANNING: 28,
        Category.BENEFITS_TAX: 14,
        Category.ENVIRONMENT: 15,
        Category.CORPORATE: 8,
        Category.HIGHWAYS: 4,
        Category.OTHER: 3,
    },
}
_ALL_SERVICES = {
    Category.ADULT_CARE: 15,
    Category.EDUCATION: 20,
    Category.HOUSING: 14,
    Category.PLANNING: 10,
    Category.BENEFITS_TAX: 10,
    Category.ENVIRONMENT: 10,
    Category.HIGHWAYS: 10,
    Category.CORPORATE: 7,
    Category.OTHER: 4,
}
CATEGORY_WEIGHTS[CouncilType.UNITARY] = _ALL_SERVICES
CATEGORY_WEIGHTS[CouncilType.METROPOLITAN] = _ALL_SERVICES
CATEGORY_WEIGHTS[CouncilType.LONDON] = {**_ALL_SERVICES, Category.HOUSING: 24, Category.PLANNING: 8}

INVESTIGATED_SHARE = 0.24  # ~4,000 detailed investigations of ~16,000 decisions
OTHER_OUTCOME_WEIGHTS = {
    Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES: 50,
    Outcome.REFERRED_BACK: 35,
    Outcome.ADVICE_GIVEN: 7,
    Outcome.INCOMPLETE_INVALID: 8,
}
REMEDIED_BY_COUNCIL_SHARE = 0.12  # of upheld decisions
PUBLIC_REPORTS_PER_INVESTIGATION = 0.005  # ~20 a year nationally
RECOMMENDATIONS_SHARE = 0.95  # of upheld decisions the council had not already remedied
SERVICE_IMPROVEMENT_SHARE = 0.35

# The Ombudsman paused casework in the first Covid lockdown: no complaints received or decided.
PAUSE_START = datetime.date(2020, 3, 26)
PAUSE_END = datetime.date(2020, 6, 29)  # first day back


def uphold_rate(start_year: int) -> float:
    """National uphold rate of decisions made in a year: ~55% in 2018-19, ~80% in 2024-25."""
    return min(0.82, max(0.5, 0.55 + (start_year - 2018) * 0.25 / 6))


ISSUES: dict[str, tuple[str, ...]] = {
    Category.ADULT_CARE: (
        "delayed assessing their mother's care needs",
        "charged for care without explaining the costs",
        "failed to arrange suitable home care",
    ),
    Category.BENEFITS_TAX: (
        "wrongly calculated their council tax reduction",
        "took enforcement action over council tax arrears",
        "delayed processing a housing benefit claim",
    ),
    Category.CORPORATE: (
        "failed to respond properly to their complaint",
        "mishandled a request for information",
        "did not reply to their correspondence",
    ),
    Category.EDUCATION: (
        "delayed issuing an education, health and care plan",
        "failed to provide suitable education while their son was out of school",
        "did not properly consider an application for school transport",
    ),
    Category.ENVIRONMENT: (
        "failed to deal with noise nuisance from a neighbour",
        "repeatedly missed their bin collections",
        "did not act on reports of fly-tipping",
    ),
    Category.HIGHWAYS: (
        "failed to repair a dangerous pothole",
        "wrongly issued a parking penalty charge",
        "did not deal properly with a dropped kerb application",
    ),
    Category.HOUSING: (
        "failed to help them when they were threatened with homelessness",
        "placed them in unsuitable temporary accommodation",
        "wrongly assessed their housing register application",
    ),
    Category.PLANNING: (
        "failed to consider the impact of a neighbour's extension",
        "did not take enforcement action against a breach of planning control",
        "delayed deciding their planning application",
    ),
    Category.OTHER: (
        "did not keep them informed about a matter they had raised",
        "dealt poorly with their request for help",
    ),
}
TOPICS: dict[str, str] = {
    Category.ADULT_CARE: "care needs assessments",
    Category.BENEFITS_TAX: "council tax reduction claims",
    Category.CORPORATE: "complaints",
    Category.EDUCATION: "education, health and care plans",
    Category.ENVIRONMENT: "reports of noise nuisance",
    Category.HIGHWAYS: "reports of highway defects",
    Category.HOUSING: "homelessness applications",
    Category.PLANNING: "planning enforcement cases",
    Category.OTHER: "record keeping",
}
FINDINGS: dict[str, tuple[str, ...]] = {
    Outcome.NOT_UPHELD: (
        "We found no fault in how the Council acted.",
        "We did not find fault in the way the Council made its decision.",
    ),
    Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES: (
        "We will not investigate because it is unlikely we would find fault.",
        "We will not investigate because they could appeal to a tribunal.",
        "We will not investigate because the Council has already offered a suitable remedy.",
    ),
    Outcome.ADVICE_GIVEN: ("We gave advice about how to take the matter forward.",),
    Outcome.REFERRED_BACK: (
        "The Council had not had the chance to respond, so we referred the complaint back to it.",
    ),
    Outcome.INCOMPLETE_INVALID: (
        "The complaint was incomplete, so we could not consider it.",
        "The complaint was about a matter outside our jurisdiction.",
    ),
}
UPHELD_REMEDIED = (
    "We found fault, but the Council had already taken suitable action to put it right."
)
UPHELD_WITH_RECOMMENDATIONS = (
    "We found fault causing injustice. The Council agreed to put it right."
)
UPHELD_NO_INJUSTICE = "We found fault, but it did not cause a significant injustice."
PUBLIC_REPORT = "We issued a public report because of the injustice caused."

APOLOGY = "Apologise to {person} for the distress caused."
OTHER_REMEDIES = (
    "Pay {person} £{amount} to acknowledge the distress and uncertainty caused.",
    "Pay {person} £{amount} for the time and trouble of bringing the complaint.",
    "Refund {person} £{amount} of the charges they paid.",
    "Reconsider {person}'s case and write to them with its decision.",
    "Carry out a fresh assessment for {person} within four weeks.",
)
SERVICE_IMPROVEMENTS = (
    "Remind staff of the Council's duties when dealing with {topic}.",
    "Provide training to relevant staff on handling {topic}.",
    "Review its procedure for {topic} and tell us what it has changed.",
    "Review how it monitors {topic} so that they are dealt with on time.",
)
TITLES = ("Mr", "Mrs", "Ms", "Miss")
INITIALS = "ABCDEFGHJKLMNPRSTWY"


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
        generator = _Generator(councils, labels, seed=seed, scale=scale)
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


def _save_populations(generator: "_Generator", years: Sequence[ReportingYear]) -> int:
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


@dataclass(frozen=True)
class _Profile:
    """A council's lasting traits, so it is consistently busier or worse than others."""

    council: Council
    created: datetime.date | None  # when its predecessors ceased; None if not a successor
    base_population: int
    growth: float
    volume: float
    investigated_share: float
    uphold_shift: float  # on the log-odds scale

    def exists_on(self, day: datetime.date) -> bool:
        council = self.council
        return (self.created is None or self.created <= day) and (
            council.ceased_on is None or day < council.ceased_on
        )


class _Generator:
    def __init__(
        self, councils: Sequence[Council], labels: Sequence[str], *, seed: int, scale: float
    ) -> None:
        self.seed = seed
        self.scale = scale
        self.first_day = ReportingYear.dates_for(labels[0])[0]
        self.cutoff = ReportingYear.dates_for(labels[-1])[1]  # data "as at" the last year's end
        self.profiles = [self._profile(council) for council in councils]
        self.districts: dict[int, list[_Profile]] = {}
        for profile in self.profiles:
            if profile.council.county_id:
                self.districts.setdefault(profile.council.county_id, []).append(profile)
        self.successors = {
            council.pk: sorted(council.successors.all(), key=lambda c: c.code)
            for council in councils
        }
        by_pk = {profile.council.pk: profile for profile in self.profiles}
        # A council formed by merging lower-tier councils has their residents (counties overlap).
        self.predecessors = {
            council.pk: [
                by_pk[p.pk] for p in council.predecessors.all() if p.type_id != CouncilType.COUNTY
            ]
            for council in councils
        }
        # The categories by the names above (a renamed one by its former name).
        self.categories = Category.objects.by_any_name()
        self.decisions: list[Decision] = []
        self.recommendations: list[tuple[str, str, str, datetime.date]] = []

    def _profile(self, council: Council) -> _Profile:
        rng = random.Random(f"{self.seed}:{council.code}")
        low, high, skew = POPULATION_RANGES[council.type_id]
        ceased = [p.ceased_on for p in council.predecessors.all() if p.ceased_on]
        return _Profile(
            council=council,
            created=min(ceased) if ceased else None,
            base_population=POPULATION_OVERRIDES.get(
                council.code, round(low + (high - low) * rng.random() ** skew)
            ),
            growth=rng.uniform(0.004, 0.007),
            volume=rng.lognormvariate(0, 0.25),
            investigated_share=min(0.45, max(0.1, INVESTIGATED_SHARE * rng.lognormvariate(0, 0.2))),
            uphold_shift=rng.gauss(0, 0.4),
        )

    def population(self, profile: _Profile, start_year: int) -> int:
        start = datetime.date(start_year, 4, 1)
        districts = [d for d in self.districts.get(profile.council.pk, ()) if d.exists_on(start)]
        if districts:
            return sum(self.population(district, start_year) for district in districts)
        if predecessors := self.predecessors[profile.council.pk]:
            return round(
                sum(
                    self.population(p, start_year) / len(self.successors[p.council.pk])
                    for p in predecessors
                )
            )
        return round(
            profile.base_population * (1 + profile.growth) ** (start_year - POPULATION_BASE_YEAR)
        )

    def holder(self, council: Council, day: datetime.date) -> Council | None:
        """The council responsible on `day`: a ceased council's first successor takes over."""
        while council.ceased_on is not None and day >= council.ceased_on:
            successors = self.successors[council.pk]
            if not successors:
                return None
            council = successors[0]
        return council

    def receive(self, start_year: int) -> None:
        """Simulate the complaints received in a reporting year, council by council."""
        label = year_label(start_year)
        start, end = ReportingYear.dates_for(label)
        number = 0
        for profile in self.profiles:
            if not profile.exists_on(start):
                continue
            council = profile.council
            last = end if council.ceased_on is None else min(end, council.ceased_on - _DAY)
            rng = random.Random(f"{self.seed}:{council.code}:{label}")
            expected = (
                DECISIONS_PER_100K[council.type_id]
                * self.population(profile, start_year)
                / 100_000
                * profile.volume
                * rng.lognormvariate(0, 0.1)
                * self.scale
                * _open_days(start, last)
                / 365
            )
            count = math.floor(expected + rng.random())
            for received in sorted(_open_day(rng, start, last) for _ in range(count)):
                number += 1
                reference = f"{REFERENCE_PREFIX}{start_year % 100:02d}-{number:06d}"
                self._complaint(rng, profile, reference, received)

    def _complaint(
        self, rng: random.Random, profile: _Profile, reference: str, received: datetime.date
    ) -> None:
        weights = CATEGORY_WEIGHTS[profile.council.type_id]
        name = rng.choices(list(weights), list(weights.values()))[0]
        category = self.categories[name]
        person = f"{rng.choice(TITLES)} {rng.choice(INITIALS)}"
        complaint = f"{person} complained that the Council {rng.choice(ISSUES[name])}."
        investigated = rng.random() < profile.investigated_share
        delay = rng.triangular(40, 420, 120) if investigated else rng.triangular(3, 90, 20)
        decided = _after_pause(received + datetime.timedelta(days=round(delay)))
        if decided > self.cutoff:
            if holder := self.holder(profile.council, self.cutoff):
                self.decisions.append(
                    Decision(
                        reference=reference,
                        council=holder,
                        category=category,
                        received=received,
                        summary=complaint,
                        demo=True,
                    )
                )
            return
        holder = self.holder(profile.council, decided)
        if decided < self.first_day or holder is None:
            return
        decision = Decision(
            reference=reference,
            council=holder,
            category=category,
            received=received,
            decided=decided,
            demo=True,
        )
        if not investigated:
            decision.outcome = rng.choices(
                list(OTHER_OUTCOME_WEIGHTS), list(OTHER_OUTCOME_WEIGHTS.values())
            )[0]
            finding = rng.choice(FINDINGS[decision.outcome])
        else:
            national = uphold_rate(reporting_year_start(decided))
            odds = math.log(national / (1 - national)) + profile.uphold_shift
            if rng.random() >= 1 / (1 + math.exp(-odds)):
                decision.outcome = Outcome.NOT_UPHELD
                finding = rng.choice(FINDINGS[Outcome.NOT_UPHELD])
            else:
                decision.outcome = Outcome.UPHELD
                finding = self._upheld(rng, decision, person, national, TOPICS[name])
        decision.summary = f"{complaint} {finding}"
        self.decisions.append(decision)

    def _upheld(
        self, rng: random.Random, decision: Decision, person: str, national: float, topic: str
    ) -> str:
        """Remedy flags, recommendations and compliance for an upheld decision; its finding."""
        decision.remedied_by_council = rng.random() < REMEDIED_BY_COUNCIL_SHARE
        if decision.remedied_by_council:
            return UPHELD_REMEDIED
        decision.public_report = rng.random() < PUBLIC_REPORTS_PER_INVESTIGATION / national
        if not decision.public_report and rng.random() >= RECOMMENDATIONS_SHARE:
            return UPHELD_NO_INJUSTICE
        decided = decision.decided
        remedies = [APOLOGY] if rng.random() < 0.7 else []
        remedies += rng.sample(OTHER_REMEDIES, 1 if rng.random() < 0.7 else 2)
        recommendations = [
            (
                RecommendationKind.REMEDY,
                text.format(person=person, amount=rng.randrange(100, 1001, 50)),
                decided + datetime.timedelta(weeks=rng.randint(4, 8)),
            )
            for text in remedies
        ]
        if decision.public_report or rng.random() < SERVICE_IMPROVEMENT_SHARE:
            recommendations += [
                (
                    RecommendationKind.SERVICE_IMPROVEMENT,
                    text.format(topic=topic),
                    decided + datetime.timedelta(weeks=rng.randint(8, 16)),
                )
                for text in rng.sample(SERVICE_IMPROVEMENTS, rng.randint(1, 2))
            ]
        self.recommendations += [(decision.reference, *rec) for rec in recommendations]
        self._compliance(rng, decision, max(due for _, _, due in recommendations))
        finding = UPHELD_WITH_RECOMMENDATIONS
        return f"{finding} {PUBLIC_REPORT}" if decision.public_report else finding

    def _compliance(self, rng: random.Random, decision: Decision, due: datetime.date) -> None:
        """~93% complied on time, ~6% late, ~1% not; only if checked by the data's cut-off."""
        draw = rng.random()
        if draw < 0.93:
            outcome, day = Compliance.COMPLIED, due - datetime.timedelta(days=rng.randint(0, 20))
        elif draw < 0.99:
            outcome, day = (
                Compliance.COMPLIED_LATE,
                due + datetime.timedelta(days=rng.randint(14, 120)),
            )
        else:
            outcome, day = (
                Compliance.NOT_COMPLIED,
                due + datetime.timedelta(days=rng.randint(30, 150)),
            )
        ceased_on = decision.council.ceased_on
        if day <= self.cutoff and (ceased_on is None or day < ceased_on):
            decision.compliance, decision.compliance_date = outcome, day


_DAY = datetime.timedelta(days=1)


def _open_days(start: datetime.date, last: datetime.date) -> int:
    """Days from `start` to `last` inclusive on which the Ombudsman was taking complaints."""
    paused = (min(last + _DAY, PAUSE_END) - max(start, PAUSE_START)).days
    return (last - start).days + 1 - max(0, paused)


def _open_day(rng: random.Random, start: datetime.date, last: datetime.date) -> datetime.date:
    """A uniformly random open day from `start` to `last` (callers ensure there is one)."""
    while True:
        day = start + datetime.timedelta(days=rng.randrange((last - start).days + 1))
        if not PAUSE_START <= day < PAUSE_END:
            return day


def _after_pause(day: datetime.date) -> datetime.date:
    """Work that would have finished during the pause finishes that much after it."""
    return day + (PAUSE_END - PAUSE_START) if PAUSE_START <= day < PAUSE_END else day
