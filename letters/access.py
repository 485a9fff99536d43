"""Who may see which letter: the one rule every letters view, list and tag goes through.

A letter is public from its template's publication date, and never before its reporting year is
published. Before that only staff and officers of the letter's council see it; to everyone
else it does not exist (the same 404 as a letter that was never generated).
"""

import datetime

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from councils.models import published_by
from letters.models import Letter, Officer


def _published(today: datetime.date) -> Q:
    return Q(template__publication_date__lte=today) & published_by(today, "template__year__")


def visible_letters(user, today: datetime.date | None = None) -> QuerySet[Letter]:
    """The letters `user` may see, each annotated with `is_public` (False: under embargo)."""
    today = today or timezone.localdate()
    published = _published(today)
    letters = Letter.objects.annotate(
        is_public=Case(
            When(published, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )
    if user is None or not user.is_active:
        return letters.filter(published)
    if user.is_staff:
        return letters
    # A subquery rather than a join, so a council with several officers gives no duplicates.
    own_council = Q(council_id__in=Officer.objects.filter(user=user).values("council_id"))
    return letters.filter(published | own_council)


def officer_of(user) -> Officer | None:
    """The officer record (with its council) of a signed-in council officer, else None."""
    if user is None or not user.is_authenticated:
        return None
    return Officer.objects.filter(user=user).select_related("council").first()
