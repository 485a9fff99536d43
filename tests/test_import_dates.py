"""Rules for dates and years (issue 11, item 4): from 2013-14, the first reporting year we publish,
to today; every refusal names the row, the column, the value as written and the reason."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from councils.imports.cells import DateCell
from councils.imports.files import read_file
from councils.imports.resources import RESOURCES
from councils.models import Decision, Recommendation, ReportingYear
from tests.factories import CouncilFactory, DecisionFactory, ReportingYearFactory
from tests.test_import_rows import decision, import_rows

pytestmark = pytest.mark.django_db

D = datetime.date
BEFORE = "Before 1 April 2013, the start of the first reporting year we publish (2013-14)."
FUTURE = "After today, 24/07/2024: a date cannot be in the future."
NOT_A_DATE = "Not a date. Use 2023-05-14 or 14/05/2023."
POPULATION_CSV = "council_code,year,population\nE07000170,2024-25,5\n"
NEW_YEAR = "the reporting year 2024-25, hidden from the public until published with publish_year."


@pytest.fixture(autouse=True)
def today():
    """Today is 24 July 2024, in reporting year 2024-25."""
    with time_machine.travel(D(2024, 7, 24), tick=False):
        yield


@pytest.fixture(autouse=True)
def ashfield():
    return CouncilFactory(code="E07000170", name="Ashfield")


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems(result) -> list[str]:
    return [str(problem) for problem in result.problems]


# --- Dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, value, reason",
    [
        ("received", "2099-05-14", FUTURE),
        ("received", "14/05/0001", BEFORE),
        ("received", "0001-01-01", BEFORE),
        ("received", "31/03/2013", BEFORE),
        ("decided", "25/07/2024", FUTURE),
        ("compliance_date", "2031-01-01", FUTURE),
    ],
)
def test_a_date_after_today_or_before_2013_14_is_refused_as_written(column, value, reason):
    result = import_rows("decisions", [decision(1, **{column: value})])

    assert problems(result) == [f"row 2, {column} “{value}”: {reason}"]
    assert Decision.objects.count() == 0


def test_dates_run_from_1_april_2013_to_today():
    rows = [
        decision(1, received="31/03/2013"),
        decision(2, received="01/04/2013", compliance_date="2024-07-24"),
        decision(3, decided="24/07/2024"),
        decision(4, decided="25/07/2024"),
    ]

    result = import_rows("decisions", rows)

    assert problems(result) == [
        f"row 2, received “31/03/2013”: {BEFORE}",
        f"row 5, decided “25/07/2024”: {FUTURE}",
    ]


@pytest.mark.parametrize(
    "due, reason",
    [
        ("2026-04-01", "After 31 March 2026, the end of next reporting year: check the year."),
        ("01/01/2099", "After 31 March 2026, the end of next reporting year: check the year."),
        ("2012-12-31", BEFORE),
    ],
)
def test_a_due_date_may_be_ahead_but_not_beyond_next_reporting_year(due, reason):
    DecisionFactory(reference="24 000 001")
    row = {"reference": "24 000 001", "kind": "Remedy", "recommendation": "Pay £100.", "due": due}

    refused = import_rows("recommendations", [row])
    accepted = import_rows("recommendations", [row | {"due": "31/03/2026"}])

    assert problems(refused) == [f"row 2, due “{due}”: {reason}"]
    assert problems(accepted) == []
    assert Recommendation.objects.get().due == D(2026, 3, 31)


def test_an_xlsx_date_that_lost_its_format_is_read_as_the_excel_day_it_counts():
    # Excel counts days from 30 December 1899: 45061 is 15 May 2023, 41365 is 1 April 2013.
    header = ["reference", "council_code", "category", "received", "decided", "outcome"]
    content = xlsx(
        [
            header,
            ["24 000 001", "E07000170", "Housing", 45061, 45170.0, "Upheld"],
            ["24 000 002", "E07000170", "Housing", 41365, None, None],
            ["24 000 003", "E07000170", "Housing", D(2023, 5, 14), None, None],
            ["24 000 004", "E07000170", "Housing", datetime.datetime(2023, 5, 14, 9), None, None],
        ]
    )

    result = RESOURCES["decisions"]().import_data(read_file("decisions.xlsx", content))

    assert problems(result) == []
    assert dict(Decision.objects.values_list("reference", "received")) == {
        "24 000 001": D(2023, 5, 15),
        "24 000 002": D(2013, 4, 1),
        "24 000 003": D(2023, 5, 14),
        "24 000 004": D(2023, 5, 14),
    }
    assert Decision.objects.get(reference="24 000 001").decided == D(2023, 9, 1)


def test_a_number_is_a_date_only_when_it_is_an_excel_day_we_accept():
    def read(value):
        try:
            return DateCell().clean(value)
        except ValueError as error:
            return str(error)

    numbers = [45061, 45061.0, 45061.75, 41365, 45497, 41364, 45498, 5, -1, 1e300, float("inf")]

    assert [read(number) for number in numbers] == [
        D(2023, 5, 15),
        D(2023, 5, 15),
        D(2023, 5, 15),  # a day and a time: the day
        D(2013, 4, 1),  # the first day we accept
        D(2024, 7, 24),  # today
        *[NOT_A_DATE] * 6,  # the day before, tomorrow, and numbers that are no day at all
    ]
    assert read(float("nan")) == read(True) == NOT_A_DATE


def test_bad_xlsx_dates_are_shown_as_written_not_as_python_prints_them():
    header = ["reference", "council_code", "category", "received", "decided", "outcome"]
    content = xlsx(
        [
            header,
            ["24 000 001", "E07000170", "Housing", datetime.datetime(2099, 5, 14), None, None],
            ["24 000 002", "E07000170", "Housing", D(2012, 1, 31), None, None],
            ["24 000 003", "E07000170", "Housing", 5.0, None, None],
            ["24 000 004", "E07000170", "Housing", D(2023, 5, 14), "2023-05-13", "Upheld"],
        ]
    )

    result = RESOURCES["decisions"]().import_data(read_file("decisions.xlsx", content))

    assert problems(result) == [
        f"row 2, received “14/05/2099”: {FUTURE}",
        f"row 3, received “31/01/2012”: {BEFORE}",
        f"row 4, received “5”: {NOT_A_DATE}",
        "row 5, decided “2023-05-13”: Before the received date, 14/05/2023.",
    ]


# --- Year labels ---------------------------------------------------------------------------

BAD_LABELS = [
    ("9998-99", "9998-99 has not started yet: the latest reporting year is 2024-25."),
    ("9999-00", "9999-00 has not started yet: the latest reporting year is 2024-25."),
    ("2025-26", "2025-26 has not started yet: the latest reporting year is 2024-25."),
    ("2012-13", "2012-13 is before 2013-14, the first reporting year we publish."),
    ("0000-01", "0000-01 is before 2013-14, the first reporting year we publish."),
    ("2023-25", "“2023-25” is not a reporting year: the years must be consecutive."),
    ("2023/24", "“2023/24” is not a reporting year like 2023-24."),
]


@pytest.mark.parametrize("label, reason", BAD_LABELS)
def test_a_population_for_a_year_we_do_not_publish_is_refused(label, reason):
    row = {"council_code": "E07000170", "year": label, "population": "100000"}

    result = import_rows("populations", [row])

    assert problems(result) == [f"row 2, year “{label}”: {reason}"]
    assert not ReportingYear.objects.exists()  # so no staff year selector offers it


@pytest.mark.parametrize("label, reason", BAD_LABELS)
def test_publish_year_refuses_a_year_we_do_not_publish(label, reason):
    with pytest.raises(CommandError) as error:
        call_command("publish_year", label, stdout=io.StringIO())

    assert str(error.value) == reason
    assert not ReportingYear.objects.exists()


@pytest.mark.parametrize("label, reason", BAD_LABELS)
def test_the_admin_refuses_a_year_we_do_not_publish(client, django_user_model, label, reason):
    user = django_user_model.objects.create_user("editor", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__endswith="reportingyear"))
    client.force_login(user)

    page = client.post("/admin/councils/reportingyear/add/", {"label": label})

    assert page.status_code == 200
    assert page.context["adminform"].form.errors == {"label": [reason]}
    assert not ReportingYear.objects.exists()


def test_population_years_run_from_2013_14_to_the_year_containing_today():
    labels = ["2012-13", "2013-14", "2024-25", "2025-26"]
    rows = [{"council_code": "E07000170", "year": label, "population": "5"} for label in labels]

    result = import_rows("populations", rows)

    assert problems(result) == [
        "row 2, year “2012-13”: 2012-13 is before 2013-14, the first reporting year we publish.",
        "row 5, year “2025-26”: 2025-26 has not started yet: the latest reporting year is 2024-25.",
    ]


# --- Years an import creates ---------------------------------------------------------------


def test_the_preview_says_confirming_creates_a_missing_year_and_creates_nothing():
    row = {"council_code": "E07000170", "year": "2024-25", "population": "100000"}

    preview = import_rows("populations", [row], dry_run=True)
    applied = import_rows("populations", [row])

    assert preview.new_years_notice == f"Importing this file creates {NEW_YEAR}"
    assert applied.new_years_notice == f"Created {NEW_YEAR}"
    assert ReportingYear.objects.get().published_on is None


def test_decisions_name_the_years_of_their_dates_that_are_missing():
    ReportingYearFactory(label="2023-24")
    rows = [
        decision(1, received="2023-05-14", decided="2024-06-01", compliance_date="2024-07-01"),
        decision(2, received="2022-12-01", decided="", outcome="", remedied_by_council="no")
        | {"compliance": "", "compliance_date": ""},
    ]

    result = import_rows("decisions", rows, dry_run=True)

    assert result.new_years_notice == (
        "Importing this file creates the reporting years 2022-23 and 2024-25, hidden from the "
        "public until published with publish_year."
    )
    assert list(ReportingYear.objects.values_list("label", flat=True)) == ["2023-24"]


def test_no_notice_when_the_years_exist_or_the_file_is_refused():
    ReportingYearFactory(label="2023-24")
    good = decision(1)
    bad = decision(2, received="2024-05-01", decided="2099-01-01")

    assert import_rows("decisions", [good], dry_run=True).new_years_notice == ""
    assert import_rows("decisions", [good, bad], dry_run=True).new_years_notice == ""


def test_the_admin_preview_shows_the_new_year_banner(client, django_user_model):
    user = django_user_model.objects.create_user("importer", is_staff=True)
    codenames = ["add_population", "change_population", "view_population"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    file = SimpleUploadedFile("populations.csv", POPULATION_CSV.encode())

    page = client.post(
        "/admin/councils/population/import/", {"resource": "0", "format": "", "import_file": file}
    )

    assert f"Importing this file creates {NEW_YEAR}" in page.content.decode()
    assert not ReportingYear.objects.exists()


def test_the_command_says_which_years_it_creates(tmp_path):
    path = tmp_path / "populations.csv"
    path.write_text(POPULATION_CSV)

    dry = io.StringIO()
    call_command("import_data", "populations", str(path), "--dry-run", stdout=dry)
    done = io.StringIO()
    call_command("import_data", "populations", str(path), stdout=done)

    assert dry.getvalue().splitlines()[-1] == f"Importing this file creates {NEW_YEAR}"
    assert done.getvalue().splitlines()[-1] == f"Created {NEW_YEAR}"
    assert ReportingYear.objects.get().label == "2024-25"
