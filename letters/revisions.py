"""Letters keep their issued figures; these say when the council's figures were revised since.

`count_issued` is registered with `councils.revisions` (LettersConfig.ready), so an import's
preview can say how many issued letters hold the figures it changes.
"""

from collections.abc import Collection

from django.db.models import OuterRef, QuerySet, Subquery

from councils.models import ReportingYear, Revision
from letters.models import Letter


def count_issued(year: ReportingYear, council_ids: Collection[int]) -> int:
    """Letters generated for these councils and year: each holds the figures of its day."""
    return Letter.objects.filter(template__year=year, council_id__in=council_ids).count()


def with_latest_revision(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    """Each letter with `revised_on` and `revision_reason`: the latest public revision of its
    council's figures for its year recorded after it was generated (None if none), in the same
    query as the letter."""
    later = (
        Revision.objects.public()
        .filter(
            year=OuterRef("template__year"),
            revised__council=OuterRef("council"),
            recorded_at__gt=OuterRef("generated_at"),
        )
        .order_by("-recorded_at", "-id")
    )
    return letters.annotate(
        revised_on=Subquery(later.values("revised_on")[:1]),
        revision_reason=Subquery(later.values("reason")[:1]),
    )
