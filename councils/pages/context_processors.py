from django.conf import settings
from django.db.models import Value

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
    # A callable: the template asks (one query) only where it shows the banner.
    return {"demo_data_loaded": demo_data_loaded, "site_name": settings.SITE_NAME}
