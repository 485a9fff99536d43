"""A council's page: its figures for a year against similar authorities, its trend, and what
was published about its complaints."""

import re

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control

from councils import memo
from councils.models import Council, CouncilType, Decision, Recommendation
from councils.pages import share, tables, trend
from councils.pages.choices import YearChoice, choose_year
from councils.pages.wording import sentences
from councils.statistics import CouncilRef, Figures, Statistic, council_year_counts

GSS_CODE_RE = re.compile(r"^[EWSN]\d{8}$", re.IGNORECASE)
OVERVIEW_FROM = "2024-25"  # the year the Ombudsman's outcome-group wording starts


def council_by_code(request: HttpRequest, code: str, year: str | None = None):
    council = Council.objects.with_code(code).first()
    if council is None:
        raise Http404("No council has that code.")
    if year:
        return redirect("council-year", slug=council.slug, year=year, permanent=True)
    return redirect("council", slug=council.slug, permanent=True)


def council(request: HttpRequest, slug: str, year: str | None = None):
    if GSS_CODE_RE.match(slug):
        return council_by_code(request, slug, year)
    council = get_object_or_404(Council.objects.select_related("county", "type"), slug=slug)
    choice = choose_year(request, request.GET.get("year", year), council)
    if "year" in request.GET:  # the year selector's form: go to that year's own URL, if any
        return redirect("council-year", slug, choice.year)
    context = {"council": council, "choice": choice}
    if choice.year is not None:
        # One statistics pass over every visible year gives the trend and the chosen year.
        per_year = memo.statistics(request, choice.years)
        context.update(_year_context(council, choice, per_year))
    response = render(request, "councils/council.html", context)
    if choice.preview:  # figures the public may not see yet: kept by no cache on the way
        patch_cache_control(response, private=True, no_store=True)
    return response


def _year_context(council: Council, choice: YearChoice, per_year) -> dict:
    stats = per_year[choice.year.label]
    own = stats.for_council(council.pk)
    figures_ = own.figures if own else Figures()
    similar = stats.by_type.get(council.type_id) or Figures()
    year = choice.year
    key_statistics = [
        {
            "statistic": statistic,
            "sentences": sentences(statistic, figures_, similar, year.period),
            "cell": tables.figure_cell(figures_.get(statistic)),
            "similar": tables.figure_cell(similar.get(statistic)),
            "national": tables.figure_cell(stats.national.get(statistic)),
            "verdict": own.verdict(statistic) if own else None,
        }
        for statistic in Statistic
    ]
    # Reports, improvements and decisions are public only three months after the decision.
    published = Decision.objects.for_council(council).decided_in(year).published()
    published = published.select_related("category")
    trend_rows = trend.council_trend_rows(council, per_year)
    return {
        "key_statistics": key_statistics,
        "summary": share.council_summary(stats, council),  # for link previews
        "counts": council_year_counts(council, year),
        "show_overview": year.label >= OVERVIEW_FROM,
        "public_reports": list(published.public_reports().order_by("-decided")),
        "service_improvements": list(
            Recommendation.objects.service_improvements()
            .filter(decision__in=published)
            .select_related("decision__category")
            .order_by("-decision__decided")
        ),
        "published_decisions": list(published.order_by("-decided", "reference")[:50]),
        "trend": trend_rows,
        "trend_chart": trend.trend_chart(council, trend_rows),
        **_county_districts(council, stats),
    }


def _county_districts(council: Council, stats) -> dict:
    """A county page lists its districts with their figures."""
    if council.type_id != CouncilType.COUNTY:
        return {}
    districts = Council.objects.districts_of(council).values(
        *CouncilRef.FIELDS, "ceased_on", **CouncilRef.EXPRESSIONS
    )
    refs, former = [], set()
    for row in districts:
        if row.pop("ceased_on"):
            former.add(row["id"])
        refs.append(CouncilRef(**row))
    return {
        "districts": tables.district_rows(stats, refs, former),
        "district_statistics": tables.RATES,
    }
