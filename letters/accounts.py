"""Officers' sign-in: Django's views in the site's layout, landing officers on their letters.

The password reset views are Django's own (templates in templates/registration/), mailing
through EMAIL_BACKEND; only sign-in needs a subclass, for where it lands and what it says.
"""

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.urls import reverse

from letters.access import officer_of


class OfficerLoginView(LoginView):
    def get_default_redirect_url(self) -> str:
        """An officer lands on their council's letters (unless `next` says otherwise)."""
        officer = officer_of(self.request.user)
        if officer is not None:
            return reverse("letters:council", args=[officer.council.slug])
        return super().get_default_redirect_url()

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        # Django's LoginView names the site after the host; the layout wants the site's name.
        context.update(
            site_name=settings.SITE_NAME, accounts_contact_email=settings.ACCOUNTS_CONTACT_EMAIL
        )
        return context
