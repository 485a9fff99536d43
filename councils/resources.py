"""django-import-export resources for the four import files (SPEC "Import files").

`DataResource` holds everything the four share, so each one only declares its columns, its
natural key, how to fetch the records a file may update, and its rules across columns:

- every problem in every row is reported (row, column, value, reason), and if any row is bad
  nothing is written: the whole import is one transaction, rolled back;
- bounded memory and time: the rows are checked and written in chunks (`councils.import_engine`,
  which says why), records a chunk may update are fetched by natural key, foreign keys come from
  dictionaries built once per import, and the library's per-row deep copy and HTML diff give way
  to comparing a tuple;
- a row the database still refuses (a constraint the checks here missed) is found by halving its
  chunk's write and reported against its row instead of failing the request;
- every run is recorded as an ImportRecord, and one that changed data bumps the data version.
"""

import copy
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from operator import attrgetter
from typing import Any, ClassVar

import tablib
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import F, Model, QuerySet, TextChoices
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from import_export.fields import Field
from import_export.results import Result, RowResult

from councils import dataversion, revisions
from councils.cells import (
    CategoryCell,
    CellWidget,
    DateCell,
    TypeCell,
    YearBook,
    YearCell,
    fold,
)
from councils.exports import SafeResource
from councils.import_engine import ChunkedImport, ImportResult, has_problems, in_batches, refused
from councils.importing import (
    Counts,
    ImportFileError,
    check_columns,
    read_notes,
    row_problems,
    tidy,
)
from councils.models import (
    Compliance,
    Council,
    CouncilType,
    Decision,
    ImportKind,
    ImportRecord,
    Outcome,
    Population,
    Recommendation,
    RecommendationKind,
)
from councils.spreadsheets import restore_formula

# The admin preview shows this many new or changed rows; the counts cover the rest.
PREVIEW_ROWS = 100

# --- Cells ---------------------------------------------------------------------------------


def normalise_reference(text: str) -> str:
    """`23  001 234` -> `23 001 234`."""
    normal = " ".join(text.split())
    return text if normal == text else normal  # the file's own string: one copy, not two


class TextCell(CellWidget):
    blank = ""

    def __init__(self, *, max_length: int | None = None, required: bool = False):
        super().__init__(required=required)
        self.max_length = max_length

    def parse(self, text: str) -> str:
        text = restore_formula(text)
        if self.max_length and len(text) > self.max_length:
            raise ValueError(f"Too long: {len(text)} characters, the most is {self.max_length}.")
        return text


class ReferenceCell(TextCell):
    def parse(self, text: str) -> str:
        return super().parse(normalise_reference(text))


class CodeCell(CellWidget):
    _FORMAT = re.compile(r"E(0[6-9]|10)\d{6}")

    def parse(self, text: str) -> str:
        code = text.upper()
        if not self._FORMAT.fullmatch(code):
            raise ValueError("Not an English council code like E07000170.")
        return code


class ChoiceCell(CellWidget):
    blank = ""

    def __init__(self, choices: type[TextChoices], *, noun: str, required: bool = False):
        super().__init__(required=required)
        self.noun = noun
        self.values = list(choices.values)
        self.exact = {str(label): value for value, label in choices.choices}
        self.exact.update({value: value for value in self.values})
        self.lookup = {fold(text): value for text, value in self.exact.items()}

    def parse(self, text: str) -> str:
        value = self.exact.get(text) or self.lookup.get(fold(text))
        if value is None:
            raise ValueError(f"Not a known {self.noun}. Use one of: {'; '.join(self.values)}.")
        return value


class YesNoCell(CellWidget):
    blank = False
    _YES = frozenset({"yes", "y", "true", "1"})
    _NO = frozenset({"no", "n", "false", "0"})

    def parse(self, text: str) -> bool:
        word = text.lower()
        if word in self._YES:
            return True
        if word in self._NO:
            return False
        raise ValueError("Not yes or no. Use yes, no, y, n, true, false, 1 or 0 (blank means no).")

    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"


class CountCell(CellWidget):
    _WHOLE = re.compile(r"-?\d{1,12}")

    def parse(self, text: str) -> int:
        digits = text.replace(",", "")
        if not self._WHOLE.fullmatch(digits):
            raise ValueError("Not a whole number.")
        number = int(digits)
        if number <= 0:
            raise ValueError("Must be more than 0.")
        if number > 2_147_483_647:
            raise ValueError("Too large.")
        return number

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):  # a number cell in XLSX
            return value
        return super().render(value)


