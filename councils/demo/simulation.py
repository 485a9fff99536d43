"""The demo simulation: each council's traits, and the complaints it receives and decides."""

import datetime
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from councils.demo.parameters import (
    APOLOGY,
    CATEGORY_WEIGHTS,
    DECISIONS_PER_100K,
    FINDINGS,
    INITIALS,
    INVESTIGATED_SHARE,
    ISSUES,
    OTHER_OUTCOME_WEIGHTS,
    OTHER_REMEDIES,
    PAUSE_END,
    PAUSE_START,
    POPULATION_BASE_YEAR,
    POPULATION_OVERRIDES,
    POPULATION_RANGES,
    PUBLIC_REPORT,
    PUBLIC_REPORTS_PER_INVESTIGATION,
    RECOMMENDATIONS_SHARE,
    REFERENCE_PREFIX,
    REMEDIED_BY_COUNCIL_SHARE,
    SERVICE_IMPROVEMENT_SHARE,
    SERVICE_IMPROVEMENTS,
    TITLES,
    TOPICS,
    UPHELD_NO_INJUSTICE,
    UPHELD_REMEDIED,
    UPHELD_WITH_RECOMMENDATIONS,
    uphold_rate,
)
from councils.models import (
    Category,
    Compliance,
    Council,
    CouncilType,
    Decision,
    Outcome,
    RecommendationKind,
    ReportingYear,
    reporting_year_start,
    year_label,
)


@dataclass(frozen=True)
class Profile:
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


class Generator:
    def __init__(
        self, councils: Sequence[Council], labels: Sequence[str], *, seed: int, scale: float
    ) -> None:
        self.seed = seed
        self.scale = scale
        self.first_day = ReportingYear.dates_for(labels[0])[0]
        self.cutoff = ReportingYear.dates_for(labels[-1])[1]  # data "as at" the last year's end
        self.profiles = [self._profile(council) for council in councils]
        self.districts: dict[int, list[Profile]] = {}
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

    def _profile(self, council: Council) -> Profile:
        rng = random.Random(f"{self.seed}:{council.code}")
        low, high, skew = POPULATION_RANGES[council.type_id]
        ceased = [p.ceased_on for p in council.predecessors.all() if p.ceased_on]
        return Profile(
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

    def population(self, profile: Profile, start_year: int) -> int:
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
        self, rng: random.Random, profile: Profile, reference: str, received: datetime.date
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
