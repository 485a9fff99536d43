from django.urls import path
from django.views.decorators.http import require_safe

from councils.caching import cache_public_page
from councils.pages import choose, embed, views

# Public pages are served to anonymous visitors from the shared page cache (councils.caching).
# Not cached: search (one entry per query typed, cheap to answer) and the map files (streamed
# files with their own Cache-Control). Each cached page declares the query parameters it reads
# (its cache key); every page here is read-only (GET and HEAD, else 405).
TABLE = ("statistic", "sort", "order")  # the council table's choices, on the map and compare

urlpatterns = [
    path(
        "",
        cache_public_page(views.home, params=(*TABLE, "year", "type", "view", "layer", "colour")),
        name="home",
    ),
    path("search/", require_safe(views.search), name="search"),
    path(
        "councils/<str:slug>/", cache_public_page(views.council, params=("year",)), name="council"
    ),
    path(
        "councils/<str:slug>/<str:year>/",
        cache_public_page(views.council, params=("year",)),
        name="council-year",
    ),
    path(
        "compare/",
        cache_public_page(choose.compare_councils, params=("councils", "year")),
        name="compare-councils",
    ),
    path(
        "compare/<str:council_type>/<str:year>/",
        cache_public_page(views.compare, params=(*TABLE, "council")),
        name="compare",
    ),
    # Framed by other sites: see councils.pages.embed and ombudsman.middleware.
    path("embed/councils/<str:slug>/", cache_public_page(embed.council_card), name="embed-council"),
    path(
        "embed/councils/<str:slug>/<str:year>/",
        cache_public_page(embed.council_card),
        name="embed-council-year",
    ),
    path("years/<str:year>/", cache_public_page(views.year_review), name="year"),
    path("methodology/", cache_public_page(views.methodology), name="methodology"),
    path("map/<str:name>", require_safe(views.map_geometry), name="map-geometry"),
    path("robots.txt", require_safe(views.robots), name="robots"),
]
