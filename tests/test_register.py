import datetime

import pytest

from councils.geography import register
from councils.geography.register import RegisterDataError, load_councils, register_entries
from councils.models import Council, CouncilType, DataVersion, PreviousCode
from tests.conftest import restore_seeded_rows

CEASED_2023 = datetime.date(2023, 4, 1)


def _empty_register() -> None:
    """Back to an empty database for the modules after this one (the load bumped the version)."""
    DataVersion.objects.all().delete()
    PreviousCode.objects.all().delete()
    Council.successors.through.objects.all().delete()
    Council.objects.update(county=None)
    Council.objects.all().delete()


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The register, loaded once for the module; each test's changes are rolled back."""
    with django_db_blocker.unblock():
        restore_seeded_rows()  # this module's tests without a db marker run after the flushes
        summary = load_councils()
    yield summary
    with django_db_blocker.unblock():
        _empty_register()


def council(code: str) -> Council:
    return Council.objects.get(code=code)


def successor_codes(code: str) -> set[str]:
    return set(council(code).successors.values_list("code", flat=True))


def test_first_load_adds_every_council(loaded):
    assert len(loaded.added) == 365
    assert loaded.previous_codes_added == 2
    assert loaded.successor_links_added == 51
    assert loaded.lines()[0] == (
        "Councils: 317 current (21 county, 164 district, 36 metropolitan, 63 unitary, 33 london), "
        "48 former."
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "council_type, count",
    [
        (CouncilType.COUNTY, 21),
        (CouncilType.DISTRICT, 164),
        (CouncilType.METROPOLITAN, 36),
        (CouncilType.UNITARY, 63),
        (CouncilType.LONDON, 33),
    ],
)
def test_current_councils_per_type(loaded, council_type, count):
    assert Council.objects.current().of_type(council_type).count() == count


@pytest.mark.django_db
def test_317_current_councils_each_with_a_unique_slug(loaded):
    assert Council.objects.current().count() == 317
    slugs = list(Council.objects.values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs)) == 365
    assert all(slugs)


@pytest.mark.django_db
def test_every_current_district_sits_in_a_current_county(loaded):
    districts = Council.objects.current().of_type(CouncilType.DISTRICT)
    assert not districts.filter(county__isnull=True).exists()
    assert not districts.filter(county__ceased_on__isnull=False).exists()
    ashfield = council("E07000170")
    assert (ashfield.name, ashfield.slug) == ("Ashfield", "ashfield")
    assert ashfield.county.code == "E10000024"
    assert ashfield.county.name == "Nottinghamshire"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code, official_name",
    [
        ("E07000170", "Ashfield District Council"),
        ("E10000016", "Kent County Council"),
        ("E09000003", "London Borough of Barnet"),
        ("E06000052", "Cornwall Council"),
        ("E08000001", "Bolton Metropolitan Borough Council"),
        ("E07000066", "Basildon Borough Council"),
        ("E09000001", "City of London Corporation"),
        ("E09000011", "Royal Borough of Greenwich"),
        ("E08000032", "City of Bradford Metropolitan District Council"),
        ("E08000039", "Sheffield City Council"),
        ("E06000023", "Bristol City Council"),
        ("E06000065", "North Yorkshire Council"),
    ],
)
def test_official_names(loaded, code, official_name):
    assert council(code).official_name == official_name


@pytest.mark.django_db
def test_ons_index_style_names_are_tidied(loaded):
    assert council("E06000023").name == "Bristol"
    assert council("E06000010").slug == "kingston-upon-hull"


@pytest.mark.django_db
def test_current_council_keeps_the_plain_slug_and_the_former_one_is_distinct(loaded):
    assert council("E06000065").slug == "north-yorkshire"
    assert council("E10000023").slug == "north-yorkshire-county-council"
    assert council("E06000066").slug == "somerset"
    assert council("E10000027").slug == "somerset-county-council"


