from django.conf import settings
from django.db.models import Value
from django.utils.functional import SimpleLazyObject

from councils.models import Decision, Population


def demo_data_loaded() -> bool:
    """Whether synthetic demo data is in the database: one query, stopping at the first demo row
    of either table. Asked only when a page is rendered, which the page layer keeps per data
    version (seed_demo moves it), so no page goes on showing the banner after the data has gone.
    """
    flags = Decision.objects.filter(demo=True).values_list(Value(1))
    flags = flags.union(Population.objects.filter(demo=True).values_list(Value(1)), all=True)
    return flags.exists()


def site(request):
    # Lazy: asked (one query) only by a page that shows the banner, once however often it looks.
    return {"demo_data_loaded": SimpleLazyObject(demo_data_loaded), "site_name": settings.SITE_NAME}
