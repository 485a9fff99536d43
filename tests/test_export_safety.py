"""No file the site hands out can start a formula in a spreadsheet (issue 11, item 2).

Every free-text field of every record holds a formula; then every admin export, in every format
its ModelAdmin offers, and every download under /data/, in every format, is read back cell by
cell. A new export admin, resource, download or text field is covered without editing this file
(a new model's text once `hostile_data` creates a record of it).
"""

import csv
import datetime
import io
import itertools
import json
import re
from html.parser import HTMLParser

import openpyxl
import pytest
import yaml
from django.apps import apps
from django.contrib.admin import site
from django.core.validators import RegexValidator
from django.db import models
from django.forms import BooleanField
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from import_export.admin import ExportMixin

from councils.models import Compliance, CouncilType, Outcome, RecommendationKind
from councils.opendata.exports import SafeResource
from letters.models import Letter, LetterTemplate
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    PopulationFactory,
    RecommendationFactory,
    ReportingYearFactory,
    RevisionFactory,
)

pytestmark = pytest.mark.django_db

# Text a spreadsheet would run: a link, a command, arithmetic, a function, and the same behind a
# tab, a carriage return or a full-width equals sign.
HOSTILE = (
    '=HYPERLINK("http://evil.example","Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # full-width =
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Files of values that no spreadsheet runs as formulas: read, but not checked cell by cell.
DATA_TYPES = ("application/json", "text/yaml")
# Values for the parts of a /data/ URL; a new part needs a value here.
URL_PARTS = {"year": ["2023-24"], "slug": ["ashdale"]}
# Descriptions of the files rather than files of values (tests/test_datapackage.py).
DESCRIPTORS = {"year-datapackage"}

EXPORT_ADMINS = {
    f"{model._meta.app_label}_{model._meta.model_name}": model_admin
    for model, model_admin in site._registry.items()
    if isinstance(model_admin, ExportMixin)
}


def data_urls() -> list[str]:
    """Every URL under /data/, once for each format its pattern takes."""
    (data,) = (
        pattern
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLResolver) and str(pattern.pattern) == "data/"
    )
    urls = []
    for pattern in data.url_patterns:
        assert isinstance(pattern, URLPattern), f"{pattern}: walk nested URL patterns too"
        if pattern.name in DESCRIPTORS:
            continue
        regex = pattern.pattern.regex
        parts = {name: _part_values(regex, name) for name in regex.groupindex}
        for values in itertools.product(*parts.values()):
            kwargs = dict(zip(parts, values, strict=True))
            urls.append(reverse(f"{data.namespace}:{pattern.name}", kwargs=kwargs))
    return urls


def _part_values(regex: re.Pattern, name: str) -> list[str]:
    if name == "fmt":  # (?P<fmt>csv|xlsx|json)
        return re.search(r"\(\?P<fmt>([\w|]+)\)", regex.pattern).group(1).split("|")
    assert name in URL_PARTS, f"give the test a value for <{name}> in {regex.pattern}"
    return URL_PARTS[name]


def _free_text(field: models.Field) -> bool:
    """Text anyone can type. Choices hold only their choices; unique fields (codes, references,
    year labels), slugs, e-mail addresses and fields with a pattern (a category's years) are
    checked for their shape on the way in."""
    return (
        isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, models.SlugField | models.EmailField)
        and not field.choices
        and not field.unique
        and not any(isinstance(v, RegexValidator) for v in field.validators)
    )


