"""Whole-file checks (type, size, emptiness, columns), XLSX files and the import_data command."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper
from django.test import override_settings

from councils.imports.files import ImportFileError, check_upload, read_file
from councils.imports.resources import RESOURCES
from councils.models import Decision, ImportRecord, Population
from councils.progress import CommandProgress
from tests.factories import CouncilFactory

HEADER = "reference,council_code,category,received,decided,outcome"
ROW = "24 000 001,E07000170,Housing,2023-05-14,2023-09-01,Not upheld"


def import_text(kind: str, text: str, **kwargs):
    return RESOURCES[kind]().import_data(read_file(f"{kind}.csv", text.encode()), **kwargs)


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(ImportFileError) as caught:
        read_file(name, content)
    return str(caught.value)


@pytest.fixture
def ashfield():
    return CouncilFactory(code="E07000170")


# --- One plain message for a file that cannot be imported at all ----------------------------


@override_settings(IMPORT_MAX_BYTES=1_048_576)
def test_a_file_over_the_size_cap_is_refused_by_its_size_alone():
    with pytest.raises(ImportFileError) as caught:
        check_upload("decisions.csv", 3 * 1_048_576)

    assert str(caught.value) == (
        "The file is 3.0 MB: the most we accept is 1.0 MB. Split it into smaller files."
    )


def test_a_file_that_is_not_csv_or_xlsx_is_refused():
    assert refusal("decisions.pdf", b"%PDF-1.7") == (
        "“decisions.pdf” is not a CSV or XLSX file. Save the spreadsheet as “CSV UTF-8” or as "
        "an Excel workbook (.xlsx) and import that."
    )


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty: it has no header row."),
        (b"\n\n", "The file is empty: it has no header row."),
        (HEADER.encode() + b"\n", "The file has a header row but no rows of data under it."),
        (HEADER.encode() + b"\n,,,,,\n,,,,,\n", "The file has a header row but no rows of data"),
    ],
)
def test_an_empty_file_is_refused(content, message):
    assert refusal("decisions.csv", content).startswith(message)


@override_settings(IMPORT_MAX_ROWS=2)
def test_a_file_over_the_row_cap_is_refused():
    content = "\n".join([HEADER, ROW, ROW, ROW]).encode()

    assert refusal("decisions.csv", content) == (
        "The file has 3 rows: the most we accept is 2. Split it into smaller files."
    )


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("d.csv", "reference,café\n1,2\n".encode("cp1252"), "The file is not a UTF-8 CSV file."),
        (
            "d.csv",
            b"reference,received\n1,2,3\n",
            "A row of the file has more cells than the header",
        ),
        ("d.xlsx", b"reference,received\n", "could not be opened as an Excel workbook (.xlsx)."),
        ("d.csv", b"Reference,reference\n1,2\n", "The column “reference” appears more than once"),
    ],
)
def test_a_file_that_does_not_read_as_its_type_is_refused(name, content, message):
    assert message in refusal(name, content)


@pytest.mark.django_db
def test_a_missing_required_column_is_one_message_and_writes_nothing(ashfield):
    result = import_text(
        "decisions", "reference,council_code,category,received,decided\n1,2,3,4,5\n"
    )

    assert result.file_problems == [
        "The file has no outcome column. A decisions file has the columns reference, "
        "council_code, category, received, decided, outcome, remedied_by_council, public_report, "
        "compliance, compliance_date, summary (in any order and case; other columns are ignored)."
    ]
    assert result.problems == []
    assert Decision.objects.count() == 0
    assert ImportRecord.objects.get().problem == result.file_problems[0]


@pytest.mark.django_db
def test_column_names_are_matched_in_any_case_and_other_columns_are_ignored(ashfield):
    text = (
        " Reference ,Council Code,CATEGORY,Received,Decided,Outcome,Notes for staff\n"
        f"{ROW},please ignore\n"
    )

    result = import_text("decisions", text)

    assert not result.problems
    decision = Decision.objects.get()
    assert (decision.council, decision.summary, decision.public_report) == (ashfield, "", False)


# --- XLSX ----------------------------------------------------------------------------------


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_an_xlsx_file_with_typed_cells_imports_like_csv(ashfield):
    content = xlsx(
        [
            [
                "Reference",
                "Council_code",
                "Category",
                "Received",
                "Decided",
                "Outcome",
                "Public_report",
            ],
            [
                24000001,
                "E07000170",
                "Housing",
                datetime.datetime(2023, 5, 14),
                "01/09/2023",
                "Upheld",
                1,
            ],
            [None] * 7,  # a formatted but empty row at the bottom
        ]
    )

    result = RESOURCES["decisions"]().import_data(read_file("decisions.xlsx", content))

    assert not result.problems
    decision = Decision.objects.get()
    assert decision.reference == "24000001"
    assert (decision.received, decision.decided) == (
        datetime.date(2023, 5, 14),
        datetime.date(2023, 9, 1),
    )
    assert decision.public_report is True


@pytest.mark.django_db
def test_an_xlsx_population_may_be_a_number_cell(ashfield):
    content = xlsx([["council_code", "year", "population"], ["E07000170", "2023-24", 127151.0]])

    result = RESOURCES["populations"]().import_data(read_file("populations.xlsx", content))

    assert not result.problems
    assert Population.objects.get().population == 127_151


# --- The command ---------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_data", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_the_command_imports_a_file_and_records_it(tmp_path, ashfield, django_user_model):
    django_user_model.objects.create_user("loader")
    path = tmp_path / "decisions-2023-24.csv"
    path.write_text(f"{HEADER}\n{ROW}\n")

    out, _ = run("decisions", str(path), "--user", "loader")

    assert out.splitlines() == [
        f"{path}: imported decisions: 1 new, 0 updated, 0 unchanged.",
        "Created the reporting year 2023-24, hidden from the public until published with "
        "publish_year.",
    ]
    assert Decision.objects.get().council == ashfield
    record = ImportRecord.objects.get()
    assert (record.via, record.file_name, record.imported_by.username, record.applied) == (
        "command",
        "decisions-2023-24.csv",
        "loader",
        True,
    )


@pytest.mark.django_db
def test_the_command_dry_run_writes_nothing(tmp_path, ashfield):
    path = tmp_path / "decisions.csv"
    path.write_text(f"{HEADER}\n{ROW}\n")

    out, _ = run("decisions", str(path), "--dry-run")

    assert "would import decisions: 1 new" in out
    assert Decision.objects.count() == 0


@pytest.mark.django_db
def test_the_command_prints_every_problem_and_fails(tmp_path, ashfield):
    path = tmp_path / "decisions.csv"
    bad = ROW.replace("Housing", "Hosing").replace("2023-09-01", "2023-01-01")
    later = [bad.replace("24 000 001", f"24 000 00{n}") for n in (2, 3)]
    path.write_text("\n".join([HEADER, ROW, *later]) + "\n")
    err = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("import_data", "decisions", str(path), stderr=err)

    assert caught.value.returncode == 1
    assert str(caught.value) == (
        f"{path}: 2 of 3 rows rejected (4 problems); nothing was imported."
    )
    output = err.getvalue().splitlines()  # not a terminal: plain progress lines, bad rows too
    progress, lines = output[:3], output[3:]
    assert progress == ["1 of 3 rows (33%)", "2 of 3 rows (66%)", "3 of 3 rows (100%)"]
    assert len(lines) == 4
    assert lines[0].startswith("row 3, category “Hosing”: Not a known service category.")
    assert lines[1] == "row 3, decided “2023-01-01”: Before the received date, 14/05/2023."
    assert Decision.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content, message",
    [
        ("decisions.txt", b"x", "is not a CSV or XLSX file"),
        ("decisions.csv", b"", "The file is empty"),
        ("decisions.csv", b"reference\n1\n", "The file has no council_code, category, received"),
    ],
)
def test_the_command_fails_with_one_message_for_a_bad_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        run("decisions", str(path))


@pytest.mark.django_db
def test_the_command_refuses_a_missing_file_and_an_unknown_user(tmp_path):
    with pytest.raises(CommandError, match="No such file or directory"):
        run("decisions", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        run("decisions", str(tmp_path / "missing.csv"), "--user", "nobody")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_redraws_once_per_percent_on_a_terminal():
    out = Terminal()
    bar = CommandProgress(OutputWrapper(out), "rows")

    for done in range(1, 401):
        bar(done, 400)
    bar.finish()

    frames = out.getvalue().split("\r")[1:]
    assert len(frames) == 101  # 0% to 100%
    assert frames[-1] == f"[{'#' * 30}] 400/400 rows\n"


def test_progress_is_plain_lines_in_ci_and_logs():
    out = io.StringIO()  # not a terminal
    progress = CommandProgress(OutputWrapper(out), "rows")

    for done in range(1, 401):
        progress(done, 400)
    progress.finish()

    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines[0] == "1 of 400 rows (0%)"
    assert lines[1] == "40 of 400 rows (10%)"
    assert lines[-1] == "400 of 400 rows (100%)"
    assert len(lines) == 11
