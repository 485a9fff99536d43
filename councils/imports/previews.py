"""Where an uploaded import file waits between the admin's preview and its confirm step.

django-import-export saves the upload in a "temporary storage" and names it in the confirm form.
These storages add what the library's own leave out:

- a confirm takes the file in one atomic step, so only one confirm can ever use a preview; a
  second confirm, an expired preview or a name we never made raises `PreviewGone` (never a
  file outside the storage, never a server error);
- the confirm form carries the previewed file's SHA-256 and row count, signed (`Previewed`):
  a confirm of a file that changed since its preview is refused (`PreviewChanged`);
- a preview not confirmed within IMPORT_PREVIEW_SECONDS goes: the cache forgets it, and the
  folder is swept on every upload and by `manage.py sweep_import_previews`.

Settings pick the cache when REDIS_URL is set (any app server can confirm a preview made on
another), else this server's folder IMPORT_PREVIEW_DIR. Data is kept and returned as bytes: the
import format decodes it.
"""

import hashlib
import os
import re
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from import_export.tmp_storages import BaseStorage

_NAME = re.compile(r"[0-9a-f]{32}")


class PreviewGone(Exception):
    """The preview's file was taken by another confirm, has expired, or was never one of ours."""


class PreviewChanged(PreviewGone):
    """The file waiting for its confirm is not the one that was previewed."""


@dataclass(frozen=True)
class Previewed:
    """What the preview saw of the file, carried signed by the confirm form (`sign`)."""

    name: str  # the storage's name for the file
    sha256: str
    rows: int

    def sign(self) -> str:
        return signing.dumps([self.name, self.sha256, self.rows], salt=_SALT)

    @classmethod
    def from_signed(cls, token: str, name: str) -> "Previewed":
        """The preview named in a confirm form: PreviewGone if the token is not ours, is for
        another file name, or is older than a preview is kept."""
        try:
            signed_name, sha256, rows = signing.loads(
                token, salt=_SALT, max_age=settings.IMPORT_PREVIEW_SECONDS
            )
        except (signing.BadSignature, ValueError, TypeError):
            raise PreviewGone from None
        if signed_name != name:
            raise PreviewGone
        return cls(signed_name, sha256, rows)

    def check(self, data: bytes) -> bytes:
        """`data`, if it is the file that was previewed; else PreviewChanged."""
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise PreviewChanged
        return data


_SALT = "councils.imports.previews"


class PreviewStorage(BaseStorage):
    """Save, read back for the preview, take once for the confirm; see the module docstring."""

    def save(self, data: bytes) -> None:
        self.name = uuid4().hex
        self.sha256 = hashlib.sha256(data).hexdigest()  # the confirm checks it has this file
        self._put(data)
        self._saved = True

    def read(self) -> bytes:
        # The preview step reads back what it saved. The confirm step is a new object given the
        # name from the form: it takes the file.
        if getattr(self, "_saved", False):
            return self._get()
        if not _NAME.fullmatch(str(self.name or "")):
            raise PreviewGone  # a tampered form
        return self._take()

    @classmethod
    def sweep(cls) -> int:
        """Remove previews older than IMPORT_PREVIEW_SECONDS; how many were removed."""
        return 0

    def _put(self, data: bytes) -> None:
        raise NotImplementedError

    def _get(self) -> bytes:
        raise NotImplementedError

    def _take(self) -> bytes:
        raise NotImplementedError


class FolderPreview(PreviewStorage):
    """This server's folder: shared by its workers, not by other app servers."""

    @staticmethod
    def folder() -> Path:
        return Path(settings.IMPORT_PREVIEW_DIR)

    def _path(self) -> Path:
        return self.folder() / self.name

    def _put(self, data: bytes) -> None:
        self.folder().mkdir(mode=0o700, parents=True, exist_ok=True)
        self._path().write_bytes(data)

    def _get(self) -> bytes:
        return self._path().read_bytes()

    def _take(self) -> bytes:
        taken = self._path().with_suffix(".taken")
        try:
            os.rename(self._path(), taken)  # atomic: of two confirms, one finds the file gone
        except FileNotFoundError:
            raise PreviewGone from None
        try:
            return taken.read_bytes()
        finally:
            taken.unlink()

    def remove(self) -> None:
        with suppress(FileNotFoundError):
            self._path().unlink()

    @classmethod
    def sweep(cls) -> int:
        if not cls.folder().is_dir():
            return 0
        cutoff = time.time() - settings.IMPORT_PREVIEW_SECONDS
        removed = 0
        for path in cls.folder().iterdir():
            with suppress(FileNotFoundError):  # another worker swept it first
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed


class CachePreview(PreviewStorage):
    """The default cache (Redis in production): every app server sees the same previews."""

    PREFIX = "import-preview:"

    def __init__(self, *, cache=None, **kwargs):
        super().__init__(**kwargs)
        self.cache = cache or caches["default"]

    @property
    def _key(self) -> str:
        return self.PREFIX + self.name

    def _put(self, data: bytes) -> None:
        self.cache.set(self._key, data, settings.IMPORT_PREVIEW_SECONDS)

    def _get(self) -> bytes:
        data = self.cache.get(self._key)
        if data is None:
            raise PreviewGone
        return data

    def _take(self) -> bytes:
        # add() is atomic in Redis (SET NX): of two confirms, one claims the preview.
        if not self.cache.add(self._key + ":taken", True, settings.IMPORT_PREVIEW_SECONDS):
            raise PreviewGone
        data = self._get()
        self.cache.delete(self._key)
        return data

    def remove(self) -> None:
        self.cache.delete(self._key)
