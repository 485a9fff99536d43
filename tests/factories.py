"""Factories for tests: small, explicit, deterministic."""

import datetime
import itertools

import factory

from councils.models import (
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


_PREFIX = {
    CouncilType.UNITARY: "E06",
    CouncilType.DISTRICT: "E07",
    CouncilType.METROPOLITAN: "E08",
    CouncilType.LONDON: "E09",
    CouncilType.COUNTY: "E10",
}


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ("code",)

    type = CouncilType.DISTRICT
    code = factory.LazyAttribute(lambda o: _code(_PREFIX[o.type]))
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

    reference = factory.Sequence(lambda n: f"23 {n // 1000:03d} {n % 1000:03d}")
    council = factory.SubFactory(CouncilFactory)
    category = "Housing"
    received = factory.LazyAttribute(
        lambda o: (o.decided or datetime.date(2023, 9, 1)) - datetime.timedelta(days=60)
    )
    decided = datetime.date(2023, 9, 1)
    outcome = Outcome.NOT_UPHELD


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
