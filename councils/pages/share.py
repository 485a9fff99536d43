"""What a shared link says about a council: its headline figure, for link previews.

The council page's description (and so its Open Graph and Twitter tags) carries the uphold rate
in the Ombudsman's words, so a link shared on publication day shows the council and its figure.
"""

from councils.models import Council
from councils.pages.wording import sentences
from councils.statistics import Figures, Statistic, YearStatistics


def council_summary(stats: YearStatistics, council: Council) -> str:
    """The year's uphold rate, the similar-authority average and its base, in sentences."""
    own = stats.for_council(council.pk)
    said = sentences(
        Statistic.UPHOLD,
        own.figures if own else Figures(),
        stats.by_type.get(council.type_id, Figures()),
        stats.year.period,
    )
    return " ".join(part for part in (said.headline, said.comparison, said.basis) if part)
