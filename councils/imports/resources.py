"""django-import-export resources for the four import files (SPEC "Import files").

Each declares its columns, its natural key, how to fetch the records a file may update, and its
rules across columns; `councils.imports.base.DataResource` does the rest.
"""

from contextlib import suppress

from django.db.models import F
from import_export.fields import Field

from councils.imports.base import DataResource
from councils.imports.bulk import AnyOf, in_batches
from councils.imports.cells import CategoryCell, DateCell, TypeCell, YearCell
from councils.imports.value_cells import (
    ChoiceCell,
    CodeCell,
    CouncilCell,
    CountCell,
    DecisionCell,
    ReferenceCell,
    TextCell,
    YesNoCell,
    councils_by_code,
)
from councils.models import (
    Compliance,
    Council,
    CouncilType,
    Decision,
    ImportKind,
    Outcome,
    Population,
    Recommendation,
    RecommendationKind,
)

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
        return Population.objects.filter(
            AnyOf(F("council"), {council_id for council_id, _ in keys}),
            AnyOf(F("year"), {year_id for _, year_id in keys}),
        )


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
        return Decision.objects.filter(AnyOf(F("reference"), [reference for (reference,) in keys]))

    def accepted(self, decision):
        # Each date counts in its reporting year: confirming creates a missing one, so that
        # staff can preview its figures.
        for day in (decision.received, decision.decided, decision.compliance_date):
            if day:
                self.years.for_day(day)

    def check(self, decision, failed):
        # The same rules as the database's check constraints, with reasons staff can act on.
        if (
            failed.isdisjoint(("received", "decided"))
            and decision.decided
            and decision.received
            and decision.decided < decision.received
        ):
            yield "decided", f"Before the received date, {decision.received:%d/%m/%Y}."
        if failed.isdisjoint(("decided", "outcome")):
            if decision.outcome and not decision.decided:
                yield "decided", "Blank, but the row has an outcome: a decision needs both."
            if decision.decided and not decision.outcome:
                yield "outcome", "Blank, but the row has a decided date: a decision needs both."
        if failed.isdisjoint(("compliance", "compliance_date")):
            if decision.compliance and not decision.compliance_date:
                yield "compliance_date", "Blank, but the row has a compliance outcome."
            if decision.compliance_date and not decision.compliance:
                yield "compliance", "Blank, but the row has a compliance date."
        if (
            failed.isdisjoint(("remedied_by_council", "outcome"))
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

    def prepare_chunk(self, headers, rows):
        # The decisions a chunk's rows name, not the file's: a 200,000-row file would otherwise
        # hold as many decisions for the whole import.
        position = headers.index("reference")
        cell = ReferenceCell()
        references = set()
        for values in rows:
            with suppress(ValueError):  # the row itself will report it
                references.add(cell.clean(values[position]))
        self.fields["decision"].widget.by_reference = {
            decision.reference: decision
            for batch in in_batches(references)
            for decision in Decision.objects.filter(reference__in=batch).only("reference")
        }

    def existing(self, keys):
        decisions = {decision_id for decision_id, _, _ in keys}
        return Recommendation.objects.filter(AnyOf(F("decision"), decisions))


RESOURCES: dict[str, type[DataResource]] = {
    resource.import_kind: resource
    for resource in (CouncilResource, PopulationResource, DecisionResource, RecommendationResource)
}
