"""Open data downloads: a year's statistics, a council's yearly figures and its decisions.

Open data is public years only, for everyone, staff included: an unpublished year does not exist
here. Every response is validated by the data version and the public years alone, so a repeated
request is answered 304 before any figure is figures. Every file is written by
`councils.opendata.exports.download`: a new download builds its rows and calls it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from councils import memo, revisions
from councils.models import Council, ReportingYear
from councils.opendata.exports import download
from councils.opendata.published import (
    CATEGORY_COLUMNS,
    DECISION_COLUMNS,
    REVISION_COLUMNS,
    STATISTICS_COLUMNS,
    category_rows,
    council_rows,
    decision_rows,
    revision_rows,
    year_rows,
)
from councils.statistics import category_statistics

FORMATS = ("csv", "xlsx", "json")

COUNCIL_KEY_RE = re.compile(r"[-a-zA-Z0-9_]{1,100}")
CODE_RE = re.compile(r"[Ee]\d{8}")

PublicView = Callable[..., HttpResponse]


def public_open_data(view: PublicView) -> PublicView:
    """GET/HEAD only, no CSRF check (nothing here changes state); the view gets the public years.

    Caching, ETags and 304s are the page layer's (`councils.caching.public_page`, in urls.py).
    """

    @csrf_exempt
    @require_safe
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return view(request, list(ReportingYear.objects.public()), *args, **kwargs)

    return wrapped


def find_council(key: str) -> Council | None:
    """A council by slug, or by its current or a previous GSS code (one query).

    Anything shaped like neither is not looked up at all (PostgreSQL refuses a NUL character).
    """
    if not COUNCIL_KEY_RE.fullmatch(key):
        return None
    councils = Council.objects.select_related("county")
    councils = councils.with_code(key) if CODE_RE.fullmatch(key) else councils.filter(slug=key)
    return councils.first()


def find_year(years: Sequence[ReportingYear], label: str) -> ReportingYear | None:
    """A public year by its label; None for an unpublished, unknown or malformed one."""
    return next((year for year in years if year.label == label), None)


def not_found(message: str) -> HttpResponse:
    return HttpResponseNotFound(message + "\n", content_type="text/plain; charset=utf-8")


@public_open_data
def index(request: HttpRequest, public_years: list[ReportingYear]) -> HttpResponse:
    return render(
        request,
        "councils/data.html",
        {
            "years": sorted(public_years, key=lambda year: year.start, reverse=True),
            "statistics_columns": STATISTICS_COLUMNS,
            "decision_columns": DECISION_COLUMNS,
            "category_columns": CATEGORY_COLUMNS,
            "revision_columns": REVISION_COLUMNS,
            "formats": FORMATS,
        },
    )


def _year_file(public_years, year: str, fmt: str, name: str, columns, rows_for) -> HttpResponse:
    """A public year's file, `rows_for(reporting_year)` in `columns`, or a plain-text 404."""
    reporting_year = find_year(public_years, year)
    if reporting_year is None:
        return not_found(f"There are no published figures for the year {year!r}.")
    return download(fmt, columns, rows_for(reporting_year), f"{name}-{year}")


@public_open_data
def year_statistics_file(
    request: HttpRequest, public_years: list[ReportingYear], year: str, fmt: str
) -> HttpResponse:
    def rows(reporting_year):
        return year_rows(memo.year_statistics(request, reporting_year))

    return _year_file(public_years, year, fmt, "council-statistics", STATISTICS_COLUMNS, rows)


@public_open_data
def year_categories_file(
    request: HttpRequest, public_years: list[ReportingYear], year: str, fmt: str
) -> HttpResponse:
    def rows(reporting_year):
        return category_rows(category_statistics(reporting_year), reporting_year.label)

    return _year_file(public_years, year, fmt, "categories", CATEGORY_COLUMNS, rows)


@public_open_data
def year_revisions_file(
    request: HttpRequest, public_years: list[ReportingYear], year: str, fmt: str
) -> HttpResponse:
    def rows(reporting_year):
        return revision_rows(revisions.year_revisions(reporting_year))

    return _year_file(public_years, year, fmt, "revisions", REVISION_COLUMNS, rows)


@public_open_data
def council_statistics_file(
    request: HttpRequest, public_years: list[ReportingYear], slug: str, fmt: str
) -> HttpResponse:
    council = find_council(slug)
    if council is None:
        return not_found(f"There is no council {slug!r}.")
    rows = council_rows(council.pk, memo.statistics(request, public_years).values())
    return download(fmt, STATISTICS_COLUMNS, rows, f"{council.slug}-statistics")


@public_open_data
def council_decisions_file(
    request: HttpRequest, public_years: list[ReportingYear], slug: str, fmt: str
) -> HttpResponse:
    council = find_council(slug)
    if council is None:
        return not_found(f"There is no council {slug!r}.")
    rows = decision_rows(council, public_years)
    return download(fmt, DECISION_COLUMNS, rows, f"{council.slug}-decisions")
