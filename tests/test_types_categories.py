"""Council types and service categories as rows staff can read and edit (issue 16)."""

import csv
import datetime
import html
import io

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError

from councils import dataversion
from councils.models import Category, Council, CouncilType, Decision, Outcome, ReportingYear
from councils.models.groups import CategoryFormerName
from councils.statistics import category_statistics, year_statistics
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    ReportingYearFactory,
)
from tests.test_import_rows import decision, import_rows

D = datetime.date


def rejected(create) -> bool:
    try:
        with transaction.atomic():
            create()
            connection.check_constraints()  # SQLite checks foreign keys only at commit
    except IntegrityError:
        return True
    return False


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", password=None))
    return client


# --- The rows and their constraints ----------------------------------------------------------


@pytest.mark.django_db
class TestRows:
    def test_the_five_types_keep_todays_slugs_order_and_prefixes(self):
        types = list(CouncilType.objects.all())
        assert [t.slug for t in types] == list(CouncilType.SLUGS)
        assert {t.slug: t.code_prefixes for t in types} == CouncilType.PREFIXES
        assert [t.plural for t in types] == [
            "County councils",
            "District councils",
            "Metropolitan boroughs",
            "Unitary councils",
            "London boroughs",
        ]
        assert all(t.description for t in types)

    def test_the_nine_categories_in_the_specs_order_used_every_year(self):
        categories = list(Category.objects.all())
        assert [c.name for c in categories] == list(Category.SEEDED)
        assert all(c.is_used_in("2013-14") and c.is_used_in("2099-00") for c in categories)

    def test_a_councils_code_prefix_matches_its_type(self):
        assert rejected(lambda: CouncilFactory(type=CouncilType.UNITARY, code="E07000901"))
        assert rejected(lambda: CouncilFactory(type=CouncilType.COUNTY, code="E06000901"))
        assert not rejected(lambda: CouncilFactory(type=CouncilType.COUNTY, code="E10000901"))

    def test_a_council_type_must_be_one_of_the_rows(self):
        assert rejected(lambda: CouncilFactory(type="parish", code="E07000902"))

    def test_only_districts_sit_in_a_county(self):
        county = CouncilFactory(type=CouncilType.COUNTY)
        assert rejected(lambda: CouncilFactory(type=CouncilType.LONDON, county=county))
        assert not rejected(lambda: CouncilFactory(type=CouncilType.DISTRICT, county=county))

    def test_a_decisions_category_must_be_one_of_the_rows(self):
        council = CouncilFactory()
        row = {"council": council, "received": D(2023, 5, 1)}
        assert rejected(lambda: Decision.objects.create(reference="1", category_id=99999, **row))
        housing = Category.objects.get(name=Category.HOUSING)
        assert not rejected(lambda: Decision.objects.create(reference="2", category=housing, **row))

    def test_category_years(self):
        assert rejected(lambda: Category.objects.create(name="A", first_year="2023/24"))
        assert rejected(lambda: Category.objects.create(name="B", last_year="2023"))
        assert rejected(
            lambda: Category.objects.create(name="C", first_year="2020-21", last_year="2019-20")
        )
        assert not rejected(
            lambda: Category.objects.create(name="D", first_year="2019-20", last_year="2020-21")
        )

    def test_a_former_name_belongs_to_one_category_whatever_its_case(self):
        housing = Category.objects.get(name=Category.HOUSING)
        housing.former_names.create(name="Homes")
        other = Category.objects.get(name=Category.OTHER)
        assert rejected(lambda: other.former_names.create(name="HOMES"))

    def test_types_and_categories_in_use_cannot_be_deleted(self):
        DecisionFactory(council=CouncilFactory(type=CouncilType.LONDON))
        with pytest.raises(ProtectedError):
            CouncilType.objects.get(slug=CouncilType.LONDON).delete()
        with pytest.raises(ProtectedError):
            Category.objects.get(name=Category.HOUSING).delete()


