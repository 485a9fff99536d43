from django.urls import path
from django.views.decorators.http import require_safe

from councils.caching import public_page
from councils.pages import compare_chosen, compare_views, council_views, embed, map_views, views

# Every public page goes through the page layer (councils.caching), declaring the query
# parameters it reads (part of its cache key); each is read-only (GET and HEAD, else 405).
# Not through it: the map files (files with their own Cache-Control) and robots.txt (the
# trivial view bench/pages.py measures every page against).
TABLE = ("statistic", "sort", "order")  # the council table's choices, on the map and compare

urlpatterns = [
    path(
        "",
        public_page(map_views.home, params=(*TABLE, "year", "type", "view", "layer", "colour")),
        name="home",
    ),
    path("search/", public_page(views.search, params=("q",)), name="search"),
    path(
        "councils/<str:slug>/",
        public_page(council_views.council, params=("year",)),
        name="council",
    ),
    path(
        "councils/<str:slug>/<str:year>/",
        public_page(council_views.council, params=("year",)),
        name="council-year",
    ),
    path(
        "compare/",
        public_page(compare_chosen.compare_councils, params=("councils", "year")),
        name="compare-councils",
    ),
    path(
        "compare/<str:council_type>/<str:year>/",
        public_page(compare_views.compare, params=(*TABLE, "council")),
        name="compare",
    ),
    # Framed by other sites: see councils.pages.embed and ombudsman.middleware.
    path("embed/councils/<str:slug>/", public_page(embed.council_card), name="embed-council"),
    path(
        "embed/councils/<str:slug>/<str:year>/",
        public_page(embed.council_card),
        name="embed-council-year",
    ),
    path("years/<str:year>/", public_page(compare_views.year_review), name="year"),
    path("methodology/", public_page(views.methodology), name="methodology"),
    path("map/<str:name>", require_safe(map_views.map_geometry), name="map-geometry"),
    path("robots.txt", require_safe(views.robots), name="robots"),
]
