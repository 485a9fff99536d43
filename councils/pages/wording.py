"""The Ombudsman's sentences for each statistic, shared by council pages and letters.

SPEC: "81% of complaints we investigated were upheld. This compares to an average of 85% in
similar authorities." followed by "Statistics are based on a total of 94 detailed investigations
for the period between 1 April 2023 to 31 March 2024."
"""

from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma

from councils.statistics import Figures, PerResidents, PublishedFigure, Statistic


@dataclass(frozen=True)
class StatisticSentences:
    statistic: Statistic
    headline: str  # the figure itself, or why there is none
    comparison: str  # against similar authorities ("" when either side has no figure)
    basis: str  # what the figure is based on, and the period


# statistic: (sentence with {figure}, what a unit of the base is called, sentence for a zero base)
_RATE_WORDING = {
    Statistic.UPHOLD: (
        "{figure} of complaints we investigated were upheld.",
        ("detailed investigation", "detailed investigations"),
        "We did not complete any detailed investigations about this council in this period.",
    ),
    Statistic.COMPLIANCE: (
        "In {figure} of cases we were satisfied the council had successfully implemented "
        "our recommendations.",
        ("compliance outcome", "compliance outcomes"),
        "We recorded no compliance outcomes for this council in this period.",
    ),
    Statistic.REMEDY: (
        "In {figure} of upheld cases we found the council had provided a satisfactory remedy "
        "before the complaint reached the Ombudsman.",
        ("upheld decision", "upheld decisions"),
        "We upheld no complaints about this council in this period, so there is no figure.",
    ),
}


def _counted(count: int, unit: tuple[str, str]) -> str:
    return f"{intcomma(count)} {unit[0] if count == 1 else unit[1]}"


def sentences(
    statistic: Statistic, own: Figures, similar: Figures, period: str
) -> StatisticSentences:
    """The headline, comparison and basis sentences for one statistic of one council-year.

    `period` is e.g. "1 April 2023 to 31 March 2024".
    """
    if statistic is Statistic.PER_100K:
        return _per_100k_sentences(own.per_100k, similar.per_100k, period)
    template, unit, zero = _RATE_WORDING[statistic]
    rate, average = PublishedFigure(own.get(statistic)), PublishedFigure(similar.get(statistic))
    if rate.value is None:
        return StatisticSentences(statistic, zero, "", "")
    return StatisticSentences(
        statistic,
        template.format(figure=rate.display),
        _comparison(average),
        f"Statistics are based on a total of {_counted(rate.base, unit)} for the period between "
        f"{period}.",
    )


def _comparison(average: PublishedFigure) -> str:
    """Against similar authorities; "" when they have no figure."""
    if average.value is None:
        return ""
    return f"This compares to an average of {average.display} in similar authorities."


def _per_100k_sentences(
    figure: PerResidents, average: PerResidents, period: str
) -> StatisticSentences:
    shown = PublishedFigure(figure)
    if shown.value is None:
        return StatisticSentences(
            Statistic.PER_100K, "We do not have a population figure for this council.", "", ""
        )
    return StatisticSentences(
        Statistic.PER_100K,
        f"We upheld {shown.display} complaints per 100,000 residents.",
        _comparison(PublishedFigure(average)),
        f"Based on {_counted(figure.count, ('upheld decision', 'upheld decisions'))} and a "
        f"population of {intcomma(figure.population)} for the period between {period}.",
    )
