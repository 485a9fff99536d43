"""A read-only JSON API under /api/: councils, a council's figures, the years and a year's figures.

Public years only, for everyone. Written with django-ninja: each operation declares its
parameters and answer (`councils.opendata.api_schemas`), ninja checks both and writes the
OpenAPI document from them, served at /api/schema/ and shown as the docs page at /api/. A
council's figures use the open-data column names (`councils.opendata.published`), so the files
and the API never drift apart.

Every operation is served by the page layer (`councils.caching.public_page`: an ETag, a 304
before anything is computed, the shared cache), GET and HEAD only, like the downloads (`urls()`).
"""

from __future__ import annotations

import functools
import hashlib
from typing import Annotated
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Query
from ninja import Path as PathParameter
from ninja.errors import HttpError, ValidationError
from ninja.renderers import JSONRenderer
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from councils import memo
from councils.caching import public_page
from councils.models import Council, CouncilType, ReportingYear
from councils.opendata import api_schemas as schemas
from councils.opendata.published import (
    STATISTICS_COLUMNS,
    OpenDataEncoder,
    council_rows,
    figure_fields,
    year_rows,
)
from councils.opendata.views import (
    FORMATS,
    find_council,
    find_year,
)
from councils.statistics import Figures

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class OpenDataRenderer(JSONRenderer):
    encoder_class = OpenDataEncoder  # per-100k figures as JSON numbers, dates as YYYY-MM-DD


class OpenDataAPI(NinjaAPI):
    def get_content_type(self) -> str:
        return "application/json"  # as the API has always said (JSON is UTF-8 by definition)


