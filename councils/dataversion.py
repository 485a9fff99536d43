"""The data version: one number that goes up with every write to what the public sees.

It is the only invalidation key of the site's two caches: the HTTP/page layer
(`councils.caching`) and the memo of a year's figures (`councils.memo`). Nothing else is ever
invalidated, so every write path moves it, and all of them do so through this module:

- `VersionedModel`: a model's `save()` and `delete()` bump;
- `VersionedQuerySet`: a QuerySet's `update()`, `delete()`, `bulk_create()` and `bulk_update()`
  bump (related managers are built from it, so `council.decisions.all().delete()` does too);
- many-to-many `add()`, `remove()`, `set()` and `clear()` bump (`m2m_changed`, below);
- the few writes in raw SQL (the import engine's inserts and updates, `councils.imports.bulk`) call
  `bump()` themselves.

Every model of `councils` and `letters` is versioned except those in `UNVERSIONED`, which no
public page or download shows; `tests/test_invalidation.py` enumerates them all and fails on a
model, or a write path, that does not move the version.

A bump runs in the caller's transaction: a rolled-back change never bumps it, and a reader that
sees the new number also sees the data that came with it. A bulk write bumps once, not per row.
"""

from __future__ import annotations

from django.db import connection, models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

_ROW = 1
_TABLE = "councils_dataversion"  # councils.models.DataVersion; raw SQL, see state()

# Models no public page, download or letter shows (bookkeeping and accounts), by label.
UNVERSIONED = {
    "councils.DataVersion": "the version itself",
    # Written only by the database's triggers, as decisions change: their writes move it.
    "councils.DecisionTally": "each council's decision counts per year, kept by the database",
    "councils.ImportRecord": "the import history, seen only by staff in the admin",
    "councils.Job": "background jobs and their progress, seen only by the staff who run them",
    "letters.LetterSending": "the log of letters e-mailed to councils, staff only",
    "letters.Officer": "which council an officer account belongs to",
}


def current() -> int:
    """The data version now (0 before the first bump), in one primary-key query.

    Raw SQL: every public request reads this, and building the ORM query costs ten times the
    query itself (about 180 µs against 18 µs on SQLite).
    """
    table = connection.ops.quote_name(_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {table} WHERE id = %s", [_ROW])
        row = cursor.fetchone()
    return 0 if row is None else row[0]


def for_request(request) -> int:
    """The data version as this request first read it, so every part of one page agrees."""
    found = getattr(request, "data_version", None)
    if found is None:
        found = request.data_version = current()
    return found


def bump() -> None:
    """Increase the data version by one (one query; two the very first time)."""
    table = connection.ops.quote_name(_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET version = version + 1 WHERE id = %s", [_ROW])
        if cursor.rowcount == 0:
            # The first bump ever. Two processes racing here: one insert fails, its transaction
            # with it, and the caller retries as for any other conflicting write.
            cursor.execute(f"INSERT INTO {table} (id, version) VALUES (%s, 1)", [_ROW])


class VersionedQuerySet(models.QuerySet):
    """A QuerySet whose set-based writes move the data version (once per call)."""

    def update(self, **kwargs) -> int:
        changed = super().update(**kwargs)
        if changed:
            bump()
        return changed

    def delete(self):
        deleted = super().delete()
        if deleted[0]:
            bump()
        return deleted

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            bump()
        return created

    def bulk_update(self, objs, *args, **kwargs) -> int:
        changed = super().bulk_update(objs, *args, **kwargs)
        if changed:
            bump()
        return changed


class VersionedModel(models.Model):
    """A model whose every save and delete moves the data version; its manager should be
    (a subclass of) `VersionedQuerySet.as_manager()`."""

    objects = VersionedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        bump()

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        bump()
        return deleted


@receiver(m2m_changed, dispatch_uid="councils.dataversion.m2m_changed")
def _links_changed(sender, instance, action, **kwargs) -> None:
    """Many-to-many links (a council's successors, a revision's councils) moved."""
    if action.startswith("post_") and isinstance(instance, VersionedModel):
        bump()
