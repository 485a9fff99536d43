"""The read-only JSON API, under /api/. Any other path ending in a slash is a JSON 404; one
without the slash is first redirected by APPEND_SLASH."""

from django.urls import path, re_path

from councils.caching import public_page
from councils.opendata import api

app_name = "api"

# Computed answers are served from the shared page cache (keyed on the data version and the day),
# so repeated requests do not recompute statistics; ETags still answer conditional requests.
urlpatterns = [
    path("", public_page(api.docs), name="docs"),
    path("schema/", api.schema, name="schema"),
    path(
        "councils/",
        public_page(api.council_list, params=("type", "q", "page_size", "page")),
        name="councils",
    ),
    path("councils/<str:key>/", public_page(api.council_detail), name="council"),
    path("years/", public_page(api.year_list), name="years"),
    path("years/<str:year>/", public_page(api.year_detail), name="year"),
    re_path(r"^.*/$", api.not_found),
]
