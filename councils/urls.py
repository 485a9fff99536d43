from django.urls import path

from councils import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("councils/<str:slug>/", views.council, name="council"),
    path("councils/<str:slug>/<str:year>/", views.council, name="council-year"),
    path("compare/<str:council_type>/<str:year>/", views.compare, name="compare"),
    path("years/<str:year>/", views.year_review, name="year"),
    path("methodology/", views.methodology, name="methodology"),
    path("map/<str:name>", views.map_geometry, name="map-geometry"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
]
