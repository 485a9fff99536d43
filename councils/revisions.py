"""Revisions after publication (SPEC "Revisions after publication").

Whether a change revises a public year is measured, not guessed from the rows: every public
year's figures are computed by `councils.statistics` before the change and again after it, inside
the change's transaction, and every council whose figures differ is affected. A preview measures
the same way in a transaction that is then rolled back, so what it announces is exactly what the
confirm records.

`councils` never imports `letters`: the letters app registers a counter of the issued letters
that hold a year's figures (`register_letter_counter`, from its AppConfig.ready).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from itertools import groupby

from django.db import transaction
from django.template.defaultfilters import pluralize

from councils.models import ReportingYear, RevisedCouncil, Revision
from councils.statistics import CouncilRef, Figures, YearStatistics, statistics_for_years

LetterCounter = Callable[[ReportingYear, Collection[int]], int]
_letter_counters: list[LetterCounter] = []


def register_letter_counter(counter: LetterCounter) -> None:
    """`counter(year, council_ids)`: how many issued letters hold those councils' figures."""
    if counter not in _letter_counters:
        _letter_counters.append(counter)


def issued_letters(year: ReportingYear, council_ids: Collection[int]) -> int:
    return sum(counter(year, council_ids) for counter in _letter_counters)


# --- Measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearChange:
    """A public year whose published figures a change alters."""

    year: ReportingYear
    councils: tuple[CouncilRef, ...]  # whose own figures change, by name
    letters: int  # issued letters of those councils that hold the old figures

    @property
    def summary(self) -> str:
        councils, letters = len(self.councils), self.letters
        return (
            f"{self.year.label} has been public since {self.year.published_on:%-d %B %Y}: "
            f"the published figures of {councils} council{pluralize(councils)} change, and "
            f"{letters} issued letter{pluralize(letters)} "
            f"{pluralize(letters, 'holds,hold')} the old figures."
        )


@dataclass(frozen=True)
class Impact:
    """What a change does to public years; empty (false) when it changes no published figure."""

    changes: tuple[YearChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changes)

    @property
    def labels(self) -> str:
        return ", ".join(change.year.label for change in self.changes)


NO_IMPACT = Impact()


def _figures(stats: YearStatistics, council_id: int) -> Figures:
    entry = stats.for_council(council_id)
    return entry.figures if entry else Figures()


def _year_change(before: YearStatistics, after: YearStatistics) -> YearChange | None:
    refs = {e.council.id: e.council for s in (before, after) for e in s.councils.values()}
    changed = [ref for cid, ref in refs.items() if _figures(before, cid) != _figures(after, cid)]
    if not changed:
        return None
    changed.sort(key=lambda ref: (ref.name, ref.code))
    letters = issued_letters(after.year, [ref.id for ref in changed])
    return YearChange(year=after.year, councils=tuple(changed), letters=letters)


class Watch:
    """The public years' figures before a change, to compare with them after it."""

    def __init__(self, today: datetime.date | None = None):
        self.years = list(ReportingYear.objects.public(today))
        self.before = statistics_for_years(self.years)

    def __bool__(self) -> bool:
        """Whether any year is public, so that a change could revise one."""
        return bool(self.years)

    def impact(self) -> Impact:
        if not self.years:
            return NO_IMPACT
        after = statistics_for_years(self.years)
        changes = (_year_change(self.before[y.label], after[y.label]) for y in self.years)
        return Impact(tuple(change for change in changes if change))


def trial(change: Callable[[], object]) -> Impact:
    """What `change` would do to public years, undone afterwards (a savepoint rolled back)."""
    with transaction.atomic():
        watch = Watch()
        change()
        impact = watch.impact()
        transaction.set_rollback(True)
    return impact


# --- Recording ---------------------------------------------------------------------------------


class ReasonRequired(ValueError):
    """A change to published figures came without a reason."""

    def __init__(self, impact: Impact, how: str = "Give the reason for this revision."):
        changes = " ".join(change.summary for change in impact.changes)
        super().__init__(f"{changes} {how}")


def required_reason(impact: Impact, reason: str | None, how: str | None = None) -> str:
    """The reason, trimmed; ReasonRequired when published figures change without one."""
    reason = (reason or "").strip()
    if impact and not reason:
        raise ReasonRequired(impact, *([how] if how else []))
    return reason


def record(impact: Impact, reason: str, *, user=None, change: str = "") -> list[Revision]:
    """One revision per public year changed, naming the councils whose figures changed."""
    revisions = []
    for year_change in impact.changes:
        revision = Revision.objects.create(
            year=year_change.year,
            reason=required_reason(impact, reason),
            made_by=user if getattr(user, "is_authenticated", False) else None,
            change=change[:255],
        )
        RevisedCouncil.objects.bulk_create(
            RevisedCouncil(revision=revision, council_id=ref.id) for ref in year_change.councils
        )
        revisions.append(revision)
    return revisions


# --- Showing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRevision:
    """A revision as the public sees it."""

    revised_on: datetime.date
    reason: str
    councils: tuple[CouncilRef, ...] = field(default=())


def year_revisions(year: ReportingYear) -> list[PublicRevision]:
    """A public year's revisions, newest first, with their councils by name (one query)."""
    rows = (
        RevisedCouncil.objects.filter(revision__in=Revision.objects.public().of_year(year))
        .select_related("revision", "council")
        .order_by("-revision__recorded_at", "-revision_id", "council__name", "council__code")
    )
    return [
        PublicRevision(
            revised_on=revision.revised_on,
            reason=revision.reason,
            councils=tuple(_ref(row.council) for row in group),
        )
        for revision, group in groupby(rows, key=lambda row: row.revision)
    ]


def council_revisions(council_id: int, year: ReportingYear) -> list[PublicRevision]:
    """The public revisions of a year that changed this council's figures (one query)."""
    revisions = Revision.objects.public().of_year(year).filter(revised__council_id=council_id)
    return [PublicRevision(revised_on=r.revised_on, reason=r.reason) for r in revisions]


def _ref(council) -> CouncilRef:
    return CouncilRef(
        id=council.id,
        code=council.code,
        name=council.name,
        official_name=council.official_name,
        slug=council.slug,
        type=council.type,
    )


# --- Imports -----------------------------------------------------------------------------------


class RevisesOnImport:
    """Mixed into the import resources: measures what a file does to public years.

    The preview (a dry run) writes its rows too when a year is public, so that the figures after
    it can be measured before the transaction is rolled back. Sets `result.revisions`; a real
    import that changes published figures needs `reason=` and records the revisions.
    """

    def import_data_inner(self, dataset, dry_run, *args, **kwargs):
        self.revision_watch = Watch()
        result = super().import_data_inner(dataset, dry_run, *args, **kwargs)
        if result.has_errors() or result.has_validation_errors():
            return result  # rolled back: nothing changes
        result.revisions = impact = self.revision_watch.impact()
        if report := kwargs.get("on_revisions"):
            report(impact)
        if impact and not dry_run:
            try:
                reason = required_reason(impact, kwargs.get("reason"))
            except ReasonRequired as error:
                self.handle_import_error(result, error)
            else:
                change = f"{self.import_kind} import from {kwargs.get('file_name') or 'a file'}"
                record(impact, reason, user=kwargs.get("user"), change=change)
        return result
