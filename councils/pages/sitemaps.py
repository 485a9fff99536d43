"""The public pages of the councils app, as sections of the sitemap (django.contrib.sitemaps).

Only public years appear: an embargoed year's pages are invisible to search engines too. The
sections are joined in `ombudsman.urls`, with the letters app's, under a sitemap index: each
section is its own file, in pages of `PAGE` URLs, so that no response lists thousands of them.
Items are cheap to list (the paginator counts them all); a page's locations are made only for
the items it shows.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from councils.models import Council, CouncilType, ReportingYear

# URLs per sitemap page: a few tens of milliseconds to render.
PAGE = 1000


class PathSitemap(Sitemap):
    """A section whose items are the pages' paths."""

    limit = PAGE

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


class CouncilPages(Sitemap):
    """Every council's page, and its page for each public year: (slug, year label or None)."""

    limit = PAGE

    def items(self) -> list[tuple[str, str | None]]:
        labels = [None, *ReportingYear.objects.public().values_list("label", flat=True)]
        slugs = Council.objects.order_by("name").values_list("slug", flat=True)
        return [(slug, label) for slug in slugs for label in labels]

    def location(self, item: tuple[str, str | None]) -> str:
        slug, label = item
        return reverse("council-year", args=item) if label else reverse("council", args=[slug])


SECTIONS = {"pages": FixedPages, "years": YearPages, "councils": CouncilPages}
