"""`python manage.py invite_officer COUNCIL EMAIL [--name NAME]`: a council officer's account.

Creates (or finds) the account, makes it an officer of the council, and mails an invitation
with a link to choose a password (Django's password reset link, valid for
PASSWORD_RESET_TIMEOUT, three days by default). Running it again for the same person mails a
fresh link; nobody ever types or sees a password here.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from councils.models import Council
from councils.opendata.views import find_council
from letters.models import Officer


def council_for(key: str) -> Council:
    council = find_council(key.strip())
    if council is None:
        raise CommandError(f"No council has the slug or code {key!r}.")
    return council


def set_password_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL + path


class Command(BaseCommand):
    help = (
        "Give a council officer an account (by e-mail address) and mail them an invitation "
        "with a link to choose their password. They then see their council's letters a week "
        "before publication."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("council", help="The council's slug or GSS code, e.g. ashfield")
        parser.add_argument("email", help="The officer's e-mail address (also their username)")
        parser.add_argument("--name", default="", help="Their full name, e.g. 'Jane Cooper'")

    def handle(self, *args, council: str, email: str, name: str, **options) -> None:
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an e-mail address.") from None
        council = council_for(council)
        with transaction.atomic():
            user, created = self._account(email, name)
            officer = Officer.objects.filter(user=user).select_related("council").first()
            if officer is not None and officer.council_id != council.pk:
                raise CommandError(
                    f"{email} is already an officer of {officer.council}; an account belongs "
                    "to one council."
                )
            if officer is None:
                Officer.objects.create(user=user, council=council)
        context = {
            "council": council,
            "link": set_password_link(user),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            "name": user.get_full_name(),
            "contact": settings.ACCOUNTS_CONTACT_EMAIL,
        }
        send_mail(
            f"Your officer account on {settings.SITE_NAME}",
            render_to_string("letters/emails/officer_invitation.txt", context),
            None,
            [email],
        )
        verb = "Created" if created else "Found"
        self.stdout.write(f"{verb} {email}, an officer of {council}; invitation sent.")

    @staticmethod
    def _account(email: str, name: str):
        User = get_user_model()
        first, _, last = name.strip().partition(" ")
        user = User.objects.filter(username__iexact=email).first()
        if user is not None:
            if user.is_staff:
                raise CommandError(f"{email} is a staff account: officers need their own.")
            return user, False
        user = User(username=email, email=email, first_name=first, last_name=last)
        user.set_unusable_password()  # until they choose one through the link
        user.save()
        return user, True
