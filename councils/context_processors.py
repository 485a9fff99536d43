from django.core.cache import cache

from councils.models import Decision, Population

DEMO_CACHE_KEY = "councils:demo-data-loaded"


def demo_data_loaded() -> bool:
    """Whether synthetic demo data is in the database (cached; seed_demo clears the key)."""
    loaded = cache.get(DEMO_CACHE_KEY)
    if loaded is None:
        loaded = (
            Decision.objects.filter(demo=True).exists()
            or Population.objects.filter(demo=True).exists()
        )
        cache.set(DEMO_CACHE_KEY, loaded, 300)
    return loaded


def site(request):
    return {"demo_data_loaded": demo_data_loaded}