class CouncilCell(CellWidget):
    """A council by its current or any previous code, from a map filled once per import."""

    def __init__(self, *, required: bool = False, county: bool = False):
        super().__init__(required=required)
        self.county = county
        self.by_code: dict[str, Council] = {}

    def parse(self, text: str) -> Council:
        council = self.by_code.get(text.upper())
        if council is None:
            raise ValueError("No council has this code, now or previously.")
        if self.county and council.type_id != CouncilType.COUNTY:
            raise ValueError(f"{council} is not a county council.")
        return council

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class DecisionCell(CellWidget):
    """A decision by reference, from a map filled once per import."""

    def __init__(self, *, required: bool = False):
        super().__init__(required=required)
        self.by_reference: dict[str, Decision] = {}

    def parse(self, text: str) -> Decision:
        decision = self.by_reference.get(normalise_reference(text))
        if decision is None:
            raise ValueError("No decision has this reference: import the decisions file first.")
        return decision

    def render(self, value, obj=None, **kwargs):
        return value.reference if value else ""


def councils_by_code() -> dict[str, Council]:
    """Every current and previous code -> its council, in one query."""
    by_code: dict[str, Council] = {}
    for council in Council.objects.annotate(previous_code=F("previous_codes__code")):
        council = by_code.setdefault(council.code, council)
        if council.previous_code:
            by_code[council.previous_code] = council
    return by_code


# --- The shared resource ---------------------------------------------------------------------


