"""The read-only JSON API, under /api/. Any other path ending in a slash is a JSON 404; one
without the slash is first redirected by APPEND_SLASH."""

from django.urls import path, re_path

from councils.caching import cache_public_page
from councils.opendata import api

app_name = "api"

# Computed answers are served from the shared page cache (keyed on the data version and the day),
# so repeated requests do not recompute statistics; ETags still answer conditional requests.
urlpatterns = [
    path("", api.docs, name="docs"),
    path("schema/", api.schema, name="schema"),
    path(
        "councils/",
        cache_public_page(api.council_list, params=("type", "q", "page_size", "page")),
        name="councils",
    ),
    path("councils/<str:key>/", cache_public_page(api.council_detail), name="council"),
    path("years/", cache_public_page(api.year_list), name="years"),
    path("years/<str:year>/", cache_public_page(api.year_detail), name="year"),
    re_path(r"^.*/$", api.not_found),
]
