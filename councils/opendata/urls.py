"""Open data downloads, under /data/. The patterns take any year or slug so that an unknown one
gets the views' plain-text 404; the format is one of csv, xlsx or json."""

from django.urls import path, re_path

from councils.caching import public_page
from councils.opendata import datapackage, views

app_name = "opendata"

FORMAT = r"(?P<fmt>csv|xlsx|json)"

urlpatterns = [
    path("", public_page(views.index), name="index"),
    re_path(
        rf"^(?P<year>[^/]+)/statistics\.{FORMAT}$",
        public_page(views.year_statistics_file),
        name="year-statistics",
    ),
    re_path(
        rf"^(?P<year>[^/]+)/categories\.{FORMAT}$",
        public_page(views.year_categories_file),
        name="year-categories",
    ),
    re_path(
        rf"^(?P<year>[^/]+)/revisions\.{FORMAT}$",
        public_page(views.year_revisions_file),
        name="year-revisions",
    ),
    re_path(
        r"^(?P<year>[^/]+)/datapackage\.json$",
        public_page(datapackage.year_package),
        name="year-datapackage",
    ),
    re_path(
        rf"^councils/(?P<slug>[^/]+)/statistics\.{FORMAT}$",
        public_page(views.council_statistics_file),
        name="council-statistics",
    ),
    re_path(
        rf"^councils/(?P<slug>[^/]+)/decisions\.{FORMAT}$",
        public_page(views.council_decisions_file),
        name="council-decisions",
    ),
]
