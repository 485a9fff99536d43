"""The figures themselves: rates, per-100k figures, their rounding, intervals and verdicts.

SPEC "The statistics": percentages round half up to whole numbers, per-100k to one decimal.
Fractions and Decimals only: never float and never round(). Pure: no database here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import cached_property

# Two-sided 95% normal quantile, to the precision Decimal arithmetic carries.
Z_95 = Decimal("1.959963984540054")
SMALL_BASE = 10  # a base under this is flagged on every page
NO_VERDICT_BASE = 5  # a base under this gets no verdict and is greyed
PER_RESIDENTS = 100_000


def round_half_up(value: Fraction | Decimal | int, places: int = 0) -> Decimal:
    """Round a non-negative exact value half up: 12.5 -> 13, 0.05 -> 0.1 (places=1).

    Whole-number arithmetic on the value's numerator and denominator: exact, and fast enough
    to round every council's figures on every page.
    """
    value = Fraction(value)
    if value < 0:
        raise ValueError("figures are never negative")
    scaled, denominator = value.numerator * 10**places, value.denominator
    return Decimal((2 * scaled + denominator) // (2 * denominator)).scaleb(-places)


class Verdict(enum.StrEnum):
    HIGHER = "higher"
    SIMILAR = "similar"
    LOWER = "lower"

    @property
    def sentence(self) -> str:
        return {
            Verdict.HIGHER: "higher than similar authorities",
            Verdict.SIMILAR: "similar to the average for similar authorities",
            Verdict.LOWER: "lower than similar authorities",
        }[self]


@dataclass(frozen=True)
class Interval:
    """A 95% confidence interval, as exact fractions of the figure's unit."""

    low: Fraction
    high: Fraction


@dataclass(frozen=True)
class Rate:
    """numerator of base, e.g. 3 upheld of 24 investigated. A zero base has no figure."""

    numerator: int
    base: int

    def __post_init__(self):
        if not 0 <= self.numerator <= self.base:
            raise ValueError(
                f"a rate needs 0 <= numerator <= base, got {self.numerator}/{self.base}"
            )

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.numerator, self.base) if self.base else None

    @cached_property
    def percent(self) -> int | None:
        """The published whole percentage (half up), or None when there is no figure."""
        if not self.base:
            return None
        return (200 * self.numerator + self.base) // (2 * self.base)

    @property
    def small_base(self) -> bool:
        return 0 < self.base < SMALL_BASE

    @cached_property
    def interval(self) -> Interval | None:
        """The 95% Wilson score interval, which stays inside 0-1 even for 0 of 3 or 3 of 3.

        In 40-digit Decimals (an interval is an estimate: exact fractions buy nothing here and
        cost a page of every council its speed); cached, as tables ask for it more than once.
        """
        if not self.base:
            return None
        with localcontext() as context:
            context.prec = 40
            n = Decimal(self.base)
            p = Decimal(self.numerator) / n
            z2 = Z_95 * Z_95
            denominator = 1 + z2 / n
            centre = (p + z2 / (2 * n)) / denominator
            spread = Z_95 * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt() / denominator
            low, high = max(Decimal(0), centre - spread), min(Decimal(1), centre + spread)
        return Interval(Fraction(low), Fraction(high))

    @property
    def interval_percent(self) -> tuple[int, int] | None:
        interval = self.interval
        if interval is None:
            return None
        return (
            int(round_half_up(interval.low * 100)),
            int(round_half_up(interval.high * 100)),
        )


@dataclass(frozen=True)
class PerResidents:
    """count per 100,000 residents. No population (0) means no figure."""

    count: int
    population: int

    @property
    def base(self) -> int:
        return self.population

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.count * PER_RESIDENTS, self.population) if self.population else None

    @property
    def rounded(self) -> Decimal | None:
        """The published figure: one decimal place, half up."""
        value = self.value
        return None if value is None else round_half_up(value, 1)

    @property
    def small_base(self) -> bool:
        return 0 < self.population < SMALL_BASE

    @cached_property
    def interval(self) -> Interval | None:
        """95% interval on the Poisson count (Byar's approximation), scaled per 100,000."""
        if not self.population:
            return None
        with localcontext() as context:
            context.prec = 40
            x = Decimal(self.count)
            low = Decimal(0)
            if x > 0:
                low = x * (1 - 1 / (9 * x) - Z_95 / (3 * x.sqrt())) ** 3
            high = (x + 1) * (1 - 1 / (9 * (x + 1)) + Z_95 / (3 * (x + 1).sqrt())) ** 3
        scale = Fraction(PER_RESIDENTS, self.population)
        return Interval(Fraction(max(Decimal(0), low)) * scale, Fraction(high) * scale)


class Statistic(enum.StrEnum):
    """The four published statistics, named as in the open-data columns."""

    UPHOLD = "uphold_rate"
    COMPLIANCE = "compliance_rate"
    REMEDY = "satisfactory_remedy_rate"
    PER_100K = "upheld_per_100k"

    @property
    def label(self) -> str:
        return {
            Statistic.UPHOLD: "Complaints upheld",
            Statistic.COMPLIANCE: "Compliance with recommendations",
            Statistic.REMEDY: "Satisfactory remedy provided by the council",
            Statistic.PER_100K: "Upheld decisions per 100,000 residents",
        }[self]


@dataclass(frozen=True)
class Figures:
    """The four statistics for one council (or a pooled group) in one year."""

    uphold: Rate = Rate(0, 0)
    compliance: Rate = Rate(0, 0)
    remedy: Rate = Rate(0, 0)
    per_100k: PerResidents = PerResidents(0, 0)

    def get(self, statistic: Statistic) -> Rate | PerResidents:
        return {
            Statistic.UPHOLD: self.uphold,
            Statistic.COMPLIANCE: self.compliance,
            Statistic.REMEDY: self.remedy,
            Statistic.PER_100K: self.per_100k,
        }[statistic]

    @property
    def investigations(self) -> int:
        return self.uphold.base

    @property
    def upheld(self) -> int:
        return self.uphold.numerator

    @classmethod
    def pooled(cls, many: Iterable[Figures]) -> Figures:
        """Sum of numerators over sum of bases. Per-100k pools only councils with a population."""
        many = list(many)  # summed as plain integers: a council page pools every council of 7 years
        return cls(
            uphold=Rate(sum(f.uphold.numerator for f in many), sum(f.uphold.base for f in many)),
            compliance=Rate(
                sum(f.compliance.numerator for f in many), sum(f.compliance.base for f in many)
            ),
            remedy=Rate(sum(f.remedy.numerator for f in many), sum(f.remedy.base for f in many)),
            per_100k=PerResidents(
                sum(f.per_100k.count for f in many), sum(f.per_100k.population for f in many)
            ),
        )


def verdict(figure: Rate | PerResidents, average: Rate | PerResidents) -> Verdict | None:
    """Higher or lower only when the 95% interval lies wholly above or below the average."""
    if figure.base < NO_VERDICT_BASE or average.value is None:
        return None
    interval = figure.interval
    if interval.low > average.value:
        return Verdict.HIGHER
    if interval.high < average.value:
        return Verdict.LOWER
    return Verdict.SIMILAR
