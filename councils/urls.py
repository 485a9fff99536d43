from django.urls import path

from councils import views
from councils.caching import cache_public_page

# Public pages are served to anonymous visitors from the shared page cache (councils.caching).
# Not cached: search (one entry per query typed, cheap to answer) and the map files (streamed
# files with their own Cache-Control).
urlpatterns = [
    path("", cache_public_page(views.home), name="home"),
    path("search/", views.search, name="search"),
    path("councils/<str:slug>/", cache_public_page(views.council), name="council"),
    path("councils/<str:slug>/<str:year>/", cache_public_page(views.council), name="council-year"),
    path(
        "compare/<str:council_type>/<str:year>/",
        cache_public_page(views.compare),
        name="compare",
    ),
    path("years/<str:year>/", cache_public_page(views.year_review), name="year"),
    path("methodology/", cache_public_page(views.methodology), name="methodology"),
    path("map/<str:name>", views.map_geometry, name="map-geometry"),
    path("sitemap.xml", cache_public_page(views.sitemap), name="sitemap"),
    path("robots.txt", views.robots, name="robots"),
]
