"""Compare the councils someone chooses: 2 to 5 councils picked by name, side by side.

`/compare/?councils=ashfield&councils=leeds&year=2023-24`: the choice lives in the URL (one
`councils` parameter per council, by slug), so it can be bookmarked and shared, and the form that
makes it is a plain GET form that works without JavaScript. A council typed by its name (the
form's fields suggest names) is looked up and the page redirects to the URL with slugs.

Each council is shown with the average of its own type (types may differ), its base, its 95%
range, the small-number flags and the verdict, for the chosen year and over every visible year.
Councils are listed in the order chosen, never ranked.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from councils import memo
from councils.models import Council
from councils.pages import tables, trend
from councils.pages.choices import YearChoice, choose_year
from councils.statistics import CouncilRef, Statistic, YearStatistics

MIN_COUNCILS = 2
MAX_COUNCILS = 5
MAX_NAME_LENGTH = 150  # the longest official name a council may have


@dataclass(frozen=True)
class Choice:
    """The councils found for what was asked, in the order asked, and what was not found."""

    councils: list[Council]
    unknown: list[str]
    asked: list[str]

    @property
    def canonical(self) -> bool:
        """Every council was asked for by its slug, once."""
        return not self.unknown and [c.slug for c in self.councils] == self.asked

    @property
    def problem(self) -> str:
        if self.unknown:
            names = ", ".join(f"“{name}”" for name in self.unknown)
            return f"We could not find a council called {names}. Check the spelling."
        # One council is where "Compare with…" on its page starts: not a mistake.
        if len(self.asked) >= MIN_COUNCILS and len(self.councils) < MIN_COUNCILS:
            return f"Choose at least {MIN_COUNCILS} different councils to compare."
        if len(self.councils) > MAX_COUNCILS:
            return f"Choose at most {MAX_COUNCILS} councils: the first {MAX_COUNCILS} are shown."
        return ""


def find_councils(asked: list[str]) -> Choice:
    """Each value as a slug, a name or an official name, case-insensitive (one query)."""
    asked = [value.strip() for value in asked if value.strip()][: MAX_COUNCILS + 1]
    asked = [value for value in asked if len(value) <= MAX_NAME_LENGTH]
    if not asked:
        return Choice([], [], [])
    match = Q(slug__in=asked)
    for value in asked:
        match |= Q(name__iexact=value) | Q(official_name__iexact=value)
    candidates = list(Council.objects.filter(match).select_related("type"))
    found, unknown = [], []
    for value in asked:
        key = value.casefold()
        council = next(
            (
                c
                for c in candidates
                if key in (c.slug, c.name.casefold(), c.official_name.casefold())
            ),
            None,
        )
        if council is None:
            unknown.append(value)
        elif council not in found:
            found.append(council)
    return Choice(found, unknown, asked)


def compare_url(councils: list[Council], year: str | None = None) -> str:
    query = [("councils", c.slug) for c in councils] + ([("year", year)] if year else [])
    return f"{reverse('compare-councils')}?{urlencode(query)}"


@dataclass(frozen=True)
class StatisticComparison:
    """One statistic for the chosen councils: the year's rows, then a row per year."""

    statistic: Statistic
    rows: list[tables.CouncilRow]  # in the order chosen
    years: list[dict]  # {"year", "cells": [(own PublishedFigure or None, similar PublishedFigure)]}


def comparisons(
    councils: list[Council], year_stats: YearStatistics, per_year: dict[str, YearStatistics]
) -> list[StatisticComparison]:
    refs = [CouncilRef.of(c) for c in councils]
    trends = [trend.council_trend_rows(c, per_year) for c in councils]
    result = []
    for statistic in Statistic:
        rows = [tables.council_rows(year_stats, statistic, [ref])[0] for ref in refs]
        years = [
            {
                "year": rows_of_year[0]["year"],
                "cells": [
                    ((row["cells"] or {}).get(statistic.value), row["similar"][statistic.value])
                    for row in rows_of_year
                ],
            }
            for rows_of_year in zip(*trends, strict=True)
        ]
        result.append(StatisticComparison(statistic, rows, years))
    return result


def council_names() -> list[str]:
    """Every council's official name, for the form's suggestions (one query)."""
    return list(Council.objects.order_by("name").values_list("official_name", flat=True))


def compare_councils(request: HttpRequest):
    choice = find_councils(request.GET.getlist("councils"))
    label = request.GET.get("year") or None
    if choice.councils and not choice.canonical and not choice.unknown:
        return redirect(compare_url(choice.councils[:MAX_COUNCILS], label))
    year_choice: YearChoice = choose_year(request, label)
    councils = choice.councils[:MAX_COUNCILS]
    context = {
        "choice": year_choice,
        "asked": choice.asked,
        "councils": councils,
        "problem": choice.problem,
        "fields": _fields(choice),
        "names": council_names(),
        "min_councils": MIN_COUNCILS,
        "max_councils": MAX_COUNCILS,
    }
    if year_choice.year is not None and len(councils) >= MIN_COUNCILS:
        per_year = memo.statistics(request, year_choice.years)
        context["comparisons"] = comparisons(councils, per_year[year_choice.year.label], per_year)
    response = render(request, "councils/compare_councils.html", context)
    if year_choice.preview:  # figures the public may not see yet: kept by no cache on the way
        patch_cache_control(response, private=True, no_store=True)
    return response


def _fields(choice: Choice) -> list[str]:
    """The form's council fields, filled with what was asked, as many as may be chosen."""
    values = [c.official_name for c in choice.councils] + choice.unknown
    return (values + [""] * MAX_COUNCILS)[:MAX_COUNCILS]
