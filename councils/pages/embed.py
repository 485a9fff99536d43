"""An embeddable council card, `/embed/councils/<slug>/` (and `/<year>/`), for other sites.

It shows the three statistics of the council's latest published year (or the year in the URL)
with their bases and the averages for similar authorities, and links back to the council's page.

Other sites may frame these URLs and only these: `ombudsman.middleware` replaces the policy's
`frame-ancestors 'none'` with `*` and drops X-Frame-Options under its EMBED_PREFIX. The card is the
same for everyone (public years only, even for staff: it is shown on other sites), uses no
session, no CSRF token and no script, so it sets no cookie and is cached like every public page.
"""

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, render

from councils import memo
from councils.models import Council, ReportingYear
from councils.pages import tables
from councils.statistics import Figures, Statistic

CARD_STATISTICS = (Statistic.UPHOLD, Statistic.COMPLIANCE, Statistic.REMEDY)


def _public_year(council: Council, label: str | None) -> ReportingYear:
    """The year `label` if public (404 otherwise), else the council's latest public year."""
    years = [
        y
        for y in ReportingYear.objects.public()
        if not council.ceased_on or y.start < council.ceased_on
    ]
    if label is not None:
        years = [y for y in years if y.label == label]
    if not years:
        raise Http404("No published figures.")
    return years[-1]


def council_card(request: HttpRequest, slug: str, year: str | None = None):
    council = get_object_or_404(Council.objects.select_related("type"), slug=slug)
    reporting_year = _public_year(council, year)
    stats = memo.year_statistics(request, reporting_year)
    own = stats.for_council(council.pk)
    own_figures = own.figures if own else Figures()
    similar = stats.by_type.get(council.type_id, Figures())
    return render(
        request,
        "embed/council_card.html",
        {
            "council": council,
            "year": reporting_year,
            "statistics": [
                {
                    "statistic": statistic,
                    "cell": tables.figure_cell(own_figures.get(statistic)),
                    "similar": tables.figure_cell(similar.get(statistic)),
                }
                for statistic in CARD_STATISTICS
            ],
        },
    )
