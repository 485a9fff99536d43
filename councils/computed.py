"""What pages compute from the data alone, kept in each worker's memory for one data version.

A year's statistics, and the tables rendered from them, change only when the data does, and every
change bumps the data version (`councils.dataversion`). So each worker keeps what it computed,
keyed on the data version its request read first, and forgets everything when it meets another
version. Without this, every page view that the page cache cannot serve (signed-in staff and
officers, the first visitor of each URL after a change) would recompute a whole year of figures:
about 30 ms for one year, 130 ms for a council page's seven-year trend.

Only what is the same for every visitor goes in here: never letters (officers see their own
before the public) or CSRF tokens. What depends on which years someone may see, or on the day
(decisions become public three months after), has them in its key.

One memo, least recently used out first: every page computed afresh looks up its years' figures
before it adds its own entry, so pages (a crawler visiting every council) never push out the
figures they are made from.

Process memory rather than the shared cache: the objects are reused as they are, with the
intervals they have already computed, without pickling; a stale worker cannot be confused because
the key is the version its request read. The version is compared with its time of change too, so
a database restored from a backup (its counter going back, then forward again over the same
numbers) never meets an old entry.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from django.conf import settings
from django.http import HttpRequest

from councils import dataversion
from councils.models import CouncilType, ReportingYear
from councils.statistics import YearStatistics, statistics_for_years

T = TypeVar("T")

# Bounds each worker's memory: a rendered table of every council (with its map data) is about
# 170 KB, a council page's figures 15 KB, a year's statistics about 1 MB.
MAX_ENTRIES = 200
MISSING = object()


class VersionMemo:
    """A bounded, thread-safe memo for values computed at one data version.

    The least recently used entry goes first when it is full; an entry older than
    `settings.COMPUTED_SECONDS` is computed again (0: nothing is kept).
    """

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._state: dataversion.State | None = None
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()

    def get(self, state: dataversion.State, key: Hashable, compute: Callable[[], T]) -> T:
        value = self.peek(state, key)
        if value is MISSING:
            value = compute()  # unlocked: another thread may compute the same, harmlessly
            self.put(state, key, value)
        return value

    def peek(self, state: dataversion.State, key: Hashable):
        """The value kept for `key` at this version, or MISSING."""
        with self._lock:
            if state != self._state:  # the data changed (or this worker is new): start again
                self._entries.clear()
                self._state = state
                return MISSING
            stored_at, value = self._entries.get(key, (None, MISSING))
            if stored_at is None:
                return MISSING
            if time.monotonic() - stored_at >= settings.COMPUTED_SECONDS:
                del self._entries[key]
                return MISSING
            self._entries.move_to_end(key)
            return value

    def put(self, state: dataversion.State, key: Hashable, value: object) -> None:
        with self._lock:
            if state == self._state:  # not if a request at a newer version came in meanwhile
                self._entries[key] = (time.monotonic(), value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._state = None

    def __len__(self) -> int:
        return len(self._entries)


memo = VersionMemo()


def remember(request: HttpRequest, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave for `key` earlier at the data version of this request."""
    return memo.get(dataversion.for_request(request), key, compute)


def council_types(request: HttpRequest) -> list[CouncilType]:
    """The five council types in display order: one query per data version (staff edits of
    their wording bump it)."""
    return remember(request, ("council types",), lambda: list(CouncilType.objects.all()))


def statistics(request: HttpRequest, years: Iterable[ReportingYear]) -> dict[str, YearStatistics]:
    """`statistics_for_years(years)`, each year computed once per data version.

    Years not yet in memory are computed together (four queries, as `statistics_for_years`).
    """
    years = sorted(years, key=lambda y: y.start)
    state = dataversion.for_request(request)
    found = {y.label: memo.peek(state, ("year", y.label)) for y in years}
    missing = [y for y in years if found[y.label] is MISSING]
    if missing:
        for label, stats in statistics_for_years(missing).items():
            memo.put(state, ("year", label), stats)
            found[label] = stats
    return found


def year_statistics(request: HttpRequest, year: ReportingYear) -> YearStatistics:
    return statistics(request, [year])[year.label]