api = OpenDataAPI(
    title="Your council's performance: open data API",
    version="1.0",
    description=(
        "Read-only figures about complaints to the Local Government and Social Care "
        "Ombudsman about England's councils, for published reporting years only. No "
        "authentication. Rates are whole percentages rounded half up; upheld_per_100k is a "
        "number with one decimal place; null where there is no figure (a zero base). "
        "Averages pool every council of the same type. Open Government Licence v3.0."
    ),
    openapi_extra={
        "info": {
            "license": {
                "name": "Open Government Licence v3.0",
                "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            }
        }
    },
    urls_namespace="api",
    renderer=OpenDataRenderer(),
    openapi_url=None,  # served by `schema` below, with the docs page's caching
    docs_url=None,
)

# What every operation's description adds to ninja's: the validators and the 304.
_RESPONSES = {
    "responses": {
        200: {
            "headers": {
                "ETag": {"schema": {"type": "string"}, "description": "Changes with the data."},
                "Cache-Control": {
                    "schema": {"type": "string"},
                    "description": "public, with max-age (browsers) and s-maxage (proxies)",
                },
            }
        },
        304: {"description": "Not modified: the copy named by If-None-Match is current."},
        404: {"description": "Not found, or not published yet."},
    }
}
# The query parameters each operation reads: the page cache keys on these and drops the rest.
_QUERY_PARAMETERS: dict[str, tuple[str, ...]] = {}


def read_only(route: str, name: str, response: dict, parameters: tuple[str, ...] = (), **details):
    """Register a view for GET (described) and HEAD (answered alike, not described)."""

    def register(view):
        api.get(route, response=response, url_name=name, openapi_extra=_RESPONSES, **details)(view)
        api.api_operation(["HEAD"], route, response=response, include_in_schema=False)(view)
        _QUERY_PARAMETERS[name] = parameters
        return view

    return register


def whole_number(maximum: int):
    """A query parameter holding a whole number from 1 to `maximum`, in digits only."""

    def check(raw: object) -> int:
        # The length check first: int() refuses strings of thousands of digits.
        if not (
            isinstance(raw, str)
            and raw.isascii()
            and raw.isdigit()
            and len(raw) <= 10
            and 1 <= int(raw) <= maximum
        ):
            raise PydanticCustomError(
                "whole_number", "must be a whole number from 1 to {maximum}", {"maximum": maximum}
            )
        return int(raw)

    return Annotated[
        int,
        BeforeValidator(check),
        WithJsonSchema({"type": "integer", "minimum": 1, "maximum": maximum}),
    ]


def council_type(raw: object) -> str:
    """The `type` parameter: an unknown type is a 404, like an unknown council."""
    if raw not in CouncilType.SLUGS:
        raise PydanticCustomError(
            "not_found", "There is no council type {type}.", {"type": repr(raw)}
        )
    return raw


# When several parameters are wrong, the one named: in the order the API has always checked them.
_REPORTED_FIRST = ("type", "q", "page_size", "page")


@api.exception_handler(ValidationError)
def bad_parameter(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """404 for an unknown value; else 400 naming the malformed parameter, e.g. "page must be a
    whole number from 1 to 1000000000."."""
    first = min(error.errors, key=lambda e: _REPORTED_FIRST.index(e["loc"][-1]))
    if first["type"] == "not_found":
        return api.create_response(request, {"detail": first["msg"]}, status=404)
    detail = f"{first['loc'][-1]} {first['msg']}."
    return api.create_response(request, {"detail": detail}, status=400)


def council_summary(council: Council) -> dict[str, object]:
    return {
        "code": council.code,
        "name": council.name,
        "official_name": council.official_name,
        "slug": council.slug,
        "type": council.type_id,
        "county_code": council.county.code if council.county else None,
        "ceased_on": council.ceased_on,
        "url": reverse("api:council", args=[council.slug]),
    }


def year_summary(year: ReportingYear) -> dict[str, object]:
    return {
        "label": year.label,
        "start": year.start,
        "end": year.end,
        "published_on": year.published_on,
        "note": year.note,
        "url": reverse("api:year", args=[year.label]),
        "downloads": {
            fmt: reverse("opendata:year-statistics", args=[year.label, fmt]) for fmt in FORMATS
        },
    }


@read_only(
    "/councils/",
    "councils",
    {200: schemas.CouncilPage, 400: schemas.Error, 404: schemas.Error},
    ("type", "q", "page_size", "page"),
    operation_id="listCouncils",
    summary="Councils",
    description="Every council, current and former, by name, a page at a time.",
)
def council_list(
    request: HttpRequest,
    type: Annotated[schemas.CouncilTypeSlug, BeforeValidator(council_type)] = Query(
        None, description="Only councils of this type (an unknown type is a 404)."
    ),
    q: str = Query(
        "",
        description="Only councils whose area or official name contains this.",
        pattern=r"^[^\u0000]*$",  # a NUL is refused before (ombudsman.request_input)
    ),
    page: whole_number(10**9) = Query(
        1, description="The page number (a page past the last is a 404)."
    ),
    page_size: whole_number(MAX_PAGE_SIZE) = Query(
        DEFAULT_PAGE_SIZE, description="Councils per page."
    ),
):
    councils = Council.objects.select_related("county").order_by("name", "code")
    if type is not None:
        councils = councils.of_type(type)
    search = q.strip()
    if search:
        councils = councils.filter(Q(name__icontains=search) | Q(official_name__icontains=search))
    paginator = Paginator(councils, page_size)
    try:
        found = paginator.page(page)
    except EmptyPage:
        raise HttpError(404, f"There is no page {page}.") from None

    def link(to: int) -> str:
        return f"{request.path}?{urlencode({**request.GET.dict(), 'page': to})}"

    return {
        "count": paginator.count,
        "page": page,
        "page_size": page_size,
        "next": link(page + 1) if found.has_next() else None,
        "previous": link(page - 1) if found.has_previous() else None,
        "results": [council_summary(council) for council in found],
    }


@read_only(
    "/councils/{key}/",
    "council",
    {200: schemas.CouncilDetail, 404: schemas.Error},
    operation_id="getCouncil",
    summary="A council and its figures",
    description=(
        "One council, by slug or by GSS code (current or previous), with its figures for every "
        "published year in which it had data or a population."
    ),
)
def council_detail(
    request: HttpRequest,
    key: str = PathParameter(
        description="A slug (ashfield) or GSS code (E07000170).", examples=["ashfield"]
    ),
):
    council = find_council(key)
    if council is None:
        raise HttpError(404, f"There is no council {key!r}.")
    return {
        **council_summary(council),
        "previous_codes": [code.code for code in council.previous_codes.all()],
        "page_url": council.get_absolute_url(),
        "downloads": {
            f"{name}_{fmt}": reverse(f"opendata:council-{name}", args=[council.slug, fmt])
            for name in schemas.COUNCIL_FILES
            for fmt in FORMATS
        },
        "statistics": council_rows(
            council.pk, memo.statistics(request, request.public_years).values()
        ),
    }


@read_only(
    "/years/",
    "years",
    {200: schemas.YearList},
    operation_id="listYears",
    summary="Published years",
    description="Every published reporting year, oldest first, with its note.",
)
def year_list(request: HttpRequest):
    return {"results": [year_summary(year) for year in request.public_years]}


@read_only(
    "/years/{year}/",
    "year",
    {200: schemas.YearDetail, 404: schemas.Error},
    operation_id="getYear",
    summary="A year's figures",
    description=(
        "Every council's figures for a published year, with the average for each council type "
        "and the figures for England."
    ),
)
def year_detail(
    request: HttpRequest,
    year: schemas.YearLabel = PathParameter(description="A reporting year label."),
):
    reporting_year = find_year(request.public_years, year)
    if reporting_year is None:
        raise HttpError(404, f"There are no published figures for the year {year!r}.")
    stats = memo.year_statistics(request, reporting_year)
    return {
        "year": year_summary(reporting_year),
        "councils": year_rows(stats),
        "averages": {
            council_type: figure_fields(stats.by_type.get(council_type, Figures()))
            for council_type in CouncilType.SLUGS
        },
        "national": figure_fields(stats.national),
    }


def _behind_open_data(operation_view, parameters: tuple[str, ...]):
    """Ninja's view for a route, served as every open-data answer is: GET and HEAD only, from
    the page layer; the operations find the public years on the request."""

    @csrf_exempt
    @require_safe
    def endpoint(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.public_years = list(ReportingYear.objects.public())
        return operation_view(request, *args, **kwargs)

    return public_page(endpoint, params=parameters)


def urls() -> list[URLPattern]:
    return [
        path(
            str(route.pattern),
            _behind_open_data(route.callback, _QUERY_PARAMETERS[route.name]),
            name=route.name,
        )
        for route in api.urls[0]
        if route.name in _QUERY_PARAMETERS  # the HEAD operations share their GET's route
    ]


@functools.cache
def openapi_schema() -> dict:
    """Written once per process: it depends on the code alone."""
    return api.get_openapi_schema(path_prefix=reverse("api:docs").lstrip("/"))


@csrf_exempt
@require_safe
def not_found(request: HttpRequest) -> HttpResponse:
    return api.create_response(
        request, {"detail": "There is no such API endpoint. See /api/."}, status=404
    )


@csrf_exempt
@require_safe
def schema(request: HttpRequest) -> HttpResponse:
    """The same for everyone until the next release: outside the page layer (no data version
    to read), public with an ETag of the release, which the page layer answers with a 304."""
    response = api.create_response(request, openapi_schema(), status=200)
    release = hashlib.sha256(settings.RELEASE.encode()).hexdigest()[:32]
    response["ETag"] = f'W/"{release}"'
    patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_SECONDS)
    return response


@csrf_exempt
@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    paths = openapi_schema()["paths"]
    endpoints = [{"path": route, **operation["get"]} for route, operation in paths.items()]
    return render(
        request,
        "councils/api_docs.html",
        {"endpoints": endpoints, "statistics_columns": STATISTICS_COLUMNS},
    )
