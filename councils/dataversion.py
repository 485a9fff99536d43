"""A number that goes up whenever imported data changes: use it in ETags and cache keys.

`current()` reads the single `DataVersion` row on every call: one primary-key query, and right in
every process at once (a per-process cache such as LocMemCache would miss another worker's bump).
`bump()` runs inside the caller's transaction, so a rolled-back change never bumps it.
"""

from django.db import IntegrityError, transaction
from django.db.models import F

from councils.models import DataVersion

_ROW = 1


def current() -> int:
    """The data version now; 0 before the first import."""
    versions = DataVersion.objects.filter(pk=_ROW).values_list("version", flat=True)
    return next(iter(versions), 0)


def bump() -> int:
    """Increase the data version by one and return the new value."""
    with transaction.atomic():
        if not DataVersion.objects.filter(pk=_ROW).update(version=F("version") + 1):
            try:
                with transaction.atomic():
                    DataVersion.objects.create(pk=_ROW, version=1)
            except IntegrityError:  # another process created the row first: count on top of it
                DataVersion.objects.filter(pk=_ROW).update(version=F("version") + 1)
        return current()
