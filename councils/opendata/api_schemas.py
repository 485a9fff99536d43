"""The shapes of the API's answers, from which django-ninja writes the OpenAPI document.

A council's figures are built from the open-data columns (`councils.opendata.published`), so
the files, the API and its description name and type every field the same way. Every shape
forbids fields it does not declare: the schemathesis test then catches an answer that drifts
from its description.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from councils.models.groups import CouncilType
from councils.opendata.published import FIGURE_FIELDS, STATISTICS_COLUMNS, Column, Kind
from councils.opendata.views import FORMATS

YearLabel = Annotated[
    str, WithJsonSchema({"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$", "example": "2023-24"})
]
CouncilTypeSlug = Annotated[
    str, WithJsonSchema({"type": "string", "enum": list(CouncilType.SLUGS)})
]
Link = Annotated[str, WithJsonSchema({"type": "string", "format": "uri-reference"})]
Count = Annotated[int, Field(ge=0)]

# What each kind of column holds, in JSON.
KIND_TYPES: dict[Kind, Any] = {
    Kind.TEXT: str,
    Kind.COUNT: Count,
    Kind.OPTIONAL_COUNT: Annotated[int, Field(ge=1)] | None,
    Kind.PERCENT: Annotated[int, Field(ge=0, le=100)] | None,
    Kind.PER_100K: Annotated[float, Field(ge=0)] | None,
    Kind.DATE: datetime.date,
    Kind.OPTIONAL_DATE: datetime.date | None,
}
# Columns whose text has a known form.
COLUMN_TYPES = {"council_type": CouncilTypeSlug, "year": YearLabel}


class Strict(BaseModel):
    """Plain pydantic, not ninja's Schema: the operations answer with dicts, so ninja's
    attribute lookup on ORM objects is not needed, and validating a year's 317 rows in
    pydantic's own core is several times faster."""

    model_config = ConfigDict(extra="forbid")


def _column_field(column: Column) -> tuple[Any, Any]:
    kind = COLUMN_TYPES.get(column.name, KIND_TYPES[column.kind])
    return kind, Field(description=column.description)


def _model(name: str, doc: str, fields: dict[str, tuple[Any, Any]]) -> type[Strict]:
    return create_model(name, __base__=Strict, __doc__=doc, **fields)


def _keys(name: str, fields: dict[str, Any]) -> type:
    """An object with these keys only (a TypedDict: keys such as "json" are fine there)."""
    keys = TypedDict(name, fields)
    keys.__pydantic_config__ = ConfigDict(extra="forbid")
    return keys


_COLUMNS = {column.name: column for column in STATISTICS_COLUMNS}

StatisticsRow = _model(
    "StatisticsRow",
    "One council in one year: the columns of the statistics CSV.",
    {column.name: _column_field(column) for column in STATISTICS_COLUMNS},
)
Figures = _model(
    "Figures",
    "Counts and published rates pooled over a group of councils.",
    {name: _column_field(_COLUMNS[name]) for name in FIGURE_FIELDS},
)
TypeAverages = _keys("TypeAverages", dict.fromkeys(CouncilType.SLUGS, Figures))
YearDownloads = _keys("YearDownloads", dict.fromkeys(FORMATS, Link))
# The council's files; named as the download views ("statistics", "decisions") are.
COUNCIL_FILES = ("statistics", "decisions")
CouncilDownloads = _keys(
    "CouncilDownloads", {f"{name}_{fmt}": Link for name in COUNCIL_FILES for fmt in FORMATS}
)


class Error(Strict):
    detail: str


class Council(Strict):
    code: str = Field(description="ONS GSS code.", examples=["E07000170"])
    name: str = Field(description="Area name.", examples=["Ashfield"])
    official_name: str = Field(examples=["Ashfield District Council"])
    slug: str = Field(examples=["ashfield"])
    type: CouncilTypeSlug
    county_code: str | None = Field(description="The county council a district sits in.")
    ceased_on: datetime.date | None = Field(
        description="The day a former council was abolished; null for a current council."
    )
    url: Link = Field(description="This council in the API.")


class CouncilPage(Strict):
    count: Count
    page: Annotated[int, Field(ge=1)]
    page_size: Annotated[int, Field(ge=1)]
    next: Link | None
    previous: Link | None
    results: list[Council]


class CouncilDetail(Council):
    previous_codes: list[str]
    page_url: Link = Field(description="The council's page on this site.")
    downloads: CouncilDownloads
    statistics: list[StatisticsRow]


class Year(Strict):
    label: YearLabel
    start: datetime.date
    end: datetime.date
    published_on: datetime.date
    note: str
    url: Link
    downloads: YearDownloads


class YearList(Strict):
    results: list[Year]


class YearDetail(Strict):
    year: Year
    councils: list[StatisticsRow]
    averages: TypeAverages
    national: Figures
