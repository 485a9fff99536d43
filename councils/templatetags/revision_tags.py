"""`{% load revision_tags %}`: a public year's revisions on the year's and councils' pages.

Tags rather than view code: each is one query, inside what the page already renders once per
data version (a revision is recorded with the data change that bumps the version).
"""

from django import template

from councils import revisions
from councils.models import Council, ReportingYear

register = template.Library()


@register.inclusion_tag("councils/includes/year_revisions.html")
def year_revisions(year: ReportingYear) -> dict:
    return {"year": year, "revisions": revisions.year_revisions(year)}


@register.inclusion_tag("councils/includes/council_revisions.html")
def council_revisions(council: Council, year: ReportingYear) -> dict:
    return {"year": year, "revisions": revisions.council_revisions(council.pk, year)}
