"""Sign-in and password reset, ahead of `django.contrib.auth.urls` (same names)."""

from django.conf import settings
from django.contrib.auth.views import PasswordResetView
from django.urls import path

from letters.accounts import OfficerLoginView

urlpatterns = [
    path("login/", OfficerLoginView.as_view(), name="login"),
    # The email names the site, not the host it was asked on.
    path(
        "password_reset/",
        PasswordResetView.as_view(extra_email_context={"site_name": settings.SITE_NAME}),
        name="password_reset",
    ),
]
