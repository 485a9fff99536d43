"""A figure as it is published and shown: the one place its rounding and its words are decided.

Tables, the council page's sentences, open data and letter snapshots all take a figure's
published value and its display text from `PublishedFigure`: a whole percentage (half up) for a
rate, one decimal place for upheld per 100,000 residents, and "no figure" on a zero base.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from councils.statistics.figures import NO_VERDICT_BASE, PerResidents, Rate, round_half_up

NO_FIGURE = "no figure"


@dataclass(frozen=True)
class PublishedFigure:
    """One statistic's published value, ready to display."""

    figure: Rate | PerResidents

    @property
    def is_rate(self) -> bool:
        return isinstance(self.figure, Rate)

    @cached_property
    def value(self) -> int | Decimal | None:
        """Whole percent for a rate, per-100k to one decimal place; None: no figure."""
        return self.figure.percent if self.is_rate else self.figure.rounded

    @property
    def unit(self) -> str:
        return "%" if self.is_rate else ""

    @property
    def display(self) -> str:
        return display(self.value, self.unit)

    @property
    def base(self) -> int:
        return self.figure.base

    @property
    def small_base(self) -> bool:
        return self.figure.small_base

    @property
    def greyed(self) -> bool:
        """A base under 5: no verdict, shown greyed."""
        return self.figure.base < NO_VERDICT_BASE

    @cached_property
    def interval(self) -> tuple[int, int] | tuple[Decimal, Decimal] | None:
        """The 95% range, rounded as the value is."""
        if self.is_rate:
            return self.figure.interval_percent
        interval = self.figure.interval
        if interval is None:
            return None
        return round_half_up(interval.low, 1), round_half_up(interval.high, 1)


def display(value: int | Decimal | None, unit: str) -> str:
    """A published value as shown: "13%", "2.5", or "no figure". Letters show their frozen
    values with it."""
    return NO_FIGURE if value is None else f"{value}{unit}"


def published(figure: Rate | PerResidents) -> int | Decimal | None:
    """The published value alone, as open data and letter snapshots hold it."""
    return PublishedFigure(figure).value
