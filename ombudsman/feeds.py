"""Atom feeds (`django.contrib.syndication`): follow a council, or the whole site.

- `/feeds/councils/<slug>.atom`: the council's decisions as they become public (three months
  after the decision, and never before their year is published), its public interest reports and
  the service improvements it agreed, and its annual review letter on its publication day.
- `/feeds/site.atom`: each year's publication, and every revision of published figures.

Here rather than in `councils/` because a council's feed includes its letters, and `councils/`
never imports from `letters/` (data flows one way); the site itself is where both meet.

Feeds are for everyone alike (feed readers do not sign in): they show what the public may see,
through the same QuerySet methods as the pages: `ReportingYear.objects.public()`,
`Decision.objects.published()`, `letters.access.visible_letters(None)` and
`Revision.objects.public()`. They are cached like pages (`ombudsman/urls.py`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import or_
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from councils.models import Council, Decision, Recommendation, ReportingYear
from councils.models.revisions import Revision
from letters.access import visible_letters

MAX_ENTRIES = 50  # of each kind, and in the feed: a reader polls often, it needs the latest


@dataclass(frozen=True)
class Entry:
    title: str
    description: str
    link: str
    key: str  # unique within the site, for the entry's permanent id
    day: datetime.date  # the day it became public


def _tag(key: str) -> str:
    """A permanent entry id (RFC 4151), the same whichever host name the feed was read on."""
    return f"tag:{urlsplit(settings.SITE_URL).hostname},2024:{key}"


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def _year_of(day: datetime.date, years: list[ReportingYear]) -> ReportingYear:
    return next(y for y in years if y.start <= day <= y.end)


def _latest(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.day, e.key), reverse=True)[:MAX_ENTRIES]


class EntryFeed(Feed):
    """What both feeds share: Atom, entries as `Entry`, each dated the day it became public."""

    feed_type = Atom1Feed

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        return item.description

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_guid(self, item: Entry) -> str:
        return _tag(item.key)

    item_guid_is_permalink = False

    def item_pubdate(self, item: Entry) -> datetime.datetime:
        return _midnight(item.day)

    def item_updateddate(self, item: Entry) -> datetime.datetime:
        return _midnight(item.day)


class CouncilFeed(EntryFeed):
    def get_object(self, request, slug: str) -> Council:
        return get_object_or_404(Council, slug=slug)

    def title(self, council: Council) -> str:
        return f"{council.official_name}: complaints to the Ombudsman"

    def subtitle(self, council: Council) -> str:
        return (
            f"Decisions about {council.official_name} as they are published (three months after "
            "the decision), public interest reports, service improvements and annual review "
            "letters."
        )

    def link(self, council: Council) -> str:
        return council.get_absolute_url()

    def feed_url(self, council: Council) -> str:
        return reverse("council-feed", args=[council.slug])

    def items(self, council: Council) -> list[Entry]:
        years = list(ReportingYear.objects.public())
        if not years:
            return []
        decisions = Decision.objects.for_council(council).published()
        decisions = reduce(or_, (decisions.decided_in(year) for year in years))
        entries = [
            _decision_entry(council, decision, years)
            for decision in decisions.select_related("category").order_by("-decided", "reference")[
                :MAX_ENTRIES
            ]
        ]
        improvements = (
            Recommendation.objects.service_improvements()
            .filter(decision__in=decisions)
            .select_related("decision")
            .order_by("-decision__decided", "id")[:MAX_ENTRIES]
        )
        entries += [_improvement_entry(council, r, years) for r in improvements]
        letters = (
            visible_letters(None)
            .filter(council=council)
            .select_related("council", "template__year")
            .defer("pdf", "snapshot")
        )
        entries += [_letter_entry(letter) for letter in letters]
        return _latest(entries)


def _public_day(decision: Decision, year: ReportingYear) -> datetime.date:
    return max(decision.public_from, year.published_on)


def _decision_entry(council: Council, decision: Decision, years: list[ReportingYear]) -> Entry:
    year = _year_of(decision.decided, years)
    kind = "Public interest report" if decision.public_report else "Decision"
    summary = f" {decision.summary}" if decision.summary else ""
    return Entry(
        title=f"{kind} {decision.reference}: {decision.outcome} ({decision.category})",
        description=f"Decided on {decision.decided:%-d %B %Y} about {council.official_name}: "
        f"{decision.outcome}.{summary}",
        link=reverse("council-year", args=[council.slug, year.label]),
        key=f"decision/{decision.reference}",
        day=_public_day(decision, year),
    )


def _improvement_entry(
    council: Council, recommendation: Recommendation, years: list[ReportingYear]
) -> Entry:
    decision = recommendation.decision
    year = _year_of(decision.decided, years)
    due = f" Due by {recommendation.due:%-d %B %Y}." if recommendation.due else ""
    return Entry(
        title=f"Service improvement agreed by {council.official_name} ({decision.reference})",
        description=f"{recommendation.text}{due}",
        link=reverse("council-year", args=[council.slug, year.label]),
        key=f"service-improvement/{recommendation.pk}",
        day=_public_day(decision, year),
    )


def _letter_entry(letter) -> Entry:
    year = letter.template.year
    return Entry(
        title=f"Annual review letter {year.label}",
        description=f"The Ombudsman's annual review letter to {letter.council.official_name} "
        f"for {year.label}.",
        link=letter.get_absolute_url(),
        key=f"letter/{letter.council.slug}/{year.label}",
        day=max(letter.template.publication_date, year.published_on),
    )


class SiteFeed(EntryFeed):
    title = f"{settings.SITE_NAME}: publications and revisions"
    subtitle = (
        "Each year's council complaint figures on the day they are published, and every "
        "correction to published figures."
    )

    def link(self) -> str:
        return reverse("home")

    def feed_url(self) -> str:
        return reverse("site-feed")

    def items(self) -> list[Entry]:
        entries = [_year_entry(year) for year in ReportingYear.objects.public()]
        revisions = (
            Revision.objects.public()
            .select_related("year")
            .prefetch_related("councils")
            .order_by("-recorded_at", "-id")[:MAX_ENTRIES]
        )
        entries += [_revision_entry(revision) for revision in revisions]
        return _latest(entries)


def _year_entry(year: ReportingYear) -> Entry:
    note = f" {year.note}" if year.note else ""
    return Entry(
        title=f"Council complaint figures for {year.label} published",
        description=f"Every council's figures for {year.period}, their annual review letters "
        f"and open data.{note}",
        link=reverse("year", args=[year.label]),
        key=f"year/{year.label}",
        day=year.published_on,
    )


def _revision_entry(revision: Revision) -> Entry:
    councils = ", ".join(sorted(c.official_name for c in revision.councils.all()))
    return Entry(
        title=f"{revision.year.label} figures revised on {revision.revised_on:%-d %B %Y}",
        description=f"{revision.reason} Councils affected: {councils}.",
        link=reverse("year", args=[revision.year.label]) + "#revisions-heading",
        key=f"revision/{revision.pk}",
        day=revision.revised_on,
    )
