"""The read-only JSON API, under /api/. Any other path ending in a slash is a JSON 404; one
without the slash is first redirected by APPEND_SLASH."""

from django.urls import path, re_path

from councils.caching import public_page
from councils.opendata import api

app_name = "api"

# The operations are served from the shared page cache (keyed on the data version and the day),
# so repeated requests do not recompute statistics; ETags still answer conditional requests.
urlpatterns = [
    path("", public_page(api.docs), name="docs"),
    path("schema/", api.schema, name="schema"),
    *api.urls(),
    re_path(r"^.*/$", api.not_found),
]