class DataResource(revisions.RevisesOnImport, ChunkedImport, SafeResource):
    """What the four import resources share (see the module docstring), and revisions."""

    import_kind: ClassVar[str]
    # Columns a file may leave out: the records keep (or, when new, default) those values.
    optional_columns: ClassVar[frozenset[str]] = frozenset()

    class Meta:
        use_transactions = True
        use_bulk = True
        skip_unchanged = True
        report_skipped = True
        # The library deep-copies every row to diff it; `skip_row` compares a tuple instead and
        # `after_import_row` renders the few preview rows the admin shows.
        skip_diff = True
        skip_html_diff = True

    @classmethod
    def get_result_class(cls):
        return ImportResult

    def __init__(self, progress: Callable[[int, int], None] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.progress = progress
        model_fields = self._meta.model._meta
        attnames = [model_fields.get_field(f.attribute).attname for f in self._import_fields]
        self._values = attrgetter(*attnames)  # the record's imported values, as a tuple
        self._cells = [(f.column_name, f.attribute, f.widget.clean) for f in self._import_fields]
        self._columns = {field.attribute: field.column_name for field in self._import_fields}
        self._related = [
            f.attribute
            for f in self._import_fields
            if model_fields.get_field(f.attribute).is_relation
        ]
        self._key_fields = [self.fields[name] for name in self.get_import_id_fields()]
        self._key_attributes = [field.attribute for field in self._key_fields]
        key_attnames = [model_fields.get_field(a).attname for a in self._key_attributes]
        self._key = attrgetter(*key_attnames)
        self._reset()

    def _reset(self) -> None:
        self._total = 0
        self._seen: dict[tuple, int] = {}
        self._pending: dict[int, tuple[int, dict, RowResult]] = {}
        self._current: Model | None = None
        self._before: tuple | None = None
        self._original: Model | None = None
        self._previews: list[RowResult] = []
        self.years = YearBook()

    @cached_property
    def _import_fields(self) -> list[Field]:
        return super().get_import_fields()

    def get_import_fields(self):
        return self._import_fields  # the library recomputes the list for every row otherwise

    @property
    def columns(self) -> list[str]:
        return [field.column_name for field in self._import_fields]

    @property
    def required_columns(self) -> list[str]:
        return [name for name in self.columns if name not in self.optional_columns]

    # Hooks for the four resources.

    def prepare(self, dataset: tablib.Dataset) -> None:
        """Fill the lookup maps of the foreign-key cells, once per import."""

    def existing(self, keys: set[tuple]) -> Iterable[Model]:
        """The records whose natural keys may be among `keys`."""
        raise NotImplementedError

    def check(self, instance: Model, failed: frozenset[str]) -> Iterator[tuple[str, str]]:
        """(attribute, reason) for each rule across columns broken; `failed` cells are skipped."""
        return iter(())

    # Natural keys.

    @property
    def key_columns(self) -> list[str]:
        return [field.column_name for field in self._key_fields]

    def row_key(self, cells: tuple) -> tuple | None:
        """The natural key in a row's key cells (foreign keys as ids), or None if they are bad."""
        key = []
        for field, cell in zip(self._key_fields, cells, strict=True):
            try:
                value = field.widget.clean(cell)
            except ValueError:
                return None
            key.append(value.pk if isinstance(value, Model) else value)
        return tuple(key)

    def instance_key(self, instance: Model) -> tuple:
        key = self._key(instance)
        return key if len(self._key_attributes) > 1 else (key,)

    # The import.

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        # All or nothing, whatever the caller asks: one transaction, rolled back on any bad row.
        try:
            tidy(dataset)
            check_columns(dataset, self.import_kind, self.required_columns, self.columns)
        except ImportFileError as error:
            result = self.get_result_class()()
            result.append_base_error(self.get_error_result_class()(error))
        else:
            result = super().import_data(
                dataset,
                dry_run=dry_run,
                raise_errors=raise_errors,
                use_transactions=True,
                collect_failed_rows=collect_failed_rows,
                rollback_on_validation_errors=True,
                **kwargs,
            )
        result.problems = row_problems(result, self._columns)
        result.file_problems = [str(error.error) for error in result.base_errors]
        result.notes = read_notes(dataset)
        result.counts = Counts.of(result)
        result.preview_rows = self._previews
        if not has_problems(result):
            result.new_years_notice = self.years.notice(done=not dry_run)
        self._record(result, dry_run=dry_run, **kwargs)
        self._reset()
        return result

    def before_import(self, dataset, **kwargs):
        self._reset()
        self._total = len(dataset)
        today = timezone.localdate()
        for field in self._import_fields:
            if isinstance(field.widget, DateCell):
                field.widget.today = today
        self.prepare(dataset)

    def get_instance(self, instance_loader, row):
        # The key columns are known to be there (import_data checks): skip the library's check.
        return instance_loader.get_instance(row)

    def after_init_instance(self, instance, new, row, **kwargs):
        self._current = instance
        self._before = None if new else self._values(instance)
        keep_original = not new and len(self._previews) < PREVIEW_ROWS
        self._original = copy.copy(instance) if keep_original else None

    def import_instance(self, instance, row, **kwargs):
        # Collect every problem in the row, not just the first the library would stop at.
        errors: dict[str, list[str]] = {}
        for column, attribute, clean in self._cells:
            if column in row:
                try:
                    value = clean(row[column], row)  # the row: a category depends on the year
                except ValueError as error:
                    errors[attribute] = [str(error)]
                else:
                    setattr(instance, attribute, value)
        failed = frozenset(errors)
        for attribute, reason in self.check(instance, failed):
            errors.setdefault(attribute, []).append(reason)
        if failed.isdisjoint(self._key_attributes):
            row_number = kwargs["row_number"] + 1  # the header is row 1
            first = self._seen.setdefault(self.instance_key(instance), row_number)
            if first != row_number:
                key = " + ".join(self._columns[a] for a in self._key_attributes)
                errors.setdefault(self._key_attributes[0], []).append(
                    f"Repeats row {first}: each {key} may appear only once in a file."
                )
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # Unchanged: every imported column already holds the file's value.
        return (
            not import_validation_errors
            and self._before is not None
            and self._values(instance) == self._before
        )

    def after_import_row(self, row, row_result, **kwargs):
        number = kwargs["row_number"]
        if row_result.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE):
            if self._meta.use_bulk:  # kept until the bulk write, to blame a refused row
                self._pending[id(self._current)] = (number, row, row_result)
            if len(self._previews) < PREVIEW_ROWS:
                row_result.diff = self._preview(self._current, self._original)
                self._previews.append(row_result)
        if self.progress:
            self.progress(number, self._total)

    def _preview(self, instance: Model, original: Model | None) -> list[str]:
        cells = []
        for field in self._import_fields:
            new = field.export(instance)
            old = new if original is None else field.export(original)
            cells.append(
                new if old == new else format_html("<del>{}</del> <ins>{}</ins>", old, new)
            )
        return cells

    def preview_writes(self) -> bool:
        # Public years' figures are measured after the rows are written (councils.revisions).
        return bool(self.revision_watch)

    def do_instance_save(self, instance, is_create):
        # Without bulk mode each row is saved on its own: blame a refusal on the row.
        try:
            with transaction.atomic(using=self.get_db_connection_name()):
                super().do_instance_save(instance, is_create)
        except (IntegrityError, DataError) as error:
            raise refused(error) from error

    def _record(
        self,
        result: Result,
        *,
        dry_run: bool,
        file_name: str = "",
        file_size: int = 0,
        user: Any = None,
        via: str = ImportRecord.Via.OTHER,
        **kwargs,
    ) -> None:
        counts = result.counts
        applied = not dry_run and not has_problems(result)
        ImportRecord.objects.create(
            kind=self.import_kind,
            file_name=(file_name or "")[:255],
            file_size=file_size or 0,
            imported_by=user if getattr(user, "is_authenticated", False) else None,
            via=via,
            dry_run=dry_run,
            applied=applied,
            new=counts.new,
            updated=counts.updated,
            unchanged=counts.unchanged,
            rejected=counts.rejected,
            problem="\n".join(result.file_problems),
        )
        if applied and (counts.new or counts.updated):
            dataversion.bump()

    # Export: the same columns (`SafeResource` keeps them safe to open in a spreadsheet).

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        return queryset.select_related(*self._related)


