"""Every write moves the data version (councils.dataversion), the site's one invalidation key.

Enumerated, so that a new model or a new write path cannot be forgotten:
- every model of `councils` and `letters` is versioned (a `VersionedModel` with a
  `VersionedQuerySet` manager), or listed in `dataversion.UNVERSIONED` with a reason;
- for every versioned model (each needs a builder below, or the test fails), each way to write a
  row moves the version: save, delete, a QuerySet's update and delete, bulk_create,
  bulk_update, and many-to-many links;
- the paths that write in bulk: imports (new rows and changed ones, which the import engine
  writes in raw SQL), the admin, `publish_year`, `load_councils`, `seed_demo` and its
  `--clear`, letter generation and the letters admin.
"""

import datetime
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command

from councils import dataversion
from councils.dataversion import VersionedModel, VersionedQuerySet
from councils.demo import clear_demo_data, seed_demo_data
from councils.models import (
    Council,
    Decision,
    Population,
    PreviousCode,
    Recommendation,
    ReportingYear,
)
from councils.models.groups import Category, CategoryFormerName, CouncilType
from councils.models.revisions import RevisedCouncil, Revision
from letters import rendering
from letters.generation import generate_letters
from letters.models import Letter, LetterTemplate, LetterVersion
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    LetterTemplateFactory,
    PopulationFactory,
    RecommendationFactory,
    ReportingYearFactory,
    RevisionFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
APPS = ("councils", "letters")


def all_models():
    return [model for app in APPS for model in apps.get_app_config(app).get_models()]


def label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _letter_version() -> LetterVersion:
    template = LetterTemplateFactory(year=ReportingYearFactory(label="2011-12"))
    council = CouncilFactory()
    generate_letters(template, council_ids=[council.pk])
    generate_letters(template, council_ids=[council.pk], regenerate=True, reissue_reason="Fixed.")
    return LetterVersion.objects.get(letter__council=council)


def _letter() -> Letter:
    template = LetterTemplateFactory(year=ReportingYearFactory(label="2012-13"))
    council = CouncilFactory()
    generate_letters(template, council_ids=[council.pk])
    return Letter.objects.get(council=council)


# A new row of each versioned model, with nothing depending on it (so that it can be deleted).
BUILDERS = {
    Council: CouncilFactory,
    PreviousCode: lambda: PreviousCode.objects.create(council=CouncilFactory(), code="E07009999"),
    ReportingYear: lambda: ReportingYearFactory(label="2010-11"),
    Population: PopulationFactory,
    Decision: DecisionFactory,
    Recommendation: RecommendationFactory,
    Revision: RevisionFactory,
    RevisedCouncil: lambda: RevisedCouncil.objects.create(
        revision=RevisionFactory(), council=CouncilFactory()
    ),
    CouncilType: lambda: CouncilType.objects.create(
        slug="parish", name="Parish council", plural="Parish councils"
    ),
    Category: lambda: Category.objects.create(name="Parking"),
    CategoryFormerName: lambda: CategoryFormerName.objects.create(
        category=Category.objects.first(), name="Old wording"
    ),
    LetterTemplate: lambda: LetterTemplateFactory(year=ReportingYearFactory(label="2013-14")),
    Letter: _letter,
    LetterVersion: _letter_version,
}


@pytest.fixture(autouse=True)
def no_pdf(monkeypatch):
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n")


def test_every_model_is_versioned_or_says_why_not():
    for model in all_models():
        if label(model) in dataversion.UNVERSIONED:
            assert not issubclass(model, VersionedModel), label(model)
            continue
        assert issubclass(model, VersionedModel), f"{label(model)} does not move the version"
        assert isinstance(model._default_manager.all(), VersionedQuerySet), label(model)
    assert set(dataversion.UNVERSIONED) <= {label(model) for model in all_models()}


def test_every_versioned_model_has_a_builder_here():
    versioned = {m for m in all_models() if label(m) not in dataversion.UNVERSIONED}
    assert versioned == set(BUILDERS)


