"""Published letters, as a section of the sitemap (joined in `ombudsman.urls`)."""

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from councils.pages.sitemaps import PAGE
from letters.access import visible_letters


class PublishedLetters(Sitemap):
    """Each letter the public may see, as (council slug, year label): embargoed letters stay out.

    Only the two names each URL needs are read, not the letters (whose frozen figures are JSON).
    """

    limit = PAGE

    def items(self):
        letters = visible_letters(AnonymousUser()).order_by(
            "council__name", "template__year__label"
        )
        return letters.values_list("council__slug", "template__year__label")

    def location(self, item: tuple[str, str]) -> str:
        return reverse("letters:letter", args=item)
