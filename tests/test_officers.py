"""The officer's way (issue 14): sign-in in the site's layout, password reset by email, landing
on the council's letters, and the council's own figures during the embargo week.

Who may see what, for 2024-25 (published in three days, its letters already sent) on the pages
of Ashdale and Brookfield: the public nothing, Ashdale's officer Ashdale's page only, Brookfield's
officer Brookfield's page only, staff everything.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone
from django.utils.html import escape

from councils.models import CouncilType, Outcome, ReportingYear
from letters import rendering
from letters.generation import generate_letters
from letters.models import Officer
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    LetterTemplateFactory,
    ReportingYearFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def fast(settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n")


@pytest.fixture
def world():
    """2023-24 public; 2024-25 public in three days, letters generated for both councils."""
    ReportingYearFactory(label="2023-24", published_on=TODAY - 200 * DAY)
    embargoed = ReportingYearFactory(label="2024-25", published_on=TODAY + 3 * DAY)
    councils = {}
    for name in ("Ashdale", "Brookfield"):
        council = CouncilFactory(name=name, slug=name.lower(), type=CouncilType.DISTRICT)
        for decided in (datetime.date(2023, 9, 1), datetime.date(2024, 9, 1)):
            DecisionFactory(council=council, outcome=Outcome.UPHELD, decided=decided)
        councils[name.lower()] = council
    generate_letters(LetterTemplateFactory(year=embargoed))
    return councils


def officer(council, username: str, email: str = "") -> User:
    user = User.objects.create_user(username, email=email, password="officer-password-1")
    Officer.objects.create(user=user, council=council)
    return user


@pytest.fixture
def users(world):
    return {
        "public": None,
        "own officer": officer(world["ashdale"], "ashdale-officer"),
        "other officer": officer(world["brookfield"], "brookfield-officer"),
        "staff": User.objects.create_user("staff", password="x", is_staff=True),
    }


class TestSignIn:
    def test_page_is_in_the_site_layout_and_says_how_to_get_an_account(self, client, settings):
        settings.ACCOUNTS_CONTACT_EMAIL = "officer-accounts@ombudsman.example"
        page = client.get("/accounts/login/").content.decode()
        assert 'class="site-header"' in page and "Annual letters" in page
        assert f'class="site-name" href="/">{escape(settings.SITE_NAME)}<' in page
        assert '<a href="/accounts/password_reset/">Forgotten your password?</a>' in page
        assert "How to get an account" in page
        assert 'href="mailto:officer-accounts@ombudsman.example"' in page

    @pytest.mark.parametrize(
        ("who", "next_url", "lands_on"),
        [
            ("own officer", "", "/letters/ashdale/"),
            ("staff", "", "/letters/"),
            ("own officer", "/councils/ashdale/2024-25/", "/councils/ashdale/2024-25/"),
        ],
    )
    def test_where_sign_in_lands(self, client, users, who, next_url, lands_on):
        users[who].set_password("pw-for-the-test-1")
        users[who].save()
        response = client.post(
            "/accounts/login/",
            {"username": users[who].username, "password": "pw-for-the-test-1", "next": next_url},
        )
        assert response.status_code == 302 and response["Location"] == lands_on

    def test_password_reset_through_the_mail(self, client, settings, world):
        user = officer(world["ashdale"], "ashdale-officer", email="officer@ashdale.example.org")
        form = client.get("/accounts/password_reset/").content.decode()
        assert 'class="site-header"' in form and "Django administration" not in form
        response = client.post("/accounts/password_reset/", {"email": user.email}, follow=True)
        assert "Check your email" in response.content.decode()
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
        assert settings.SITE_NAME in mail.outbox[0].subject
        link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
        page = client.get(link, follow=True)
        assert "Choose a new password" in page.content.decode()
        done = client.post(
            page.redirect_chain[-1][0],
            {"new_password1": "a-new-long-password-7", "new_password2": "a-new-long-password-7"},
            follow=True,
        )
        assert "Password changed" in done.content.decode()
        assert client.login(username="ashdale-officer", password="a-new-long-password-7")

    def test_unknown_address_sends_nothing_and_says_the_same(self, client, world):
        response = client.post(
            "/accounts/password_reset/", {"email": "nobody@example.org"}, follow=True
        )
        assert "Check your email" in response.content.decode() and mail.outbox == []


# (who, page) -> status, for 2024-25 during its embargo week.
FIGURES = {
    ("public", "ashdale"): 404,
    ("own officer", "ashdale"): 200,
    ("other officer", "ashdale"): 404,
    ("staff", "ashdale"): 200,
    ("public", "brookfield"): 404,
    ("own officer", "brookfield"): 404,
    ("other officer", "brookfield"): 200,
    ("staff", "brookfield"): 200,
}


class TestEmbargoedFigures:
    @pytest.mark.parametrize(("who", "slug"), list(FIGURES))
    def test_matrix(self, client, users, who, slug):
        if users[who]:
            client.force_login(users[who])
        response = client.get(f"/councils/{slug}/2024-25/")
        assert response.status_code == FIGURES[who, slug]
        if response.status_code == 200:
            cache_control = response["Cache-Control"]
            assert "private" in cache_control and "no-store" in cache_control

    def test_officer_sees_a_banner(self, client, users):
        client.force_login(users["own officer"])
        page = client.get("/councils/ashdale/2024-25/").content.decode()
        when = f"{(TODAY + 3 * DAY):%-d %B %Y}"
        assert f"Embargoed until {when}: not for publication." in page
        assert "as staff" not in page

    @pytest.mark.parametrize(
        "path",
        ["/years/2024-25/", "/compare/district/2024-25/", "/data/2024-25/statistics.csv",
         "/letters/brookfield/2024-25/", "/letters/brookfield/2024-25.pdf"],
    )  # fmt: skip
    def test_officer_sees_nothing_else_of_the_year(self, client, users, path):
        client.force_login(users["own officer"])
        assert client.get(path).status_code == 404

    def test_the_public_still_cannot_after_an_officer_looked(self, client, users):
        client.force_login(users["own officer"])
        assert client.get("/councils/ashdale/2024-25/").status_code == 200
        client.logout()
        assert client.get("/councils/ashdale/2024-25/").status_code == 404
        assert "2024-25" not in client.get("/councils/ashdale/").content.decode()

    def test_rule_is_one_week_before_publication(self, users, world):
        ashdale, own = world["ashdale"], users["own officer"]
        visible = ReportingYear.objects.visible_to
        assert [y.label for y in visible(own, council=ashdale)] == ["2023-24", "2024-25"]
        assert [y.label for y in visible(own)] == ["2023-24"]  # not on other pages
        assert [y.label for y in visible(own, today=TODAY - 5 * DAY, council=ashdale)] == [
            "2023-24"
        ]  # eight days before publication: not yet
        own.is_active = False
        assert [y.label for y in visible(own, council=ashdale)] == ["2023-24"]


class TestCouncilLetters:
    def test_public_sees_published_letters_only(self, client, world):
        page = client.get("/letters/ashdale/").content.decode()
        assert "There are no letters to Ashdale" in page
        assert client.get("/letters/nowhere/").status_code == 404

    def test_officer_sees_the_embargoed_letter_and_a_link_to_its_figures(self, client, users):
        client.force_login(users["own officer"])
        response = client.get("/letters/ashdale/")
        page = response.content.decode()
        assert "/letters/ashdale/2024-25/" in page and "Embargoed" in page
        assert 'href="/councils/ashdale/2024-25/"' in page
        assert "no-store" in response["Cache-Control"]
        assert "Sign out" in page and "an officer of" in page
        assert (
            "/letters/brookfield/2024-25/"
            not in client.get("/letters/brookfield/").content.decode()
        )