@pytest.mark.django_db
def test_cumbria_reorganisation(loaded):
    allerdale = council("E07000026")
    assert allerdale.ceased_on == CEASED_2023
    assert allerdale.ceased_on is not None
    assert allerdale.county.code == "E10000006"
    assert successor_codes("E07000026") == {"E06000063"}
    assert council("E06000063").name == "Cumberland"
    assert successor_codes("E10000006") == {"E06000063", "E06000064"}
    assert set(council("E06000064").predecessors.values_list("name", flat=True)) == {
        "Barrow-in-Furness",
        "Eden",
        "South Lakeland",
        "Cumbria",
    }


@pytest.mark.django_db
def test_dorset_county_council_has_both_successors(loaded):
    dorset = council("E10000009")
    assert dorset.ceased_on == datetime.date(2019, 4, 1)
    assert dorset.official_name == "Dorset County Council"
    assert successor_codes("E10000009") == {"E06000058", "E06000059"}
    assert council("E07000048").county == dorset  # Christchurch kept its county


@pytest.mark.django_db
def test_somerset_west_and_taunton_was_created_and_abolished(loaded):
    assert successor_codes("E07000190") == {"E07000246"}
    assert successor_codes("E07000246") == {"E06000066"}
    assert council("E07000246").ceased_on == CEASED_2023


@pytest.mark.django_db
def test_a_new_code_keeps_one_council_found_by_its_old_code(loaded):
    sheffield = Council.objects.with_code("E08000019").get()
    assert sheffield.code == "E08000039"
    assert sheffield.ceased_on is None
    assert not Council.objects.filter(code__in=["E08000016", "E08000019"]).exists()
    assert Council.objects.with_code("e08000016").get().name == "Barnsley"


@pytest.mark.django_db
def test_rerunning_changes_nothing_and_keeps_staff_edits(loaded):
    Council.objects.filter(code="E07000170").update(
        official_name="Ashfield Council", slug="ashfield-dc", chief_executive="Jane Smith"
    )
    before = list(Council.objects.order_by("code").values())

    summary = load_councils()

    assert not summary.changed
    assert summary.lines()[-1] == "Nothing to add: the register was up to date."
    assert list(Council.objects.order_by("code").values()) == before
    assert council("E07000170").official_name == "Ashfield Council"


@pytest.mark.django_db
def test_rerunning_adds_what_is_missing_and_fills_blanks(loaded):
    Council.objects.filter(code="E06000017").delete()  # Rutland
    Council.objects.filter(code="E07000170").update(county=None, official_name="")
    Council.objects.get(code="E07000026").successors.clear()  # Allerdale
    # A database that still has Sheffield on its old code.
    PreviousCode.objects.filter(code="E08000019").delete()
    Council.objects.filter(code="E08000039").update(code="E08000019")

    summary = load_councils()

    assert summary.added == ["E06000017"]
    assert council("E06000017").slug == "rutland"
    assert summary.filled == ["E07000170 (official_name, county)"]
    assert council("E07000170").official_name == "Ashfield District Council"
    assert successor_codes("E07000026") == {"E06000063"}
    assert summary.successor_links_added == 1
    assert summary.recoded == ["E08000019 -> E08000039"]
    assert Council.objects.with_code("E08000019").get().code == "E08000039"
    assert summary.previous_codes_added == 1


def test_former_councils_table_agrees_with_the_2021_lookup():
    lookup = {row["LTLA21CD"]: row for row in register._lookup_records()}
    former = [entry for entry in register_entries() if entry.ceased_on]
    in_lookup = [entry for entry in former if entry.code in lookup]
    assert len(in_lookup) == 17
    for entry in in_lookup:
        assert entry.name == lookup[entry.code]["LTLA21NM"]
        assert entry.county_code == lookup[entry.code]["UTLA21CD"]


def test_a_council_missing_from_the_curated_tables_fails_loudly(monkeypatch):
    codes = register.postcodes.current_english_codes() - {"E07000170"}
    monkeypatch.setattr(register.postcodes, "current_english_codes", lambda: codes)
    with pytest.raises(RegisterDataError, match="E07000170"):
        register_entries()
