from django.contrib import admin
from django.urls import include, path

from ombudsman.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Before Django's own: sign-in landing officers on their letters, reset mail naming the site.
    path("accounts/", include("letters.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("councils.api_urls")),
    path("data/", include("councils.data_urls")),
    path("letters/", include("letters.urls")),
    path("", include("councils.urls")),
]
