"""The read-only JSON API, under /api/. Any other path ending in a slash is a JSON 404; one
without the slash is first redirected by APPEND_SLASH."""

from django.urls import path, re_path

from councils import api

app_name = "api"

urlpatterns = [
    path("", api.docs, name="docs"),
    path("schema/", api.schema, name="schema"),
    path("councils/", api.council_list, name="councils"),
    path("councils/<str:key>/", api.council_detail, name="council"),
    path("years/", api.year_list, name="years"),
    path("years/<str:year>/", api.year_detail, name="year"),
    re_path(r"^.*/$", api.not_found),
]