class Moves:
    """`with Moves():` fails unless the version went up inside the block."""

    def __enter__(self):
        self.before = dataversion.current()

    def __exit__(self, kind, error, traceback):
        if kind is None:
            assert dataversion.current() > self.before


def _changeable_field(model):
    """A concrete, editable, non-key field to write its own value back to."""
    for field in model._meta.concrete_fields:
        if not field.primary_key and field.editable and not field.unique:
            return field
    raise AssertionError(f"{label(model)} has no field to update")


@pytest.mark.parametrize("model", list(BUILDERS), ids=label)
def test_every_write_path_of_every_model_moves_the_version(model):
    row = BUILDERS[model]()
    field = _changeable_field(model)
    rows = model._default_manager.filter(pk=row.pk)
    with Moves():
        row.save()
    with Moves():
        rows.update(**{field.attname: getattr(row, field.attname)})
    with Moves():
        model._default_manager.bulk_update([row], [field.name])
    key = row.pk
    with Moves():
        row.delete()
    row.pk = key  # put back as it was
    with Moves():
        model._default_manager.bulk_create([row])
    assert rows.exists()
    with Moves():
        rows.delete()


# --- The paths that write in bulk ----------------------------------------------------------


def _decisions_csv(tmp_path, outcome: str):
    path = tmp_path / "decisions.csv"
    path.write_text(
        "reference,council_code,category,received,decided,outcome\n"
        f"24 000 001,E07000170,Housing,2023-05-14,2023-09-01,{outcome}\n"
    )
    return str(path)


def test_imports_of_new_and_of_changed_rows_move_the_version(tmp_path):
    CouncilFactory(code="E07000170", name="Ashfield")
    ReportingYearFactory(label="2023-24", published_on=None)  # not public: no reason needed
    with Moves():
        call_command("import_data", "decisions", _decisions_csv(tmp_path, "Upheld"))
    with Moves():  # written by the import engine in raw SQL
        call_command("import_data", "decisions", _decisions_csv(tmp_path, "Not upheld"))
    assert Decision.objects.get().outcome == "Not upheld"
    version = dataversion.current()
    call_command("import_data", "decisions", _decisions_csv(tmp_path, "Not upheld"))
    assert dataversion.current() == version  # nothing changed: every stored page stays valid


def test_the_admin_moves_the_version(client):
    staff = User.objects.create_superuser("staff")
    client.force_login(staff)
    year = ReportingYearFactory(label="2023-24", published_on=None)
    with Moves():
        response = client.post(
            f"/admin/councils/reportingyear/{year.pk}/change/",
            {"label": "2023-24", "published_on": "2024-07-24", "note": "A note."},
        )
        assert response.status_code == 302
    year.refresh_from_db()
    template = LetterTemplateFactory(year=year)
    with Moves():
        response = client.post(
            f"/admin/letters/lettertemplate/{template.pk}/delete/", {"post": "yes"}
        )
        assert response.status_code == 302 and not LetterTemplate.objects.exists()


def test_commands_move_the_version():
    with Moves():
        call_command("publish_year", "2023-24", "--on", "2024-07-24", stdout=io.StringIO())
    with Moves():
        call_command("load_councils", stdout=io.StringIO())
    with Moves():
        seed_demo_data("2023-24", "2023-24", scale=0.05)
    with Moves():
        clear_demo_data()


def test_letter_generation_moves_the_version():
    template = LetterTemplateFactory(year=ReportingYearFactory(label="2023-24"))
    council = CouncilFactory()
    with Moves():
        generate_letters(template, council_ids=[council.pk])
    with Moves():
        generate_letters(template, council_ids=[council.pk], regenerate=True, reissue_reason="Fix.")


def test_many_to_many_links_move_the_version():
    council, successor = CouncilFactory(), CouncilFactory()
    with Moves():
        council.successors.add(successor)
    with Moves():
        council.successors.clear()
    revision = RevisionFactory()
    with Moves():
        revision.councils.add(council)