@pytest.fixture
def hostile_data():
    """A public year with a council, its figures, decisions, recommendations and letter; then
    every free-text field of every record in the project's apps is made a formula."""
    year = ReportingYearFactory(label="2023-24")
    county = CouncilFactory(type=CouncilType.COUNTY, slug="shire")
    council = CouncilFactory(county=county, slug="ashdale")
    PopulationFactory(council=council, year=year)
    upheld = DecisionFactory(
        council=council,
        outcome=Outcome.UPHELD,
        compliance=Compliance.COMPLIED,
        compliance_date=datetime.date(2023, 12, 1),
    )
    DecisionFactory(council=council, outcome=Outcome.NOT_UPHELD)
    RecommendationFactory(decision=upheld)
    RecommendationFactory(decision=upheld, kind=RecommendationKind.SERVICE_IMPROVEMENT)
    RevisionFactory(year=year, councils=[council])
    template = LetterTemplate.objects.create(
        year=year,
        letter_date=datetime.date(2024, 7, 22),
        publication_date=datetime.date(2024, 7, 29),
        signatory_name="Signer",
        signatory_titles="Ombudsman",
        body="Body",
    )
    now = timezone.now()
    Letter.objects.create(
        template=template, council=council, snapshot={}, generated_at=now, pdf_rendered_at=now
    )
    values = itertools.cycle(HOSTILE)
    for app in ("councils", "letters"):
        for model in apps.get_app_config(app).get_models():
            text = {f.name: next(values) for f in model._meta.concrete_fields if _free_text(f)}
            if text:
                model.objects.update(**text)


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")

    def handle_data(self, data):
        if self.rows and self.rows[-1]:
            self.rows[-1][-1] += data


def read_rows(response) -> list[list[object]]:
    """The file's header and rows, read the way the program that opens it would."""
    kind = response["Content-Type"].split(";")[0]
    content = response.content
    if kind in ("text/csv", "text/tab-separated-values"):
        text = io.StringIO(content.decode("utf-8-sig"), newline="")
        return list(csv.reader(text, delimiter="," if kind == "text/csv" else "\t"))
    if kind == XLSX_TYPE:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        # A formula cell's value is its formula, "=...": the check below sees it.
        return [[cell.value for cell in row] for row in sheet.iter_rows()]
    if kind == "text/html":
        parser = _Cells()
        parser.feed(content.decode())
        return parser.rows
    if kind in DATA_TYPES:
        records = (json.loads if kind == "application/json" else yaml.safe_load)(content)
        return [list(records[0] if records else {}), *(list(r.values()) for r in records)]
    raise AssertionError(f"teach the test to read {kind}")


def formula_cells(response) -> list[object]:
    """The cells of the file that a spreadsheet would run; the file must have rows."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment")
    rows = read_rows(response)
    assert len(rows) > 1, "the file has no rows under its header"
    if response["Content-Type"].startswith(DATA_TYPES):
        return []
    return [cell for row in rows for cell in row if str(cell).startswith(FORMULA_START)]


def test_every_admin_export_resource_derives_from_safe_resource(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    resources = [
        resource
        for model_admin in EXPORT_ADMINS.values()
        for resource in model_admin.get_export_resource_classes(request)
    ]

    assert {"councils_council", "councils_decision", "letters_letter"} <= set(EXPORT_ADMINS)
    assert [r.__name__ for r in resources if not issubclass(r, SafeResource)] == []


@pytest.mark.usefixtures("hostile_data")
@pytest.mark.parametrize("admin_name", sorted(EXPORT_ADMINS))
def test_no_admin_export_can_start_a_formula(admin_client, admin_name):
    url = reverse(f"admin:{admin_name}_export")
    form = admin_client.get(url).context["form"]
    every_field = {name: "on" for name, f in form.fields.items() if isinstance(f, BooleanField)}
    formats = [(value, title) for value, title in form.fields["format"].choices if value != ""]

    for (resource, resource_name), (fmt, title) in itertools.product(
        form.fields["resource"].choices, formats
    ):
        data = {"resource": resource, "format": fmt, **every_field}
        response = admin_client.post(url, data)

        assert formula_cells(response) == [], f"{resource_name} as {title}"


@pytest.mark.usefixtures("hostile_data")
@pytest.mark.parametrize("url", data_urls())
def test_no_open_data_download_can_start_a_formula(client, url):
    response = client.get(url)

    if response["Content-Type"].startswith("text/html"):
        assert response.status_code == 200  # the page listing the downloads, not a file
    else:
        assert formula_cells(response) == []
