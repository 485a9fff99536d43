"""Council types and service categories: data staff can read and edit, not choices in code.

The five council types are the comparison groups ("similar authorities"). Their rows come from
migration 0005 and are keyed by slug, so URLs, downloads and the API keep the values they had;
staff edit their wording, never their slugs or GSS code prefixes. Service categories can be
renamed (the import still accepts a former name) and added from one reporting year on.
"""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from councils.dataversion import VersionedModel, VersionedQuerySet
from councils.models.years import parse_year_label

YEAR_LABEL_PATTERN = r"^[0-9]{4}-[0-9]{2}$"
year_label_shape = RegexValidator(YEAR_LABEL_PATTERN, "Use a reporting year like 2023-24.")


class CouncilType(VersionedModel):
    # The slugs of the five rows, for code with rules about one type (only districts have a
    # county). Never added to or deleted: the GSS code prefixes are fixed by ONS.
    COUNTY = "county"
    DISTRICT = "district"
    METROPOLITAN = "metropolitan"
    UNITARY = "unitary"
    LONDON = "london"
    SLUGS = (COUNTY, DISTRICT, METROPOLITAN, UNITARY, LONDON)
    # The database constraint on Council.code is built from this; a test checks the rows agree.
    PREFIXES = {UNITARY: "E06", DISTRICT: "E07", METROPOLITAN: "E08", LONDON: "E09", COUNTY: "E10"}

    slug = models.SlugField(max_length=12, primary_key=True)
    name = models.CharField(max_length=60, unique=True, help_text="e.g. District council")
    plural = models.CharField(max_length=60, help_text="e.g. District councils")
    description = models.TextField(
        blank=True,
        help_text="What the comparison group is, shown on the methodology, compare and council "
        "pages.",
    )
    code_prefixes = models.CharField(
        "GSS code prefixes", max_length=40, help_text="The ONS code prefixes of this type."
    )
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = "council type"

    def __str__(self):
        return self.name

    @classmethod
    def from_code(cls, code: str) -> str:
        """The type's slug from an ONS GSS code prefix (E06 unitary, E07 district, ...)."""
        for slug, prefix in cls.PREFIXES.items():
            if code[:3] == prefix:
                return slug
        raise ValueError(f"{code!r} is not an English council code (E06-E10)")

    @classmethod
    def code_matches_type(cls) -> Q:
        """A council's code starts with its type's prefix: the Council check constraint."""
        rule = Q()
        for slug, prefix in cls.PREFIXES.items():
            rule |= Q(type=slug, code__startswith=prefix)
        return rule


class CategoryQuerySet(VersionedQuerySet):
    def by_any_name(self) -> dict[str, "Category"]:
        """Every current and former name -> its category (two queries: imports, the demo)."""
        found: dict[str, Category] = {}
        for category in self.prefetch_related("former_names"):
            found[category.name] = category
            for former in category.former_names.all():
                found.setdefault(former.name, category)
        return found


class Category(VersionedModel):
    """A service category of complaints, e.g. Housing."""

    # The names migration 0005 gave the nine categories; staff may have renamed them since, so
    # look them up with `Category.objects.by_any_name()`, which knows former names too.
    ADULT_CARE = "Adult care services"
    BENEFITS_TAX = "Benefits and tax"
    CORPORATE = "Corporate and other services"
    EDUCATION = "Education and children's services"
    ENVIRONMENT = "Environmental services, public protection and regulation"
    HIGHWAYS = "Highways and transport"
    HOUSING = "Housing"
    PLANNING = "Planning and development"
    OTHER = "Other"
    SEEDED = (
        ADULT_CARE,
        BENEFITS_TAX,
        CORPORATE,
        EDUCATION,
        ENVIRONMENT,
        HIGHWAYS,
        HOUSING,
        PLANNING,
        OTHER,
    )

    name = models.CharField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    display_order = models.PositiveSmallIntegerField(default=0)
    first_year = models.CharField(
        max_length=7,
        default="2013-14",
        validators=[year_label_shape],
        help_text="The first reporting year it is used, e.g. 2013-14.",
    )
    last_year = models.CharField(
        max_length=7,
        blank=True,
        validators=[year_label_shape],
        help_text="The last reporting year it is used; blank if still used.",
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                name="category_first_year_format", condition=Q(first_year__regex=YEAR_LABEL_PATTERN)
            ),
            models.CheckConstraint(
                name="category_last_year_after_first",
                condition=Q(last_year="")
                | Q(last_year__regex=YEAR_LABEL_PATTERN, last_year__gte=models.F("first_year")),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def years(self) -> str:
        """`used from 2013-14`, or `used from 2013-14 to 2019-20`."""
        return f"used from {self.first_year}" + (f" to {self.last_year}" if self.last_year else "")

    def is_used_in(self, label: str) -> bool:
        return self.first_year <= label and (not self.last_year or label <= self.last_year)

    def clean(self):

        for field in ("first_year", "last_year"):
            if value := getattr(self, field):
                try:
                    parse_year_label(value)
                except ValueError as error:
                    raise ValidationError({field: str(error)}) from None
        if self.last_year and self.last_year < self.first_year:
            raise ValidationError({"last_year": "Before the first year it is used."})
        clash = CategoryFormerName.objects.filter(name__iexact=self.name.strip())
        if clash.exclude(category_id=self.pk).exists():
            raise ValidationError({"name": "This is another category's former name."})


class CategoryFormerName(VersionedModel):
    """A name a category had in earlier years' files, still accepted by the import."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="former_names")
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [
            # One name, one category: an import must never have to guess.
            models.UniqueConstraint(Lower("name"), name="category_former_name_unique"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        other = Category.objects.filter(name__iexact=self.name.strip())
        if other.exclude(pk=self.category_id).exists():
            raise ValidationError({"name": "This is another category's current name."})
