"""`{% load letter_tags %}{% council_letters council %}`: a council's letters on its page.

A template tag rather than a call from councils/ views, so councils/ never imports letters/;
it goes through the same access rule as the letters pages.
"""

from django import template

from councils.models import Council
from letters.access import visible_letters

register = template.Library()


@register.inclusion_tag("letters/_council_letters.html", takes_context=True)
def council_letters(context: template.Context, council: Council) -> dict:
    """The council's letters this user may see, newest first (nothing when there are none)."""
    request = context.get("request")
    letters = (
        visible_letters(request.user if request else None)
        .filter(council=council)
        .select_related("council", "template__year")
        .defer("pdf", "snapshot")
        .order_by("-template__year__start")
    )
    return {"letters": list(letters), "council": council}
