"""Council types and service categories become rows (issue 16).

Types are keyed by today's slugs, so `council.type_id` keeps the values the column held (only
the column's name changes, to type_id). Decisions move from a category name to a foreign key in
two steps: this migration adds and fills `category_ref`, 0006 drops the name and renames it (on
PostgreSQL a table cannot be altered in the transaction that updated its rows).
"""

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models

# As the code had them on the day of this migration; staff edit the wording in the admin.
TYPES = [
    # slug, name, plural, GSS code prefix, description
    (
        "county",
        "County council",
        "County councils",
        "E10",
        "The 21 county councils: the upper tier in two-tier areas, responsible for services "
        "such as adult social care, children's services, education and highways across the "
        "districts within them.",
    ),
    (
        "district",
        "District council",
        "District councils",
        "E07",
        "The 164 district councils: the lower tier in two-tier areas, responsible for services "
        "such as housing, planning, council tax, benefits and waste collection.",
    ),
    (
        "metropolitan",
        "Metropolitan borough",
        "Metropolitan boroughs",
        "E08",
        "The 36 metropolitan borough councils of the large city regions outside London, each "
        "responsible for all council services in its area.",
    ),
    (
        "unitary",
        "Unitary council",
        "Unitary councils",
        "E06",
        "The 63 unitary councils outside London and the metropolitan areas, each responsible "
        "for all council services in its area.",
    ),
    (
        "london",
        "London borough",
        "London boroughs",
        "E09",
        "The 32 London borough councils and the City of London, each responsible for most "
        "council services in its area.",
    ),
]
CATEGORIES = [
    "Adult care services",
    "Benefits and tax",
    "Corporate and other services",
    "Education and children's services",
    "Environmental services, public protection and regulation",
    "Highways and transport",
    "Housing",
    "Planning and development",
    "Other",
]
YEAR_LABEL_SHAPE = django.core.validators.RegexValidator(
    "^[0-9]{4}-[0-9]{2}$", "Use a reporting year like 2023-24."
)
PREFIX_RULE = models.Q(
    models.Q(("code__startswith", "E06"), ("type", "unitary")),
    models.Q(("code__startswith", "E07"), ("type", "district")),
    models.Q(("code__startswith", "E08"), ("type", "metropolitan")),
    models.Q(("code__startswith", "E09"), ("type", "london")),
    models.Q(("code__startswith", "E10"), ("type", "county")),
    _connector="OR",
)


def add_types_and_categories(apps, schema_editor):
    CouncilType = apps.get_model("councils", "CouncilType")
    Category = apps.get_model("councils", "Category")
    for order, (slug, name, plural, prefix, description) in enumerate(TYPES, start=1):
        CouncilType.objects.create(
            slug=slug,
            name=name,
            plural=plural,
            code_prefixes=prefix,
            description=description,
            display_order=order,
        )
    for order, name in enumerate(CATEGORIES, start=1):
        Category.objects.create(name=name, display_order=order, first_year="2013-14")


def check_codes_match_types(apps, schema_editor):
    # The import has always refused a code of the wrong type; say which council breaks the new
    # constraint rather than fail on it.
    Council = apps.get_model("councils", "Council")
    wrong = Council.objects.exclude(PREFIX_RULE).values_list("code", "type_id")
    if wrong.exists():
        found = ", ".join(f"{code} ({slug})" for code, slug in wrong[:20])
        raise RuntimeError(f"Councils whose code does not match their type: {found}. Fix first.")


def fill_category_ref(apps, schema_editor):
    Category = apps.get_model("councils", "Category")
    Decision = apps.get_model("councils", "Decision")
    for category in Category.objects.all():  # one UPDATE per category
        Decision.objects.filter(category=category.name).update(category_ref=category)
    if Decision.objects.filter(category_ref__isnull=True).exists():
        raise RuntimeError("A decision has a category that is not one of the nine.")


def fill_category_name(apps, schema_editor):
    Category = apps.get_model("councils", "Category")
    Decision = apps.get_model("councils", "Decision")
    for category in Category.objects.all():
        Decision.objects.filter(category_ref=category).update(category=category.name)


class Migration(migrations.Migration):
    dependencies = [
        ("councils", "0004_revisions"),
    ]

    operations = [
        migrations.CreateModel(
            name="CouncilType",
            fields=[
                ("slug", models.SlugField(max_length=12, primary_key=True, serialize=False)),
                (
                    "name",
                    models.CharField(
                        help_text="e.g. District council", max_length=60, unique=True
                    ),
                ),
                ("plural", models.CharField(help_text="e.g. District councils", max_length=60)),
                (
                    "description",
                    models.TextField(
                        blank=True,
                        help_text="What the comparison group is, shown on the methodology, "
                        "compare and council pages.",
                    ),
                ),
                (
                    "code_prefixes",
                    models.CharField(
                        help_text="The ONS code prefixes of this type.",
                        max_length=40,
                        verbose_name="GSS code prefixes",
                    ),
                ),
                ("display_order", models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                "verbose_name": "council type",
                "ordering": ["display_order", "name"],
            },
        ),
        migrations.CreateModel(
            name="Category",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60, unique=True)),
                ("description", models.TextField(blank=True)),
                ("display_order", models.PositiveSmallIntegerField(default=0)),
                (
                    "first_year",
                    models.CharField(
                        default="2013-14",
                        help_text="The first reporting year it is used, e.g. 2013-14.",
                        max_length=7,
                        validators=[YEAR_LABEL_SHAPE],
                    ),
                ),
                (
                    "last_year",
                    models.CharField(
                        blank=True,
                        help_text="The last reporting year it is used; blank if still used.",
                        max_length=7,
                        validators=[YEAR_LABEL_SHAPE],
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "categories",
                "ordering": ["display_order", "name"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("first_year__regex", "^[0-9]{4}-[0-9]{2}$")),
                        name="category_first_year_format",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("last_year", ""),
                            models.Q(
                                ("last_year__gte", models.F("first_year")),
                                ("last_year__regex", "^[0-9]{4}-[0-9]{2}$"),
                            ),
                            _connector="OR",
                        ),
                        name="category_last_year_after_first",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="CategoryFormerName",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60)),
                (
                    "category",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="former_names",
                        to="councils.category",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"),
                        name="category_former_name_unique",
                    )
                ],
            },
        ),
        migrations.RunPython(add_types_and_categories, migrations.RunPython.noop),
        # Council.type: the same slugs, now a foreign key (column type -> type_id).
        migrations.RemoveConstraint(model_name="council", name="council_type_valid"),
        migrations.AlterField(
            model_name="council",
            name="type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="councils",
                to="councils.counciltype",
            ),
        ),
        migrations.RunPython(check_codes_match_types, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="council",
            constraint=models.CheckConstraint(
                condition=PREFIX_RULE, name="council_code_matches_type"
            ),
        ),
        # Decision.category: a foreign key filled from the name; 0006 swaps it in.
        migrations.AddField(
            model_name="decision",
            name="category_ref",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="councils.category",
            ),
        ),
        migrations.RunPython(fill_category_ref, fill_category_name),
    ]
