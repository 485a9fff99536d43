"""Row checks of the four imports: every rejection with its message, all or nothing, idempotence."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils import dataversion
from councils.imports.files import RowProblem, read_file
from councils.imports.resources import RESOURCES, DecisionResource
from councils.models import (
    Council,
    CouncilType,
    Decision,
    ImportRecord,
    Population,
    PreviousCode,
    Recommendation,
    ReportingYear,
)
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    PopulationFactory,
    RecommendationFactory,
    ReportingYearFactory,
)

pytestmark = pytest.mark.django_db

DECISION = {
    "reference": "24 000 001",
    "council_code": "E07000170",
    "category": "Housing",
    "received": "2023-05-14",
    "decided": "2023-09-01",
    "outcome": "Upheld",
    "remedied_by_council": "yes",
    "public_report": "no",
    "compliance": "Complied",
    "compliance_date": "2023-12-01",
    "summary": "Delay in repairs.",
}


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def import_rows(kind: str, rows: list[dict], dry_run: bool = False, **kwargs):
    dataset = read_file(f"{kind}.csv", to_csv(rows).encode())
    return RESOURCES[kind]().import_data(dataset, dry_run=dry_run, **kwargs)


def decision(n: int = 1, **changes) -> dict:
    return DECISION | {"reference": f"24 000 {n:03d}"} | changes


@pytest.fixture
def ashfield() -> Council:
    return CouncilFactory(code="E07000170", name="Ashfield", official_name="Ashfield DC")


@pytest.mark.usefixtures("ashfield")
@pytest.mark.parametrize(
    "changes, column, reason",
    [
        ({"council_code": "E07999999"}, "council_code", "No council has this code"),
        ({"category": "Housng"}, "category", "Not a known service category"),
        ({"outcome": "Partly upheld"}, "outcome", "Not a known outcome"),
        ({"compliance": "Partly"}, "compliance", "Not a known compliance outcome"),
        ({"received": "31/02/2023"}, "received", "Not a real date"),
        ({"received": "May 14th"}, "received", "Not a date. Use 2023-05-14 or 14/05/2023."),
        ({"received": ""}, "received", "Required, but the cell is blank."),
        ({"decided": "2023-05-13"}, "decided", "Before the received date, 14/05/2023."),
        ({"decided": ""}, "decided", "Blank, but the row has an outcome"),
        (
            {"outcome": "", "remedied_by_council": "no"},
            "outcome",
            "Blank, but the row has a decided",
        ),
        ({"compliance_date": ""}, "compliance_date", "Blank, but the row has a compliance outcome"),
        ({"compliance": ""}, "compliance", "Blank, but the row has a compliance date"),
        ({"outcome": "Not upheld"}, "remedied_by_council", "only an upheld complaint"),
        ({"public_report": "maybe"}, "public_report", "Not yes or no"),
        ({"reference": ""}, "reference", "Required"),
        ({"reference": "2" * 21}, "reference", "Too long: 21 characters, the most is 20."),
        ({"summary": "a\x00b"}, "summary", "Contains a NUL character"),
    ],
)
def test_a_bad_decision_row_is_refused_with_its_row_column_value_and_reason(
    changes, column, reason
):
    result = import_rows("decisions", [decision(1), decision(2, **changes)])

    assert len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.row, problem.column) == (3, column)  # the header is row 1
    assert problem.value == changes.get(column, DECISION.get(column, ""))
    assert reason in problem.reason
    assert Decision.objects.count() == 0


@pytest.mark.usefixtures("ashfield")
def test_a_reference_repeated_in_the_file_is_refused_on_its_second_row():
    result = import_rows("decisions", [decision(1), decision(2), decision(1)])

    assert result.problems == [
        RowProblem(
            4,
            "reference",
            "24 000 001",
            "Repeats row 2: each reference may appear only once in a file.",
        )
    ]


@pytest.mark.usefixtures("ashfield")
def test_every_problem_of_every_row_is_reported_in_file_order():
    rows = [
        decision(1),
        decision(2, category="Parking", received="yesterday"),
        decision(3),
        decision(4, council_code="E06999999"),
    ]

    result = import_rows("decisions", rows)

    assert [(p.row, p.column) for p in result.problems] == [
        (3, "category"),
        (3, "received"),
        (5, "council_code"),
    ]
    assert result.counts.rejected == 2
    assert str(result.problems[0]).startswith("row 3, category “Parking”: Not a known")


def test_one_bad_row_among_good_ones_writes_nothing(ashfield):
    existing = DecisionFactory(reference="24 000 001", council=ashfield, outcome="Not upheld")
    rows = [decision(1), decision(2), decision(3, outcome="Quashed")]

    result = import_rows("decisions", rows)

    assert result.counts.rejected == 1
    assert list(Decision.objects.all()) == [existing]
    existing.refresh_from_db()
    assert existing.outcome == "Not upheld"  # the update in row 2 was rolled back too
    record = ImportRecord.objects.get()
    assert (record.applied, record.rejected, record.new, record.updated) == (False, 1, 1, 1)


def test_names_are_matched_whatever_their_case_spacing_and_ampersands(ashfield):
    rows = [
        decision(1, category="  environmental SERVICES,public protection & regulation "),
        decision(2, category="education & children\u2019s services", outcome=" not  UPHELD "),
        decision(3, outcome="incomplete / invalid", remedied_by_council="", compliance=""),
        decision(4, compliance="complied LATE", council_code="e07000170"),
    ]
    rows[2]["compliance_date"] = ""

    result = import_rows("decisions", [row | {"remedied_by_council": ""} for row in rows])

    assert not result.problems
    stored = dict(Decision.objects.values_list("reference", "category__name"))
    assert stored["24 000 001"] == "Environmental services, public protection and regulation"
    assert stored["24 000 002"] == "Education and children's services"
    assert Decision.objects.get(reference="24 000 003").outcome == "Incomplete/Invalid"
    assert Decision.objects.get(reference="24 000 004").compliance == "Complied late"


@pytest.mark.usefixtures("ashfield")
@pytest.mark.parametrize(
    "text, expected",
    [
        ("yes", True),
        ("Y", True),
        ("true", True),
        ("1", True),
        ("no", False),
        ("n", False),
        ("FALSE", False),
        ("0", False),
        ("", False),
    ],
)
def test_yes_no_columns_accept_the_usual_spellings(text, expected):
    result = import_rows("decisions", [decision(1, public_report=text)])

    assert not result.problems
    assert Decision.objects.get().public_report is expected


@pytest.mark.usefixtures("ashfield")
def test_dates_are_read_in_both_forms_and_an_undecided_complaint_has_neither_date_nor_outcome():
    undecided = decision(2, decided="", outcome="", remedied_by_council="no")
    undecided |= {"compliance": "", "compliance_date": "", "received": "14/05/2023"}

    result = import_rows("decisions", [decision(1, received="2023-05-14"), undecided])

    assert not result.problems
    assert {d.received.isoformat() for d in Decision.objects.all()} == {"2023-05-14"}
    assert Decision.objects.get(reference="24 000 002").decided is None


def test_a_previous_code_finds_the_council_that_now_has_it(ashfield):
    PreviousCode.objects.create(council=ashfield, code="E07000031")

    result = import_rows("decisions", [decision(1, council_code="E07000031")])

    assert not result.problems
    assert Decision.objects.get().council == ashfield


@pytest.mark.usefixtures("ashfield")
def test_importing_the_same_file_twice_reports_every_row_unchanged_and_changes_nothing():
    rows = [decision(n) for n in range(1, 6)]
    import_rows("decisions", rows)
    before = list(Decision.objects.order_by("pk").values())
    version = dataversion.current()

    result = import_rows("decisions", rows)

    assert str(result.counts) == "0 new, 0 updated, 5 unchanged"
    assert list(Decision.objects.order_by("pk").values()) == before
    assert dataversion.current() == version  # nothing changed, so cached pages stay valid


def test_a_corrected_file_updates_records_in_place_by_reference(ashfield):
    other = CouncilFactory(code="E07000171")
    import_rows("decisions", [decision(1), decision(2)])
    pk = Decision.objects.get(reference="24 000 002").pk

    corrected = decision(2, council_code=other.code, outcome="Not upheld", remedied_by_council="no")
    result = import_rows("decisions", [decision(1), corrected])

    assert str(result.counts) == "0 new, 1 updated, 1 unchanged"
    moved = Decision.objects.get(reference="24 000 002")
    assert (moved.pk, moved.council, moved.outcome) == (pk, other, "Not upheld")
    assert Decision.objects.filter(council=ashfield).upheld().count() == 1


@pytest.mark.usefixtures("ashfield")
def test_an_import_runs_the_same_queries_for_ten_rows_as_for_five_hundred():
    def queries(rows: int, first: int) -> int:
        with CaptureQueriesContext(connection) as context:
            result = import_rows("decisions", [decision(n) for n in range(first, first + rows)])
        assert result.counts.new == rows
        # Only the bulk insert grows, by one statement per batch the database takes.
        return len([q for q in context.captured_queries if not q["sql"].startswith("INSERT")])

    dataversion.bump()  # its first bump creates the row: one query more, once
    ReportingYearFactory(label="2023-24")  # creating the rows' year: queries more, once
    assert queries(10, first=1) == queries(500, first=100)


@pytest.mark.usefixtures("ashfield")
def test_a_row_the_database_refuses_is_reported_against_that_row(monkeypatch):
    # Switch off the row checks so that the database's own check constraint has to refuse it.
    monkeypatch.setattr(DecisionResource, "check", lambda self, instance, failed: iter(()))
    rows = [decision(n) for n in range(1, 8)]
    rows[4]["decided"] = "2023-01-01"  # before received

    result = import_rows("decisions", rows)

    assert [(p.row, p.column) for p in result.problems] == [(6, "")]
    assert result.problems[0].reason.startswith("The database refused this row")
    assert result.counts.rejected == 1
    assert Decision.objects.count() == 0


def test_history_records_who_imported_which_file_and_what_it_did(ashfield, django_user_model):
    user = django_user_model.objects.create_user("officer")
    version = dataversion.current()

    import_rows("decisions", [decision(1)], file_name="2023-24.csv", file_size=321, user=user)

    record = ImportRecord.objects.get()
    assert (record.kind, record.file_name, record.file_size) == ("decisions", "2023-24.csv", 321)
    assert (record.imported_by, record.dry_run, record.applied) == (user, False, True)
    assert (record.new, record.updated, record.unchanged, record.rejected) == (1, 0, 0, 0)
    assert dataversion.current() > version


@pytest.mark.usefixtures("ashfield")
def test_a_dry_run_counts_changes_writes_nothing_and_keeps_the_data_version():
    version = dataversion.current()

    result = import_rows("decisions", [decision(1)], dry_run=True)

    assert result.counts.new == 1
    assert Decision.objects.count() == 0
    assert ImportRecord.objects.get().dry_run
    assert dataversion.current() == version


def test_data_version_counts_up_from_zero():
    assert dataversion.current() == 0
    dataversion.bump()
    assert dataversion.current() == 1
    dataversion.bump()
    assert dataversion.current() == 2


# --- Populations ---------------------------------------------------------------------------


def test_populations_create_the_year_and_update_in_place_by_council_and_year(ashfield):
    rows = [{"council_code": "E07000170", "year": "2023-24", "population": "127,151"}]

    first = import_rows("populations", rows)
    second = import_rows("populations", [rows[0] | {"population": "128000"}])

    assert (first.counts.new, second.counts.updated) == (1, 1)
    population = Population.objects.get()
    assert (population.council, population.year.label, population.population) == (
        ashfield,
        "2023-24",
        128_000,
    )
    assert ReportingYear.objects.get().start.isoformat() == "2023-04-01"


@pytest.mark.usefixtures("ashfield")
@pytest.mark.parametrize(
    "changes, column, reason",
    [
        ({"population": "0"}, "population", "Must be more than 0."),
        ({"population": "-5"}, "population", "Must be more than 0."),
        ({"population": "many"}, "population", "Not a whole number."),
        ({"year": "2023/24"}, "year", "is not a reporting year like 2023-24"),
        ({"year": "2023-25"}, "year", "the years must be consecutive"),
        ({"council_code": "W06000001"}, "council_code", "No council has this code"),
    ],
)
def test_a_bad_population_row_is_refused(changes, column, reason):
    row = {"council_code": "E07000170", "year": "2023-24", "population": "100000"}

    result = import_rows("populations", [row | changes])

    assert [(p.row, p.column) for p in result.problems] == [(2, column)]
    assert reason in result.problems[0].reason
    assert Population.objects.count() == 0
    assert ReportingYear.objects.count() == 0


@pytest.mark.usefixtures("ashfield")
def test_a_council_and_year_repeated_in_a_populations_file_is_refused():
    row = {"council_code": "E07000170", "year": "2023-24", "population": "100000"}

    result = import_rows("populations", [row, row | {"population": "5"}])

    assert result.problems[0].reason == (
        "Repeats row 2: each council_code + year may appear only once in a file."
    )


# --- Councils ------------------------------------------------------------------------------

COUNCIL = {
    "code": "E07000170",
    "name": "Ashfield",
    "official_name": "Ashfield District Council",
    "type": "district",
    "county_code": "E10000024",
    "chief_executive": "Theresa Hodgkinson",
    "chief_executive_title": "Chief Executive",
}
COUNTY = COUNCIL | {
    "code": "E10000024",
    "name": "Nottinghamshire",
    "official_name": "Nottinghamshire County Council",
    "type": "County council",
    "county_code": "",
}


def test_councils_are_created_with_a_slug_and_a_district_may_name_a_county_above_it():
    result = import_rows("councils", [COUNTY, COUNCIL])

    assert not result.problems
    ashfield = Council.objects.get(code="E07000170")
    assert (ashfield.slug, ashfield.county.code, ashfield.type_id) == (
        "ashfield",
        "E10000024",
        CouncilType.DISTRICT,
    )


def test_a_council_row_updates_the_council_with_that_code(ashfield):
    result = import_rows(
        "councils", [COUNCIL | {"county_code": "", "chief_executive": "A. N. Other"}]
    )

    assert result.counts.updated == 1
    ashfield.refresh_from_db()
    assert (ashfield.chief_executive, ashfield.official_name) == (
        "A. N. Other",
        "Ashfield District Council",
    )


@pytest.mark.parametrize(
    "changes, column, reason",
    [
        ({"code": "W06000001"}, "code", "Not an English council code like E07000170."),
        ({"type": "unitary", "county_code": ""}, "type", "A E07 code is a district council."),
        ({"type": "parish"}, "type", "Not a known council type"),
        ({"county_code": "E07000171"}, "county_code", "is not a county council"),
        ({"name": ""}, "name", "Required"),
    ],
)
def test_a_bad_council_row_is_refused(changes, column, reason):
    CouncilFactory(code="E07000171", type=CouncilType.DISTRICT)

    result = import_rows("councils", [COUNTY, COUNCIL | changes])

    assert [(p.row, p.column) for p in result.problems] == [(3, column)]
    assert reason in result.problems[0].reason
    assert not Council.objects.filter(code__in=["E10000024", "E07000170"]).exists()


def test_only_a_district_sits_in_a_county():
    county = CouncilFactory(code="E10000024", type=CouncilType.COUNTY)
    row = COUNCIL | {"code": "E06000061", "type": "unitary", "county_code": county.code}

    result = import_rows("councils", [row])

    assert [(p.column, p.reason) for p in result.problems] == [
        ("county_code", "Only district councils sit in a county.")
    ]


def test_a_previous_code_is_not_a_new_council(ashfield):
    PreviousCode.objects.create(council=ashfield, code="E07000031")

    result = import_rows("councils", [COUNCIL | {"code": "E07000031", "county_code": ""}])

    assert result.problems[0].reason == (
        "This is a previous code of Ashfield DC: use its current code E07000170."
    )


def test_a_council_the_database_refuses_is_reported_against_its_row(ashfield):
    # A second "Ashfield" would take the first one's slug, which must be unique.
    row = COUNCIL | {"code": "E07000999", "county_code": ""}

    result = import_rows("councils", [row])

    assert result.problems[0].row == 2
    assert result.problems[0].reason.startswith("The database refused this row")
    assert not Council.objects.filter(code="E07000999").exists()


# --- Recommendations -----------------------------------------------------------------------


def test_recommendations_are_keyed_by_reference_kind_and_text():
    existing = RecommendationFactory(decision__reference="24 000 001")
    rows = [
        {"reference": "24 000 001", "kind": "remedy", "recommendation": existing.text, "due": ""},
        {
            "reference": "24  000 001",
            "kind": "Service Improvement",
            "recommendation": "Review how repairs are chased.",
            "due": "01/03/2024",
        },
    ]

    result = import_rows("recommendations", rows)

    assert str(result.counts) == "1 new, 0 updated, 1 unchanged"
    improvement = Recommendation.objects.service_improvements().get()
    assert (improvement.decision, improvement.due.isoformat()) == (existing.decision, "2024-03-01")


@pytest.mark.parametrize(
    "changes, column, reason",
    [
        ({"reference": "99 999 999"}, "reference", "import the decisions file first"),
        ({"kind": "Apology"}, "kind", "Not a known recommendation kind"),
        ({"recommendation": ""}, "recommendation", "Required"),
        ({"due": "next week"}, "due", "Not a date"),
    ],
)
def test_a_bad_recommendation_row_is_refused(changes, column, reason):
    DecisionFactory(reference="24 000 001")
    row = {"reference": "24 000 001", "kind": "Remedy", "recommendation": "Pay £100.", "due": ""}

    result = import_rows("recommendations", [row | changes])

    assert [(p.row, p.column) for p in result.problems] == [(2, column)]
    assert reason in result.problems[0].reason
    assert Recommendation.objects.count() == 0


def test_population_factory_rows_export_and_stay_unchanged():
    population = PopulationFactory(year=ReportingYearFactory(label="2022-23"))
    row = {
        "council_code": population.council.code,
        "year": "2022-23",
        "population": str(population.population),
    }

    assert import_rows("populations", [row]).counts.unchanged == 1
