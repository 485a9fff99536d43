"""`/data/<year>/datapackage.json`: a Frictionless Data Package describing a year's files.

Tools that read Data Packages (frictionless, pandas via frictionless, Open Data portals) learn
from it every file of the year (statistics, categories, revisions; each as CSV, XLSX and JSON),
each column's type, description and unit, what a missing value looks like, the licence and the
sources. The columns come from `opendata.published`, the same description the files are written
from, so the package and the files cannot disagree. Paths are relative to the package's own URL.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone

from councils.models import ReportingYear
from councils.opendata.published import (
    CATEGORY_COLUMNS,
    REVISION_COLUMNS,
    STATISTICS_COLUMNS,
    Column,
    Kind,
)
from councils.opendata.views import FORMATS, find_year, not_found, public_open_data

PROFILE = "data-package"
MISSING_VALUES = [""]  # an empty cell (null in JSON): no figure
LICENCE = {
    "name": "OGL-UK-3.0",
    "title": "Open Government Licence v3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}

# Kind -> (Table Schema type, unit, constraints)
FIELD_TYPES: dict[Kind, tuple[str, str | None, dict]] = {
    Kind.TEXT: ("string", None, {}),
    Kind.COUNT: ("integer", "count", {"required": True, "minimum": 0}),
    Kind.OPTIONAL_COUNT: ("integer", "count", {"minimum": 0}),
    Kind.PERCENT: ("integer", "percent", {"minimum": 0, "maximum": 100}),
    Kind.PER_100K: ("number", "per 100,000 residents", {"minimum": 0}),
    Kind.DATE: ("date", None, {"required": True}),
    Kind.OPTIONAL_DATE: ("date", None, {}),
}

# file name -> (title, description, columns)
FILES = {
    "statistics": (
        "Council statistics",
        "One row per council with decisions, compliance outcomes or a population in the year: "
        "the uphold rate, compliance rate, satisfactory remedy rate and upheld decisions per "
        "100,000 residents, each with its base and the average for similar authorities (councils "
        "of the same type, pooled). Rates are whole percentages rounded half up.",
        STATISTICS_COLUMNS,
    ),
    "categories": (
        "Complaints by service category",
        "England's complaints about councils by service category: received, decided, "
        "investigated and upheld in the year.",
        CATEGORY_COLUMNS,
    ),
    "revisions": (
        "Revisions",
        "One row per council per correction of the year's figures after they were published.",
        REVISION_COLUMNS,
    ),
}


def field(column: Column) -> dict:
    kind, unit, constraints = FIELD_TYPES[column.kind]
    descriptor = {"name": column.name, "type": kind, "description": column.description}
    if unit:
        descriptor["unit"] = unit  # not in the Table Schema standard; tools keep it as it is
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def resource(name: str, fmt: str, year: ReportingYear) -> dict:
    title, description, columns = FILES[name]
    return {
        "name": f"{name}-{fmt}",
        "path": f"{name}.{fmt}",
        "profile": "tabular-data-resource",
        "title": f"{title}, {year.label} ({fmt.upper()})",
        "description": description,
        "format": fmt,
        "mediatype": MEDIA_TYPES[fmt],
        **({"encoding": "utf-8"} if fmt == "csv" else {}),
        "schema": {
            "fields": [field(column) for column in columns],
            "missingValues": MISSING_VALUES,
        },
    }


def package(year: ReportingYear, site_url: str) -> dict:
    return {
        "profile": PROFILE,
        "name": f"council-complaints-{year.label}",
        "title": f"Complaints about England's councils, {year.label}",
        "description": (
            f"Decisions of the Local Government and Social Care Ombudsman about every council in "
            f"England for {year.period}, published on {year.published_on:%-d %B %Y}."
            + (f" {year.note}" if year.note else "")
        ),
        "homepage": site_url + reverse("year", args=[year.label]),
        "created": _midnight(year.published_on).isoformat(),
        "keywords": ["complaints", "councils", "local government", "ombudsman", "England"],
        "licenses": [LICENCE],
        "sources": [
            {"title": "Local Government and Social Care Ombudsman: decisions", "path": site_url},
            {
                "title": "Office for National Statistics: council codes and mid-year population "
                "estimates",
                "path": "https://www.ons.gov.uk/",
            },
        ],
        "resources": [resource(name, fmt, year) for name in FILES for fmt in FORMATS],
    }


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


@public_open_data
def year_package(request: HttpRequest, public_years: list[ReportingYear], year: str):
    reporting_year = find_year(public_years, year)
    if reporting_year is None:
        return not_found(f"There are no published figures for the year {year!r}.")
    site_url = f"{request.scheme}://{request.get_host()}"
    return JsonResponse(package(reporting_year, site_url), json_dumps_params={"indent": 2})