# --- The import ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestImport:
    @pytest.fixture(autouse=True)
    def ashfield(self):
        return CouncilFactory(code="E07000170", name="Ashfield", official_name="Ashfield DC")

    def test_a_renamed_category_is_imported_under_its_old_name(self, staff):
        housing = Category.objects.get(name=Category.HOUSING)
        form = _category_form(housing, name="Housing and homelessness")
        response = staff.post(f"/admin/councils/category/{housing.pk}/change/", form)
        assert response.status_code == 302
        assert [f.name for f in housing.former_names.all()] == ["Housing"]

        result = import_rows("decisions", [decision(1, category="  HOUSING ")])

        assert not result.problems
        stored = Decision.objects.get(reference="24 000 001")
        assert stored.category == housing
        assert category_statistics(ReportingYearFactory(label="2023-24"))[6].category == (
            "Housing and homelessness"
        )

    def test_an_unknown_category_is_refused_listing_that_years_categories(self):
        Category.objects.create(name="Adult social care", first_year="2024-25", display_order=10)
        Category.objects.create(name="Leisure", first_year="2013-14", last_year="2019-20")

        result = import_rows("decisions", [decision(1, category="Parks")])

        (problem,) = result.problems
        assert (problem.row, problem.column, problem.value) == (2, "category", "Parks")
        valid = "; ".join(Category.SEEDED)
        assert problem.reason == (
            f"Not a known service category. The service categories for 2023-24 are: {valid}."
        )
        assert not Decision.objects.exists()

    def test_a_category_outside_its_years_is_refused(self):
        Category.objects.create(name="Adult social care", first_year="2024-25")

        result = import_rows("decisions", [decision(1, category="adult social care")])

        (problem,) = result.problems
        assert problem.reason.startswith(
            "Adult social care is used from 2024-25, not in 2023-24. The service categories for "
            "2023-24 are: Adult care services; "
        )

    def test_an_unknown_council_type_lists_the_slugs(self):
        row = {
            "code": "E07000171",
            "name": "Bassetlaw",
            "official_name": "Bassetlaw District Council",
            "type": "parish",
        }
        (problem,) = import_rows("councils", [row]).problems
        assert problem.reason == (
            "Not a known council type. Use one of: county; district; metropolitan; unitary; london."
        )
        assert not import_rows("councils", [row | {"type": "District council"}]).problems
        assert Council.objects.get(code="E07000171").type_id == CouncilType.DISTRICT


def _category_form(category: Category, **changes) -> dict:
    form = {
        "name": category.name,
        "description": category.description,
        "display_order": category.display_order,
        "first_year": category.first_year,
        "last_year": category.last_year,
        "former_names-TOTAL_FORMS": "0",
        "former_names-INITIAL_FORMS": "0",
    }
    return form | changes


# --- The admin -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestAdmin:
    def test_staff_edit_a_types_wording_with_history(self, staff, admin_user):
        district = CouncilType.objects.get(slug=CouncilType.DISTRICT)
        version = dataversion.current()
        form = {
            "name": "District council",
            "plural": "District councils",
            "description": "The lower tier of two-tier areas.",
            "display_order": "2",
            "code_prefixes": "E99",  # read-only: ignored
            "slug": "lower",  # read-only: ignored
        }
        response = staff.post(f"/admin/councils/counciltype/{CouncilType.DISTRICT}/change/", form)

        assert response.status_code == 302
        district.refresh_from_db()
        assert district.description == "The lower tier of two-tier areas."
        assert (district.slug, district.code_prefixes) == ("district", "E07")
        assert dataversion.current() > version  # cached pages show the new wording
        entry = LogEntry.objects.get(object_id=CouncilType.DISTRICT)
        assert entry.action_flag == CHANGE
        history = staff.get(f"/admin/councils/counciltype/{CouncilType.DISTRICT}/history/")
        assert "Description" in history.content.decode()

    def test_prefixes_and_slugs_are_read_only_and_types_are_never_added_or_deleted(self, staff):
        page = staff.get(f"/admin/councils/counciltype/{CouncilType.COUNTY}/change/")
        html = page.content.decode()
        assert 'name="description"' in html
        assert 'name="code_prefixes"' not in html and 'name="slug"' not in html
        assert "E10" in html
        assert staff.get("/admin/councils/counciltype/add/").status_code == 403
        url = f"/admin/councils/counciltype/{CouncilType.COUNTY}/delete/"
        assert staff.get(url).status_code == 403

    def test_staff_add_a_category_and_delete_it_only_while_unused(self, staff):
        form = _category_form(Category(name="Adult social care", first_year="2025-26"))
        assert staff.post("/admin/councils/category/add/", form).status_code == 302
        added = Category.objects.get(name="Adult social care")
        assert not added.is_used_in("2024-25") and added.is_used_in("2025-26")

        housing = Category.objects.get(name=Category.HOUSING)
        DecisionFactory(category=housing)
        assert staff.get(f"/admin/councils/category/{housing.pk}/delete/").status_code == 403
        response = staff.post(f"/admin/councils/category/{added.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert not Category.objects.filter(pk=added.pk).exists()

    def test_a_name_cannot_be_another_categorys_former_name(self, staff):
        CategoryFormerName.objects.create(
            category=Category.objects.get(name=Category.OTHER), name="Parks"
        )
        housing = Category.objects.get(name=Category.HOUSING)
        form = _category_form(housing, name="parks")
        response = staff.post(f"/admin/councils/category/{housing.pk}/change/", form)
        assert "another category's former name" in html.unescape(response.content.decode())


# --- Public pages ----------------------------------------------------------------------------


@pytest.fixture
def described(years):
    """2023-24 public; Ashdale, a district with figures; districts with a new description."""
    CouncilType.objects.filter(slug=CouncilType.DISTRICT).update(
        description="The 164 lower-tier councils in two-tier areas."
    )
    council = CouncilFactory(name="Ashdale", slug="ashdale", type=CouncilType.DISTRICT)
    for outcome in (Outcome.UPHELD, Outcome.NOT_UPHELD):
        DecisionFactory(council=council, outcome=outcome, decided=D(2023, 9, 1))
    return council


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/methodology/", "/compare/district/2023-24/", "/councils/ashdale/"]
)
def test_pages_take_a_types_description_from_its_row(client, described, url):
    assert "The 164 lower-tier councils in two-tier areas." in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_year_page_lists_categories_in_their_display_order(client, described):
    Category.objects.filter(name=Category.OTHER).update(display_order=0)
    Category.objects.create(name="Leisure", first_year="2013-14", last_year="2019-20")
    page = client.get("/years/2023-24/").content.decode()
    table = page[page.index("Complaints by service category") :]
    positions = [table.index(f">{name}<") for name in ("Other", "Adult care services", "Housing")]
    assert positions == sorted(positions)
    assert ">Leisure<" not in table  # not used in 2023-24


