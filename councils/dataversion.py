"""A number that goes up whenever published data changes: use it in ETags and cache keys.

`state()` reads the single `DataVersion` row on every call: one primary-key query, and right in
every process at once (a per-process cache such as LocMemCache would miss another worker's bump).
`bump()` runs inside the caller's transaction, so a rolled-back change never bumps it, and a
reader that sees the new number also sees the data that came with it.

Every path that changes what the public sees bumps it: imports (`councils.imports.resources`), staff
edits in the admin (`councils.admin`), `publish_year`, `load_councils` and `seed_demo`.
"""

import datetime
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from councils.models import DataVersion

_ROW = 1
# Before the first bump: older than anything the site ever served.
NEVER = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
_SECOND = datetime.timedelta(seconds=1)


class State(NamedTuple):
    version: int  # 0 before the first bump
    changed_at: datetime.datetime  # when it last went up; NEVER before the first bump


def state() -> State:
    """The data version and when it last changed, in one primary-key query.

    Raw SQL: every request reads this, and building the ORM query costs ten times the query
    itself (about 180 µs against 18 µs on SQLite).
    """
    table = connection.ops.quote_name(DataVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version, changed_at FROM {table} WHERE id = %s", [_ROW])
        row = cursor.fetchone()
    if row is None:
        return State(0, NEVER)
    version, changed = row
    if isinstance(changed, str):  # SQLite keeps UTC text; PostgreSQL gives an aware datetime
        changed = parse_datetime(changed)
    if timezone.is_naive(changed):
        changed = timezone.make_aware(changed, datetime.UTC)
    return State(version, changed)


def for_request(request) -> State:
    """The data version as this request first read it: every part of one page agrees on it."""
    found = getattr(request, "data_state", None)
    if found is None:
        found = request.data_state = state()
    return found


def current() -> int:
    """The data version now; 0 before the first bump."""
    return state().version


def bump() -> int:
    """Increase the data version by one, note the time, and return the new version.

    The time moves on by at least a whole second from the previous one, so that an HTTP
    Last-Modified (whole seconds) made from it changes with every version, even two bumps in
    the same second.
    """
    with transaction.atomic():
        rows = DataVersion.objects.select_for_update().filter(pk=_ROW)
        previous = rows.values_list("changed_at", flat=True).first()
        now = timezone.now()
        if previous is None:
            try:
                with transaction.atomic():
                    DataVersion.objects.create(pk=_ROW, version=1, changed_at=now)
                return 1
            except IntegrityError:  # another process created the row first: count on top of it
                previous = rows.values_list("changed_at", flat=True).get()
        changed = max(now, previous.replace(microsecond=0) + _SECOND)
        DataVersion.objects.filter(pk=_ROW).update(version=F("version") + 1, changed_at=changed)
        return current()
