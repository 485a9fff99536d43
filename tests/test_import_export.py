"""Export in the import columns: a round trip changes nothing, and formulas never run."""

import datetime
import io

import openpyxl
import pytest

from councils.imports.files import CSV, XLSX, read_file
from councils.imports.resources import RESOURCES
from councils.models import Compliance, Council, CouncilType, Outcome, RecommendationKind
from councils.opendata.spreadsheets import neutralise_formula, restore_formula
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    PopulationFactory,
    RecommendationFactory,
    ReportingYearFactory,
)

SPEC_COLUMNS = {
    "councils": "code, name, official_name, type, county_code, chief_executive, "
    "chief_executive_title",
    "populations": "council_code, year, population",
    "decisions": "reference, council_code, category, received, decided, outcome, "
    "remedied_by_council, public_report, compliance, compliance_date, summary",
    "recommendations": "reference, kind, recommendation, due",
}


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+2", "'=1+2"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("\uff1d1+2", "'\uff1d1+2"),  # full-width =
        ("Housing", "Housing"),
        ("", ""),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralise_formula_quotes_only_text_a_spreadsheet_would_run(value, expected):
    assert neutralise_formula(value) == expected


@pytest.mark.parametrize("text", ["=1+2", "-2", "\uff0b2", "'quoted", "Housing", "'"])
def test_restore_formula_undoes_neutralise_formula(text):
    assert restore_formula(neutralise_formula(text)) == text


@pytest.fixture
def register():
    """A little of everything the four files carry, including text a spreadsheet would run."""
    county = CouncilFactory(code="E10000024", type=CouncilType.COUNTY, name="Nottinghamshire")
    district = CouncilFactory(
        code="E07000170", county=county, chief_executive='=HYPERLINK("http://x")'
    )
    year = ReportingYearFactory(label="2023-24")
    PopulationFactory(council=district, year=year, population=127_151)
    PopulationFactory(council=county, year=year, population=830_000)
    upheld = DecisionFactory(
        reference="24 000 001",
        council=district,
        outcome=Outcome.UPHELD,
        remedied_by_council=True,
        compliance=Compliance.COMPLIED_LATE,
        compliance_date=datetime.date(2024, 2, 1),
        summary="-1 star: @ the council, the repairs took +6 months",
    )
    DecisionFactory(reference="24 000 002", council=county, decided=None, outcome="")
    RecommendationFactory(decision=upheld, text="=cmd|' /C calc'!A0")
    RecommendationFactory(
        decision=upheld,
        kind=RecommendationKind.SERVICE_IMPROVEMENT,
        text="Review repairs.",
        due=datetime.date(2024, 3, 31),
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("register")
@pytest.mark.parametrize("kind", list(SPEC_COLUMNS))
@pytest.mark.parametrize("file_format", [CSV, XLSX])
def test_an_export_imports_back_with_every_row_unchanged(kind, file_format):
    resource = RESOURCES[kind]()
    dataset = resource.export()
    content = file_format().export_data(dataset)
    content = content.encode() if isinstance(content, str) else content
    before = list(resource._meta.model.objects.order_by("pk").values())

    result = RESOURCES[kind]().import_data(
        read_file(f"{kind}.{file_format().get_extension()}", content)
    )

    assert ", ".join(dataset.headers) == SPEC_COLUMNS[kind]
    assert not result.problems and not result.file_problems
    assert result.counts.unchanged == len(dataset) > 0
    assert list(resource._meta.model.objects.order_by("pk").values()) == before


@pytest.mark.django_db
@pytest.mark.usefixtures("register")
def test_an_export_writes_the_import_formats_and_neutralises_formulas():
    decisions = {row["reference"]: row for row in RESOURCES["decisions"]().export().dict}
    councils = {row["code"]: row for row in RESOURCES["councils"]().export().dict}
    recommendations = RESOURCES["recommendations"]().export().dict

    assert decisions["24 000 001"] | {"summary": ""} == {
        "reference": "24 000 001",
        "council_code": "E07000170",
        "category": "Housing",
        "received": "2023-07-03",
        "decided": "2023-09-01",
        "outcome": "Upheld",
        "remedied_by_council": "yes",
        "public_report": "no",
        "compliance": "Complied late",
        "compliance_date": "2024-02-01",
        "summary": "",
    }
    assert (
        decisions["24 000 001"]["summary"] == "'-1 star: @ the council, the repairs took +6 months"
    )
    assert decisions["24 000 002"]["decided"] == ""
    assert councils["E07000170"]["chief_executive"] == '\'=HYPERLINK("http://x")'
    assert councils["E07000170"]["county_code"] == "E10000024"
    assert recommendations[0]["recommendation"] == "'=cmd|' /C calc'!A0"


@pytest.mark.django_db
@pytest.mark.usefixtures("register")
def test_an_xlsx_export_holds_no_formula_cells():
    content = XLSX().export_data(RESOURCES["recommendations"]().export())
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active

    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    assert "'=cmd|' /C calc'!A0" in [cell.value for cell in cells]


@pytest.mark.django_db
def test_a_councils_export_imports_into_an_empty_register():
    county = CouncilFactory(code="E10000024", type=CouncilType.COUNTY, name="Zzz county")
    CouncilFactory(code="E07000170", county=county, name="Aaa district")
    CouncilFactory(code="E07000171", county=county, name="Bbb district")
    content = CSV().export_data(RESOURCES["councils"]().export()).encode()
    Council.objects.filter(county__isnull=False).delete()
    county.delete()

    result = RESOURCES["councils"]().import_data(read_file("councils.csv", content))

    assert not result.problems
    assert Council.objects.get(code="E07000171").county.code == "E10000024"