@pytest.mark.django_db
def test_the_downloads_keep_the_type_slug_and_category_name(client, described):
    CouncilType.objects.filter(slug=CouncilType.DISTRICT).update(name="Lower-tier council")
    statistics = client.get("/data/2023-24/statistics.csv").content.decode().splitlines()
    assert statistics[1].split(",")[2] == "district"
    categories = csv.reader(io.StringIO(client.get("/data/2023-24/categories.csv").text))
    assert [row[0] for row in categories][1:] == list(Category.SEEDED)


# --- The migration -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_type_category_and_figure():
    """Data written before 0005 (types and categories as text) gives the same figures after."""
    executor = MigrationExecutor(connection)
    before = [("councils", "0003_dataversion_changed_at")]
    latest = executor.loader.graph.leaf_nodes("councils")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldCouncil = old.get_model("councils", "Council")
    OldDecision = old.get_model("councils", "Decision")
    year = old.get_model("councils", "ReportingYear").objects.create(
        label="2023-24", start=D(2023, 4, 1), end=D(2024, 3, 31), published_on=D(2024, 7, 24)
    )
    expected = {}
    for n, (slug, prefix) in enumerate(CouncilType.PREFIXES.items()):
        council = OldCouncil.objects.create(
            code=f"{prefix}000{n + 1:03d}", name=slug, official_name=slug, slug=slug, type=slug
        )
        old.get_model("councils", "Population").objects.create(
            council=council, year=year, population=100_000 + n
        )
        for i, category in enumerate(Category.SEEDED[: n + 3]):
            outcome = Outcome.UPHELD if i % 2 else Outcome.NOT_UPHELD
            OldDecision.objects.create(
                reference=f"{slug}-{i}",
                council=council,
                category=category,
                received=D(2023, 5, 1),
                decided=D(2023, 9, 1),
                outcome=outcome,
            )
        expected[council.code] = slug

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)

    assert dict(Council.objects.values_list("code", "type")) == expected
    assert dict(
        Decision.objects.filter(reference__startswith="unitary").values_list(
            "reference", "category__name"
        )
    ) == {f"unitary-{i}": name for i, name in enumerate(Category.SEEDED[:3])}
    year = ReportingYear.objects.get(label="2023-24")
    stats = year_statistics(year)
    assert {slug: f.uphold.base for slug, f in stats.by_type.items()} == {
        slug: n + 3 for n, slug in enumerate(CouncilType.PREFIXES)
    }
    received = {c.category: c.received for c in category_statistics(year)}
    assert received == {name: max(0, 5 - max(0, i - 2)) for i, name in enumerate(Category.SEEDED)}
