from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path

from councils.caching import public_page
from councils.pages import sitemaps as council_sitemaps
from letters.sitemaps import PublishedLetters
from ombudsman.feeds import CouncilFeed, SiteFeed
from ombudsman.health import healthz

SITEMAPS = {**council_sitemaps.SECTIONS, "letters": PublishedLetters}

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Before Django's own: sign-in landing officers on their letters, reset mail naming the site.
    path("accounts/", include("letters.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("councils.opendata.api_urls")),
    path("data/", include("councils.opendata.urls")),
    path("letters/", include("letters.urls")),
    path("feeds/site.atom", public_page(SiteFeed()), name="site-feed"),
    path("feeds/councils/<str:slug>.atom", public_page(CouncilFeed()), name="council-feed"),
    path(
        "sitemap.xml",
        public_page(sitemaps.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        public_page(sitemaps.sitemap, params=("p",)),  # p: the framework's page number
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("", include("councils.pages.urls")),
]
