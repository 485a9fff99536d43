"""A read-only JSON API under /api/: councils, a council's figures, the years and a year's figures.

Public years only, for everyone. A council's figures use the open-data column names
(`councils.opendata.published`), so the files and the API never drift apart.
`OPENAPI_SCHEMA` describes every endpoint; it is served at /api/schema/ and rendered as the docs
page at /api/.
"""

from __future__ import annotations

import hashlib
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from councils import figures
from councils.models import Council, CouncilType, ReportingYear
from councils.opendata.published import (
    FIGURE_FIELDS,
    STATISTICS_COLUMNS,
    Column,
    Kind,
    OpenDataEncoder,
    council_rows,
    figure_fields,
    year_rows,
)
from councils.opendata.views import (
    FORMATS,
    PublicView,
    find_council,
    find_year,
    public_open_data,
)
from councils.statistics import Figures

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class ApiError(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _json(data: object, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, encoder=OpenDataEncoder)


def api_endpoint(view: PublicView) -> PublicView:
    """The public years for the view, and ApiError as a short JSON body."""

    @public_open_data
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApiError as error:
            return _json({"detail": error.detail}, status=error.status)

    return wrapped


def _int_parameter(request: HttpRequest, name: str, default: int, maximum: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    # The length check first: int() refuses strings of thousands of digits.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= maximum):
        raise ApiError(400, f"{name} must be a whole number from 1 to {maximum}.")
    return int(raw)


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


@api_endpoint
def council_list(request: HttpRequest, public_years: list[ReportingYear]) -> HttpResponse:
    councils = Council.objects.select_related("county").order_by("name", "code")
    council_type = request.GET.get("type")
    if council_type is not None:
        if council_type not in CouncilType.SLUGS:
            raise ApiError(404, f"There is no council type {council_type!r}.")
        councils = councils.of_type(council_type)
    search = request.GET.get("q", "").strip()
    if search:
        councils = councils.filter(Q(name__icontains=search) | Q(official_name__icontains=search))
    page_size = _int_parameter(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    number = _int_parameter(request, "page", 1, 10**9)
    paginator = Paginator(councils, page_size)
    try:
        page = paginator.page(number)
    except EmptyPage:
        raise ApiError(404, f"There is no page {number}.") from None

    def link(to: int) -> str:
        return f"{request.path}?{urlencode({**request.GET.dict(), 'page': to})}"

    return _json(
        {
            "count": paginator.count,
            "page": number,
            "page_size": page_size,
            "next": link(number + 1) if page.has_next() else None,
            "previous": link(number - 1) if page.has_previous() else None,
            "results": [council_summary(council) for council in page],
        }
    )


@api_endpoint
def council_detail(
    request: HttpRequest, public_years: list[ReportingYear], key: str
) -> HttpResponse:
    council = find_council(key)
    if council is None:
        raise ApiError(404, f"There is no council {key!r}.")
    return _json(
        {
            **council_summary(council),
            "previous_codes": [code.code for code in council.previous_codes.all()],
            "page_url": council.get_absolute_url(),
            "downloads": {
                f"{name}_{fmt}": reverse(f"opendata:council-{name}", args=[council.slug, fmt])
                for name in ("statistics", "decisions")
                for fmt in FORMATS
            },
            "statistics": council_rows(
                council.pk, figures.statistics(request, public_years).values()
            ),
        }
    )


@api_endpoint
def year_list(request: HttpRequest, public_years: list[ReportingYear]) -> HttpResponse:
    return _json({"results": [year_summary(year) for year in public_years]})


@api_endpoint
def year_detail(request: HttpRequest, public_years: list[ReportingYear], year: str) -> HttpResponse:
    reporting_year = find_year(public_years, year)
    if reporting_year is None:
        raise ApiError(404, f"There are no published figures for the year {year!r}.")
    stats = figures.year_statistics(request, reporting_year)
    return _json(
        {
            "year": year_summary(reporting_year),
            "councils": year_rows(stats),
            "averages": {
                council_type: figure_fields(stats.by_type.get(council_type, Figures()))
                for council_type in CouncilType.SLUGS
            },
            "national": figure_fields(stats.national),
        }
    )


@csrf_exempt
@require_safe
def not_found(request: HttpRequest) -> HttpResponse:
    return _json({"detail": "There is no such API endpoint. See /api/."}, status=404)


@csrf_exempt
@require_safe
def schema(request: HttpRequest) -> HttpResponse:
    """The same for everyone until the next release: outside the page layer (no data version
    to read), public with an ETag of the release, which the page layer answers with a 304."""
    response = _json(OPENAPI_SCHEMA)
    release = hashlib.sha256(settings.RELEASE.encode()).hexdigest()[:32]
    response["ETag"] = f'W/"{release}"'
    patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_SECONDS)
    return response


@csrf_exempt
@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    endpoints = [
        {"path": path, **operation["get"]} for path, operation in OPENAPI_SCHEMA["paths"].items()
    ]
    return render(
        request,
        "councils/api_docs.html",
        {"endpoints": endpoints, "statistics_columns": STATISTICS_COLUMNS},
    )


# The OpenAPI 3.0 description. Figure fields are derived from the open-data columns so the
# schema cannot disagree with what the views return.

_KIND_SCHEMAS: dict[Kind, dict[str, object]] = {
    Kind.TEXT: {"type": "string"},
    Kind.COUNT: {"type": "integer", "minimum": 0},
    Kind.OPTIONAL_COUNT: {"type": "integer", "minimum": 1, "nullable": True},
    Kind.PERCENT: {"type": "integer", "minimum": 0, "maximum": 100, "nullable": True},
    Kind.PER_100K: {"type": "number", "minimum": 0, "nullable": True},
    Kind.DATE: {"type": "string", "format": "date"},
    Kind.OPTIONAL_DATE: {"type": "string", "format": "date", "nullable": True},
}
_COLUMNS = {column.name: column for column in STATISTICS_COLUMNS}
_YEAR_LABEL = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$", "example": "2023-24"}
_COUNCIL_TYPE = {"type": "string", "enum": list(CouncilType.SLUGS)}
_PATH = {"type": "string", "format": "uri-reference"}


def _column_schema(column: Column) -> dict[str, object]:
    overrides = {"council_type": _COUNCIL_TYPE, "year": _YEAR_LABEL}
    return {
        **_KIND_SCHEMAS[column.kind],
        **overrides.get(column.name, {}),
        "description": column.description,
    }


def _object(properties: dict[str, object], description: str = "") -> dict[str, object]:
    schema: dict[str, object] = {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _responses(name: str, *, bad_request: bool = False) -> dict[str, object]:
    cache_headers = {
        "ETag": {"schema": {"type": "string"}, "description": "Changes with the data."},
        "Last-Modified": {"schema": {"type": "string"}, "description": "When the data changed."},
        "Cache-Control": {"schema": {"type": "string"}, "description": "public, max-age=300"},
    }
    error = {"content": {"application/json": {"schema": _ref("Error")}}}
    responses: dict[str, object] = {
        "200": {
            "description": "OK",
            "headers": cache_headers,
            "content": {"application/json": {"schema": _ref(name)}},
        },
        "304": {"description": "Not modified: the copy named by If-None-Match is current."},
        "404": {"description": "Not found, or not published yet.", **error},
    }
    if bad_request:
        responses["400"] = {"description": "A malformed query parameter.", **error}
    return responses


_COUNCIL = {
    "code": {"type": "string", "description": "ONS GSS code.", "example": "E07000170"},
    "name": {"type": "string", "description": "Area name.", "example": "Ashfield"},
    "official_name": {"type": "string", "example": "Ashfield District Council"},
    "slug": {"type": "string", "example": "ashfield"},
    "type": _COUNCIL_TYPE,
    "county_code": {
        "type": "string",
        "nullable": True,
        "description": "The county council a district sits in.",
    },
    "ceased_on": {
        "type": "string",
        "format": "date",
        "nullable": True,
        "description": "The day a former council was abolished; null for a current council.",
    },
    "url": {**_PATH, "description": "This council in the API."},
}

OPENAPI_SCHEMA: dict[str, object] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Your council's performance: open data API",
        "version": "1.0",
        "description": (
            "Read-only figures about complaints to the Local Government and Social Care "
            "Ombudsman about England's councils, for published reporting years only. No "
            "authentication. Rates are whole percentages rounded half up; upheld_per_100k is a "
            "number with one decimal place; null where there is no figure (a zero base). "
            "Averages pool every council of the same type. Open Government Licence v3.0."
        ),
        "license": {
            "name": "Open Government Licence v3.0",
            "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        },
    },
    "paths": {
        "/api/councils/": {
            "get": {
                "operationId": "listCouncils",
                "summary": "Councils",
                "description": "Every council, current and former, by name, a page at a time.",
                "parameters": [
                    {
                        "name": "type",
                        "in": "query",
                        "description": "Only councils of this type (an unknown type is a 404).",
                        "schema": _COUNCIL_TYPE,
                    },
                    {
                        "name": "q",
                        "in": "query",
                        "description": "Only councils whose area or official name contains this.",
                        "schema": {"type": "string", "pattern": "^[^\\u0000]*$"},
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "description": "The page number (a page past the last is a 404).",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 10**9, "default": 1},
                    },
                    {
                        "name": "page_size",
                        "in": "query",
                        "description": "Councils per page.",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_PAGE_SIZE,
                            "default": DEFAULT_PAGE_SIZE,
                        },
                    },
                ],
                "responses": _responses("CouncilPage", bad_request=True),
            }
        },
        "/api/councils/{key}/": {
            "get": {
                "operationId": "getCouncil",
                "summary": "A council and its figures",
                "description": (
                    "One council, by slug or by GSS code (current or previous), with its figures "
                    "for every published year in which it had data or a population."
                ),
                "parameters": [
                    {
                        "name": "key",
                        "in": "path",
                        "required": True,
                        "description": "A slug (ashfield) or GSS code (E07000170).",
                        "schema": {"type": "string", "example": "ashfield"},
                    }
                ],
                "responses": _responses("CouncilDetail"),
            }
        },
        "/api/years/": {
            "get": {
                "operationId": "listYears",
                "summary": "Published years",
                "description": "Every published reporting year, oldest first, with its note.",
                "responses": _responses("YearList"),
            }
        },
        "/api/years/{year}/": {
            "get": {
                "operationId": "getYear",
                "summary": "A year's figures",
                "description": (
                    "Every council's figures for a published year, with the average for each "
                    "council type and the figures for England."
                ),
                "parameters": [
                    {
                        "name": "year",
                        "in": "path",
                        "required": True,
                        "description": "A reporting year label.",
                        "schema": _YEAR_LABEL,
                    }
                ],
                "responses": _responses("YearDetail"),
            }
        },
    },
    "components": {
        "schemas": {
            "Error": _object({"detail": {"type": "string"}}),
            "Council": _object(_COUNCIL),
            "CouncilPage": _object(
                {
                    "count": {"type": "integer", "minimum": 0},
                    "page": {"type": "integer", "minimum": 1},
                    "page_size": {"type": "integer", "minimum": 1},
                    "next": {**_PATH, "nullable": True},
                    "previous": {**_PATH, "nullable": True},
                    "results": {"type": "array", "items": _ref("Council")},
                }
            ),
            "CouncilDetail": _object(
                {
                    **_COUNCIL,
                    "previous_codes": {"type": "array", "items": {"type": "string"}},
                    "page_url": {**_PATH, "description": "The council's page on this site."},
                    "downloads": _object(
                        {
                            f"{name}_{fmt}": _PATH
                            for name in ("statistics", "decisions")
                            for fmt in FORMATS
                        }
                    ),
                    "statistics": {"type": "array", "items": _ref("StatisticsRow")},
                }
            ),
            "StatisticsRow": _object(
                {column.name: _column_schema(column) for column in STATISTICS_COLUMNS},
                "One council in one year: the columns of the statistics CSV.",
            ),
            "Figures": _object(
                {name: _column_schema(_COLUMNS[name]) for name in FIGURE_FIELDS},
                "Counts and published rates pooled over a group of councils.",
            ),
            "Year": _object(
                {
                    "label": _YEAR_LABEL,
                    "start": {"type": "string", "format": "date"},
                    "end": {"type": "string", "format": "date"},
                    "published_on": {"type": "string", "format": "date"},
                    "note": {"type": "string"},
                    "url": _PATH,
                    "downloads": _object({fmt: _PATH for fmt in FORMATS}),
                }
            ),
            "YearList": _object({"results": {"type": "array", "items": _ref("Year")}}),
            "YearDetail": _object(
                {
                    "year": _ref("Year"),
                    "councils": {"type": "array", "items": _ref("StatisticsRow")},
                    "averages": _object({t: _ref("Figures") for t in CouncilType.SLUGS}),
                    "national": _ref("Figures"),
                }
            ),
        }
    },
}
