import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (the demo banner and page caches live there)."""
    cache.clear()
    yield
    cache.clear()
