import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models import Value

from councils import dataversion
from councils.models import Decision, Population

logger = logging.getLogger(__name__)

DEMO_CACHE_KEY = "councils:demo-data-loaded"


def demo_data_loaded(version: int) -> bool:
    """Whether synthetic demo data is in the database.

    Cached with the data version it was read at (seed_demo bumps it, and deletes the key), so
    no process or cached page goes on showing the banner after the demo data has gone. An
    unreachable cache only means asking the database.
    """
    try:
        cached = cache.get(DEMO_CACHE_KEY)
    except Exception as error:
        logger.warning("Cache unavailable (demo banner): %s", error)
        cached = None
    if isinstance(cached, tuple) and cached[0] == version:
        return cached[1]
    # One query: stops at the first demo row of either table.
    flags = Decision.objects.filter(demo=True).values_list(Value(1))
    flags = flags.union(Population.objects.filter(demo=True).values_list(Value(1)), all=True)
    loaded = flags.exists()
    try:
        cache.set(DEMO_CACHE_KEY, (version, loaded), 300)
    except Exception as error:
        logger.warning("Cache unavailable (demo banner): %s", error)
    return loaded


def site(request):
    # At the data version this request read (or reads now, once for the whole request).
    def loaded() -> bool:
        return demo_data_loaded(dataversion.for_request(request).version)

    return {"demo_data_loaded": loaded, "site_name": settings.SITE_NAME}