# --- The four files ------------------------------------------------------------------------


class CouncilResource(DataResource):
    import_kind = ImportKind.COUNCILS
    optional_columns = frozenset({"county_code", "chief_executive", "chief_executive_title"})

    code = Field(attribute="code", column_name="code", widget=CodeCell(required=True))
    name = Field(
        attribute="name", column_name="name", widget=TextCell(max_length=100, required=True)
    )
    official_name = Field(
        attribute="official_name",
        column_name="official_name",
        widget=TextCell(max_length=150, required=True),
    )
    type = Field(
        attribute="type",
        column_name="type",
        widget=TypeCell(required=True),
    )
    county = Field(attribute="county", column_name="county_code", widget=CouncilCell(county=True))
    chief_executive = Field(
        attribute="chief_executive", column_name="chief_executive", widget=TextCell(max_length=150)
    )
    chief_executive_title = Field(
        attribute="chief_executive_title",
        column_name="chief_executive_title",
        widget=TextCell(max_length=150),
    )

    class Meta:
        model = Council
        fields = (
            "code",
            "name",
            "official_name",
            "type",
            "county",
            "chief_executive",
            "chief_executive_title",
        )
        import_id_fields = ["code"]
        # A few hundred rows, saved one by one so that a district can name a county created
        # earlier in the same file.
        use_bulk = False

    def prepare(self, dataset):
        self.fields["county"].widget.by_code = councils_by_code()
        self.fields["type"].widget.load()

    def existing(self, keys):
        return Council.objects.filter(code__in=[code for (code,) in keys])

    def check(self, council, failed):
        by_code = self.fields["county"].widget.by_code
        holder = by_code.get(council.code)
        if "code" not in failed and holder is not None and holder.code != council.code:
            yield (
                "code",
                f"This is a previous code of {holder}: use its current code {holder.code}.",
            )
        if failed.isdisjoint({"code", "type"}):
            expected = CouncilType.from_code(council.code)
            if council.type_id != expected:
                name = self.fields["type"].widget.by_name[expected].name
                yield "type", f"A {council.code[:3]} code is a {name.lower()}."
        if (
            failed.isdisjoint({"county", "type"})
            and council.county_id
            and council.type_id != CouncilType.DISTRICT
        ):
            yield "county", "Only district councils sit in a county."

    def filter_export(self, queryset, **kwargs):
        # Counties first, so that the file imports even into an empty register.
        county_last = F("county").asc(nulls_first=True)
        return super().filter_export(queryset, **kwargs).order_by(county_last, "code")

    def after_save_instance(self, instance, row, **kwargs):
        # Later rows of the same file may name this council as their county.
        self.fields["county"].widget.by_code[instance.code] = instance


class PopulationResource(DataResource):
    import_kind = ImportKind.POPULATIONS

    council = Field(
        attribute="council", column_name="council_code", widget=CouncilCell(required=True)
    )
    year = Field(attribute="year", column_name="year", widget=YearCell(required=True))
    population = Field(
        attribute="population", column_name="population", widget=CountCell(required=True)
    )

    class Meta:
        model = Population
        fields = ("council", "year", "population")
        import_id_fields = ["council", "year"]

    def prepare(self, dataset):
        self.fields["council"].widget.by_code = councils_by_code()
        self.fields["year"].widget.years = self.years

    def existing(self, keys):
        return Population.objects.filter(year__in={year_id for _, year_id in keys})


