"""/data/<year>/datapackage.json: a Frictionless Data Package of the year's files, validated
with the `frictionless` library against the files the site serves."""

import datetime
import json
from decimal import Decimal

import pytest
from frictionless import Package, validate

from councils import dataversion
from councils.models import Compliance, CouncilType, Outcome
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    PopulationFactory,
    ReportingYearFactory,
    RevisionFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def year():
    """2023-24 public with figures of every kind (and gaps); 2024-25 not published."""
    year = ReportingYearFactory(label="2023-24", published_on=D(2024, 7, 24), note="A note.")
    ReportingYearFactory(label="2024-25", published_on=None)
    kent = CouncilFactory(type=CouncilType.COUNTY, name="Kent", slug="kent")
    barnet = CouncilFactory(type=CouncilType.LONDON, name="=Barnet", slug="barnet")
    for outcome in [Outcome.UPHELD] * 3 + [Outcome.NOT_UPHELD]:
        DecisionFactory(council=kent, outcome=outcome, remedied_by_council=False)
    DecisionFactory(
        council=kent, outcome=Outcome.UPHELD, remedied_by_council=True,
        compliance=Compliance.COMPLIED, compliance_date=D(2023, 12, 1),
    )  # fmt: skip
    # Barnet: a compliance check in 2023-24 of a 2022-23 decision; no investigations or
    # population in 2023-24, so no uphold rate and no population.
    DecisionFactory(
        council=barnet, outcome=Outcome.UPHELD, decided=D(2022, 6, 1),
        compliance=Compliance.NOT_COMPLIED, compliance_date=D(2023, 6, 1),
    )  # fmt: skip
    PopulationFactory(council=kent, year=year, population=1_600_000)
    RevisionFactory(year=year, councils=[kent], reason="A decision was recorded twice.")
    return year


def _download_year(client, tmp_path, label: str):
    """The package and every file it names, as a tool would fetch them, side by side."""
    descriptor = client.get(f"/data/{label}/datapackage.json").json()
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    for resource in descriptor["resources"]:
        response = client.get(f"/data/{label}/{resource['path']}")
        assert response.status_code == 200, resource["path"]
        (tmp_path / resource["path"]).write_bytes(response.content)
    return descriptor


def test_package_and_every_file_validate(client, tmp_path, year):
    descriptor = _download_year(client, tmp_path, "2023-24")
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    names = {r["path"] for r in descriptor["resources"]}
    assert names == {
        f"{name}.{fmt}"
        for name in ("statistics", "categories", "revisions")
        for fmt in ("csv", "xlsx", "json")
    }


def test_package_reads_back_the_published_figures(client, tmp_path, year):
    _download_year(client, tmp_path, "2023-24")
    package = Package(str(tmp_path / "datapackage.json"))
    rows = {row["council_code"]: row for row in package.get_resource("statistics-csv").read_rows()}
    kent = next(row for row in rows.values() if row["council_name"] == "Kent Council")
    assert kent["uphold_rate"] == 80 and kent["upheld_per_100k"] == Decimal("0.3")
    assert kent["compliance_rate"] == 100 and kent["population"] == 1_600_000
    barnet = next(row for row in rows.values() if row["council_type"] == "london")
    assert barnet["uphold_rate"] is None and barnet["population"] is None  # missing, not 0
    assert barnet["compliance_rate"] == 0


def test_package_describes_fields_units_licence_and_sources(client, year):
    descriptor = client.get("/data/2023-24/datapackage.json").json()
    assert descriptor["licenses"][0]["name"] == "OGL-UK-3.0"
    assert descriptor["sources"][0]["title"].startswith("Local Government")
    assert "A note." in descriptor["description"]
    statistics = next(r for r in descriptor["resources"] if r["name"] == "statistics-csv")
    fields = {f["name"]: f for f in statistics["schema"]["fields"]}
    assert fields["uphold_rate"]["type"] == "integer" and fields["uphold_rate"]["unit"] == "percent"
    assert fields["upheld_per_100k"]["type"] == "number"
    assert fields["upheld_per_100k"]["unit"] == "per 100,000 residents"
    assert fields["council_code"]["description"].startswith("The council's ONS GSS code")
    assert statistics["schema"]["missingValues"] == [""]


@pytest.mark.parametrize("label", ["2024-25", "2030-31", "nonsense"])
def test_no_package_for_an_unpublished_or_unknown_year(client, year, label):
    assert client.get(f"/data/{label}/datapackage.json").status_code == 404


def test_cached_and_validated_like_every_download(client, year):
    first = client.get("/data/2023-24/datapackage.json")
    assert first["X-Page-Cache"] == "miss" and first["ETag"]
    assert client.get("/data/2023-24/datapackage.json")["X-Page-Cache"] == "hit"
    again = client.get("/data/2023-24/datapackage.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_query_ceiling_holds_at_ten_times_the_data(client, django_assert_max_num_queries, year):
    def add_data(count):  # more public years, more councils
        for n in range(count):
            ReportingYearFactory(label=f"{2013 + n}-{14 + n}")
            PopulationFactory(council=CouncilFactory(), year=year)
        dataversion.bump()

    # data version (page cache), public years; nothing else: the package describes files
    ceiling = 2
    add_data(1)
    with django_assert_max_num_queries(ceiling):
        assert client.get("/data/2023-24/datapackage.json").status_code == 200
    add_data(10)
    with django_assert_max_num_queries(ceiling):
        assert client.get("/data/2023-24/datapackage.json").status_code == 200
