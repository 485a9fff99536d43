"""Published letters, as a section of the sitemap (joined in `ombudsman.urls`)."""

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap

from councils.pages.sitemaps import PAGE
from letters.access import visible_letters


class PublishedLetters(Sitemap):
    limit = PAGE

    def items(self):
        # What a member of the public may see: embargoed letters stay out.
        letters = visible_letters(AnonymousUser()).select_related("council", "template__year")
        return letters.order_by("council__name", "template__year__label")
