"""Factories for tests: small, explicit, deterministic."""

import datetime
import itertools

import factory

from councils.models import (
    Category,
    Council,
    CouncilType,
    Decision,
    Outcome,
    Population,
    Recommendation,
    RecommendationKind,
    ReportingYear,
    Revision,
)
from letters.models import LetterTemplate

_codes = itertools.count(1)


def _code(prefix: str) -> str:
    return f"{prefix}{900000 + next(_codes):06d}"


def _slug(council_type: CouncilType | str | None) -> str:
    return getattr(council_type, "pk", council_type) or CouncilType.DISTRICT


class CouncilFactory(factory.django.DjangoModelFactory):
    """`CouncilFactory(type=CouncilType.DISTRICT)`: the type by its slug (the rows exist)."""

    class Meta:
        model = Council
        django_get_or_create = ("code",)
        exclude = ["type"]

    type = None  # a slug or CouncilType; by default the code's type, else a district
    code = factory.LazyAttribute(lambda o: _code(CouncilType.PREFIXES[_slug(o.type)]))
    # Given only a code, the type follows from it (the database checks they agree).
    type_id = factory.LazyAttribute(
        lambda o: _slug(o.type) if o.type else CouncilType.from_code(o.code)
    )
    name = factory.Sequence(lambda n: f"Testshire {n}")
    official_name = factory.LazyAttribute(lambda o: f"{o.name} Council")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class ReportingYearFactory(factory.django.DjangoModelFactory):
    """`ReportingYearFactory(label="2023-24")`; published unless `published_on=None`."""

    class Meta:
        model = ReportingYear
        django_get_or_create = ("label",)

    label = "2023-24"
    start = factory.LazyAttribute(lambda o: ReportingYear.dates_for(o.label)[0])
    end = factory.LazyAttribute(lambda o: ReportingYear.dates_for(o.label)[1])
    published_on = factory.LazyAttribute(lambda o: o.end + datetime.timedelta(days=120))


class PopulationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Population

    council = factory.SubFactory(CouncilFactory)
    year = factory.SubFactory(ReportingYearFactory)
    population = 100_000


class DecisionFactory(factory.django.DjangoModelFactory):
    """A decided complaint; pass `decided=None, outcome=""` for one not yet decided."""

    class Meta:
        model = Decision
        exclude = ["category"]

    reference = factory.Sequence(lambda n: f"23 {n // 1000:03d} {n % 1000:03d}")
    council = factory.SubFactory(CouncilFactory)
    category = Category.HOUSING  # a name or a Category
    category_id = factory.LazyAttribute(
        lambda o: (
            o.category.pk
            if isinstance(o.category, Category)
            else Category.objects.get(name=o.category).pk
        )
    )
    received = factory.LazyAttribute(
        lambda o: (o.decided or datetime.date(2023, 9, 1)) - datetime.timedelta(days=60)
    )
    decided = datetime.date(2023, 9, 1)
    outcome = Outcome.NOT_UPHELD


def investigations(council, upheld: int, not_upheld: int, decided=datetime.date(2023, 9, 1)):
    """`upheld` and `not_upheld` detailed investigations of `council`, decided on `decided`."""
    for outcome, count in ((Outcome.UPHELD, upheld), (Outcome.NOT_UPHELD, not_upheld)):
        for _ in range(count):
            DecisionFactory(council=council, outcome=outcome, decided=decided)


def kent_barnet_camden() -> tuple[Council, Council, Council]:
    """A county and two London boroughs, for pages that compare types."""
    kent = CouncilFactory(
        type=CouncilType.COUNTY, name="Kent", official_name="Kent County Council", slug="kent"
    )
    barnet = CouncilFactory(
        type=CouncilType.LONDON, name="Barnet", official_name="London Borough of Barnet",
        slug="barnet",
    )  # fmt: skip
    camden = CouncilFactory(
        type=CouncilType.LONDON, name="Camden", official_name="London Borough of Camden",
        slug="camden",
    )  # fmt: skip
    return kent, barnet, camden


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    decision = factory.SubFactory(DecisionFactory, outcome=Outcome.UPHELD)
    kind = RecommendationKind.REMEDY
    text = "Apologise and pay £150 for the distress caused."


class RevisionFactory(factory.django.DjangoModelFactory):
    """`RevisionFactory(year=..., councils=[...])`: a revision of those councils' figures."""

    class Meta:
        model = Revision
        skip_postgeneration_save = True

    year = factory.SubFactory(ReportingYearFactory)
    revised_on = datetime.date(2024, 9, 2)
    reason = "A decision was recorded twice."

    @factory.post_generation
    def councils(self, create, councils, **kwargs):
        if create and councils:
            self.councils.set(councils)


class LetterTemplateFactory(factory.django.DjangoModelFactory):
    """A year's letter template; `generate_letters(template)` issues its letters."""

    class Meta:
        model = LetterTemplate

    year = factory.SubFactory(ReportingYearFactory)
    publication_date = factory.LazyAttribute(lambda o: o.year.published_on)
    letter_date = factory.LazyAttribute(lambda o: o.publication_date - datetime.timedelta(days=7))
    signatory_name = "Pat Signer"
    signatory_titles = "Local Government and Social Care Ombudsman"
    body = "Dear {addressee}, here are your figures."
