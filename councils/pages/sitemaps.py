"""The public pages of the councils app, as sections of the sitemap (django.contrib.sitemaps).

Only public years appear: an embargoed year's pages are invisible to search engines too. The
sections are joined in `ombudsman.urls`, with the letters app's.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from councils.models import Council, CouncilType, ReportingYear


class PathSitemap(Sitemap):
    """A section whose items are the pages' paths."""

    def location(self, item: str) -> str:
        return item


class FixedPages(PathSitemap):
    def items(self) -> list[str]:
        names = ["home", "methodology", "opendata:index", "api:docs"]
        return [reverse(name) for name in names]


class YearPages(PathSitemap):
    """Each public year's review and its comparison pages, one per council type."""

    def items(self) -> list[str]:
        paths = []
        for year in ReportingYear.objects.public():
            paths.append(reverse("year", args=[year.label]))
            paths += [reverse("compare", args=[slug, year.label]) for slug in CouncilType.SLUGS]
        return paths


class CouncilPages(PathSitemap):
    """Every council's page, and its page for each public year."""

    def items(self) -> list[str]:
        labels = list(ReportingYear.objects.public().values_list("label", flat=True))
        paths = []
        for slug in Council.objects.order_by("name").values_list("slug", flat=True):
            paths.append(reverse("council", args=[slug]))
            paths += [reverse("council-year", args=[slug, label]) for label in labels]
        return paths


SECTIONS = {"pages": FixedPages, "years": YearPages, "councils": CouncilPages}
