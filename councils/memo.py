"""The memo of a year's figures, keyed on (year, data version): the site's one cache below HTTP.

A year's statistics (`councils.statistics.statistics_for_years`: about 30 ms a year at full
demo scale, seven years on a council page) are the same for every visitor and change only with
the data, and every change to the data moves the data version (`councils.dataversion`). So each
worker keeps the figures it computed for the newest version it has met, and drops them all when
it meets a newer one. No expiry is needed: an entry is never stale at its version.

Only figures go in here. Pages are rendered afresh on every miss of the page layer
(`councils.caching`), which is what keeps anything that depends on the visitor (letters, staff
previews) or on the day (decisions published three months after) out of this memo.

Process memory rather than the shared cache: the objects are reused as they are, with the
intervals they have already computed, without pickling. A worker never mixes versions: the key
is the version its request read first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.http import HttpRequest

from councils import dataversion
from councils.models import ReportingYear
from councils.statistics import YearStatistics, statistics_for_years

_lock = threading.Lock()
_version: int | None = None  # the newest version this worker has computed figures for
_years: dict[str, YearStatistics] = {}  # by year label, at that version


def _kept(version: int, labels: Iterable[str]) -> dict[str, YearStatistics]:
    with _lock:
        if version != _version:
            return {}
        return {label: _years[label] for label in labels if label in _years}


def _keep(version: int, computed: dict[str, YearStatistics]) -> None:
    global _version
    with _lock:
        if _version is None or version > _version:  # newer data: forget the older figures
            _version = version
            _years.clear()
        if version == _version:  # not if a request at a newer version came in meanwhile
            _years.update(computed)


def clear() -> None:
    global _version
    with _lock:
        _version = None
        _years.clear()


def statistics(request: HttpRequest, years: Iterable[ReportingYear]) -> dict[str, YearStatistics]:
    """`statistics_for_years(years)`, each year computed once per data version and worker.

    Years not yet in memory are computed together (three queries, as `statistics_for_years`).
    """
    years = sorted(years, key=lambda y: y.start)
    version = dataversion.for_request(request)
    found = _kept(version, [y.label for y in years])
    missing = [y for y in years if y.label not in found]
    if missing:
        computed = statistics_for_years(missing)
        _keep(version, computed)
        found.update(computed)
    return {y.label: found[y.label] for y in years}


def year_statistics(request: HttpRequest, year: ReportingYear) -> YearStatistics:
    return statistics(request, [year])[year.label]
