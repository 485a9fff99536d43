"""The register: councils, their previous codes and their populations."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.text import slugify

from councils.dataversion import VersionedModel, VersionedQuerySet
from councils.models.groups import CouncilType
from councils.models.years import ReportingYear


class CouncilQuerySet(VersionedQuerySet):
    def current(self):
        """The councils that exist today (317 in England)."""
        return self.filter(ceased_on__isnull=True)

    def former(self):
        return self.filter(ceased_on__isnull=False)

    def of_type(self, council_type: str):
        return self.filter(type=council_type)

    def districts_of(self, county: "Council"):
        """The district councils in a county, current and former."""
        return self.filter(county=county)

    def with_code(self, code: str):
        """Match a council by its current code or any previous code it had."""
        code = code.strip().upper()
        return self.filter(Q(code=code) | Q(previous_codes__code=code)).distinct()


class Council(VersionedModel):
    code = models.CharField("GSS code", max_length=9, unique=True)
    name = models.CharField("area name", max_length=100)
    official_name = models.CharField(
        max_length=150, help_text="The council's own name, e.g. Ashfield District Council."
    )
    slug = models.SlugField(max_length=100, unique=True)
    type = models.ForeignKey(CouncilType, on_delete=models.PROTECT, related_name="councils")
    county = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="districts",
        limit_choices_to={"type": CouncilType.COUNTY},
        help_text="The county council a district sits in.",
    )
    chief_executive = models.CharField(max_length=150, blank=True)
    chief_executive_title = models.CharField(max_length=150, blank=True, default="Chief Executive")
    email = models.EmailField(blank=True, help_text="Where the annual review letter is sent.")
    ceased_on = models.DateField(
        null=True, blank=True, help_text="The day the council was abolished (its last day + 1)."
    )
    successors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="predecessors"
    )

    objects = CouncilQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="council_code_format", condition=Q(code__regex=r"^E(0[6-9]|10)[0-9]{6}$")
            ),
            # Only districts sit in a county.
            models.CheckConstraint(
                name="council_county_only_for_districts",
                condition=Q(county__isnull=True) | Q(type=CouncilType.DISTRICT),
            ),
            # E07 codes are districts, E10 counties, ... (type_id is the type's slug).
            models.CheckConstraint(
                name="council_code_matches_type", condition=CouncilType.code_matches_type()
            ),
        ]
        indexes = [
            # Council.objects.current().of_type(t): the map, compare pages and type averages.
            models.Index(fields=["type", "ceased_on"], name="council_type_current_idx"),
        ]

    def __str__(self):
        return self.official_name or self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"/councils/{self.slug}/"


class PreviousCode(VersionedModel):
    """A GSS code a council used before (e.g. Sheffield E08000019 before E08000039)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="previous_codes")
    code = models.CharField(max_length=9, unique=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code

    def clean(self):
        if Council.objects.filter(code=self.code).exclude(pk=self.council_id).exists():
            raise ValidationError({"code": "This is another council's current code."})


# Letters go to councils this long before their year is published (SPEC "Domain").


class Population(VersionedModel):
    """Residents of a council in a reporting year (ONS mid-year estimate)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="populations")
    year = models.ForeignKey(ReportingYear, on_delete=models.CASCADE, related_name="populations")
    population = models.PositiveIntegerField()
    demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["year", "council"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "year"], name="population_one_per_council_year"
            ),
            models.CheckConstraint(name="population_positive", condition=Q(population__gt=0)),
        ]

    def __str__(self):
        return f"{self.council} {self.year}: {self.population:,}"
