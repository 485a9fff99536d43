"""Where an upload waits between the import preview and its confirm (councils.imports.previews)."""

import io
import os
import time
import uuid

import pytest
from django.core.management import call_command

from councils.imports.previews import CachePreview, FolderPreview, PreviewGone
from tests.test_production import REDIS_URL, run_python

DAY = 24 * 60 * 60


@pytest.fixture
def folder(settings, tmp_path):
    settings.IMPORT_PREVIEW_DIR = tmp_path
    settings.IMPORT_EXPORT_TMP_STORAGE_CLASS = "councils.imports.previews.FolderPreview"
    return tmp_path


def test_a_folder_preview_is_read_back_then_taken_once(folder):
    preview = FolderPreview()
    preview.save(b"reference\n")
    assert preview.read() == b"reference\n"

    assert FolderPreview(name=preview.name).read() == b"reference\n"
    with pytest.raises(PreviewGone):
        FolderPreview(name=preview.name).read()
    assert list(folder.iterdir()) == []


def test_the_command_removes_previews_abandoned_for_a_day(folder):
    ages = {"a" * 32: DAY + 60, "b" * 32: DAY - 60, f"{'c' * 32}.taken": 2 * DAY}
    for name, age in ages.items():
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (time.time() - age, time.time() - age))
    out = io.StringIO()

    call_command("sweep_import_previews", stdout=out)

    assert [path.name for path in folder.iterdir()] == ["b" * 32]
    assert out.getvalue() == "Removed 2 abandoned import previews.\n"


@pytest.fixture
def two_servers():
    """Two cache clients on one Redis, as two app servers have; skipped without Redis."""
    import redis
    from django.core.cache.backends.redis import RedisCache

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    # A prefix of our own: the Redis server is shared, so never clear() it.
    params = {"KEY_PREFIX": f"test-previews-{uuid.uuid4().hex}"}
    servers = RedisCache(REDIS_URL, params), RedisCache(REDIS_URL, params)
    yield servers
    for server in servers:
        server.close()


def test_a_preview_made_on_one_server_is_confirmed_once_on_another(two_servers):
    server_a, server_b = two_servers
    preview = CachePreview(cache=server_a)
    preview.save(b"reference\n")
    try:
        assert CachePreview(name=preview.name, cache=server_b).read() == b"reference\n"
        with pytest.raises(PreviewGone):
            CachePreview(name=preview.name, cache=server_a).read()
    finally:
        key = CachePreview.PREFIX + preview.name
        server_a.delete_many([key, f"{key}:taken"])


@pytest.mark.parametrize(
    "redis_url, storage",
    [
        ("redis://127.0.0.1:6379/0", "councils.imports.previews.CachePreview"),
        ("", "councils.imports.previews.FolderPreview"),
    ],
)
def test_previews_are_kept_in_redis_when_redis_url_is_set(redis_url, storage):
    result = run_python(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.IMPORT_EXPORT_TMP_STORAGE_CLASS)",
        DEBUG="1",
        REDIS_URL=redis_url,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [storage]