class DecisionResource(DataResource):
    import_kind = ImportKind.DECISIONS
    optional_columns = frozenset(
        {"remedied_by_council", "public_report", "compliance", "compliance_date", "summary"}
    )

    reference = Field(
        attribute="reference",
        column_name="reference",
        widget=ReferenceCell(max_length=20, required=True),
    )
    council = Field(
        attribute="council", column_name="council_code", widget=CouncilCell(required=True)
    )
    category = Field(
        attribute="category",
        column_name="category",
        widget=CategoryCell(required=True),
    )
    received = Field(attribute="received", column_name="received", widget=DateCell(required=True))
    decided = Field(attribute="decided", column_name="decided", widget=DateCell())
    outcome = Field(
        attribute="outcome", column_name="outcome", widget=ChoiceCell(Outcome, noun="outcome")
    )
    remedied_by_council = Field(
        attribute="remedied_by_council", column_name="remedied_by_council", widget=YesNoCell()
    )
    public_report = Field(
        attribute="public_report", column_name="public_report", widget=YesNoCell()
    )
    compliance = Field(
        attribute="compliance",
        column_name="compliance",
        widget=ChoiceCell(Compliance, noun="compliance outcome"),
    )
    compliance_date = Field(
        attribute="compliance_date", column_name="compliance_date", widget=DateCell()
    )
    summary = Field(attribute="summary", column_name="summary", widget=TextCell())

    class Meta:
        model = Decision
        fields = (
            "reference",
            "council",
            "category",
            "received",
            "decided",
            "outcome",
            "remedied_by_council",
            "public_report",
            "compliance",
            "compliance_date",
            "summary",
        )
        import_id_fields = ["reference"]

    def prepare(self, dataset):
        self.fields["council"].widget.by_code = councils_by_code()
        self.fields["category"].widget.load()

    def existing(self, keys):
        for references in in_batches(reference for (reference,) in keys):
            yield from Decision.objects.filter(reference__in=references)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        # Each date counts in its reporting year: confirming creates a missing one, so that
        # staff can preview its figures.
        for day in (instance.received, instance.decided, instance.compliance_date):
            if day:
                self.years.for_day(day)

    def check(self, decision, failed):
        # The same rules as the database's check constraints, with reasons staff can act on.
        if (
            failed.isdisjoint({"received", "decided"})
            and decision.decided
            and decision.received
            and decision.decided < decision.received
        ):
            yield "decided", f"Before the received date, {decision.received:%d/%m/%Y}."
        if failed.isdisjoint({"decided", "outcome"}):
            if decision.outcome and not decision.decided:
                yield "decided", "Blank, but the row has an outcome: a decision needs both."
            if decision.decided and not decision.outcome:
                yield "outcome", "Blank, but the row has a decided date: a decision needs both."
        if failed.isdisjoint({"compliance", "compliance_date"}):
            if decision.compliance and not decision.compliance_date:
                yield "compliance_date", "Blank, but the row has a compliance outcome."
            if decision.compliance_date and not decision.compliance:
                yield "compliance", "Blank, but the row has a compliance date."
        if (
            failed.isdisjoint({"remedied_by_council", "outcome"})
            and decision.remedied_by_council
            and decision.outcome != Outcome.UPHELD
        ):
            yield "remedied_by_council", "Yes, but only an upheld complaint can be remedied."


class RecommendationResource(DataResource):
    import_kind = ImportKind.RECOMMENDATIONS
    optional_columns = frozenset({"due"})

    decision = Field(
        attribute="decision", column_name="reference", widget=DecisionCell(required=True)
    )
    kind = Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceCell(RecommendationKind, noun="recommendation kind", required=True),
    )
    text = Field(attribute="text", column_name="recommendation", widget=TextCell(required=True))
    due = Field(attribute="due", column_name="due", widget=DateCell(future=True))

    class Meta:
        model = Recommendation
        fields = ("decision", "kind", "text", "due")
        import_id_fields = ["decision", "kind", "text"]

    def prepare(self, dataset):
        cell = ReferenceCell()
        references = set()
        for value in dataset["reference"]:
            with suppress(ValueError):  # the row itself will report it
                references.add(cell.clean(value))
        self.fields["decision"].widget.by_reference = {
            decision.reference: decision
            for batch in in_batches(references)
            for decision in Decision.objects.filter(reference__in=batch)
        }

    def existing(self, keys):
        for batch in in_batches({decision_id for decision_id, _, _ in keys}):
            yield from Recommendation.objects.filter(decision__in=batch)


RESOURCES: dict[str, type[DataResource]] = {
    resource.import_kind: resource
    for resource in (CouncilResource, PopulationResource, DecisionResource, RecommendationResource)
}
