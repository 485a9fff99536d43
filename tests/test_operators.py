"""For the people who run the site: inviting officers, and manage.py reading .env as make does."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command

from letters.models import Officer
from ombudsman import dotenv
from tests.factories import CouncilFactory

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
class TestInviteOfficer:
    def test_creates_the_account_and_mails_a_link_to_choose_a_password(self, client, settings):
        settings.SITE_URL = "https://councils.example.org"
        council = CouncilFactory(slug="ashdale", official_name="Ashdale District Council")
        call_command("invite_officer", "ashdale", "Jane.Cooper@Ashdale.gov.uk", name="Jane Cooper")

        user = User.objects.get(username="jane.cooper@ashdale.gov.uk")
        assert Officer.objects.get(user=user).council == council
        assert not user.has_usable_password() and not user.is_staff
        (message,) = mail.outbox
        assert message.to == ["jane.cooper@ashdale.gov.uk"]
        assert "Hello Jane Cooper," in message.body
        assert "officer account for Ashdale District Council" in message.body
        link = re.search(r"https://councils\.example\.org(/accounts/reset/\S+)", message.body)
        # The link lets them choose a password, then sign in.
        page = client.get(link.group(1), follow=True)
        assert page.status_code == 200
        response = client.post(
            page.redirect_chain[-1][0],
            {"new_password1": "a-long-new-password-1", "new_password2": "a-long-new-password-1"},
        )
        assert response.status_code == 302
        assert client.login(username="jane.cooper@ashdale.gov.uk", password="a-long-new-password-1")

    def test_by_gss_code_and_again_sends_a_fresh_link(self):
        council = CouncilFactory(code="E07000170", slug="ashfield")
        call_command("invite_officer", "E07000170", "officer@example.org")
        call_command("invite_officer", "ashfield", "officer@example.org")
        assert Officer.objects.filter(council=council).count() == 1
        assert len(mail.outbox) == 2

    @pytest.mark.parametrize(
        "args, message",
        [
            (["nowhere", "officer@example.org"], "No council has the slug or code"),
            (["ashdale", "not-an-address"], "is not an e-mail address"),
        ],
    )
    def test_refuses_unknown_council_or_address(self, args, message):
        CouncilFactory(slug="ashdale")
        with pytest.raises(CommandError, match=message):
            call_command("invite_officer", *args)
        assert not mail.outbox

    def test_an_account_belongs_to_one_council(self):
        CouncilFactory(slug="ashdale")
        CouncilFactory(slug="brookfield")
        call_command("invite_officer", "ashdale", "officer@example.org")
        with pytest.raises(CommandError, match="already an officer of"):
            call_command("invite_officer", "brookfield", "officer@example.org")

    def test_never_turns_a_staff_account_into_an_officer(self):
        CouncilFactory(slug="ashdale")
        User.objects.create_user("staff@example.org", is_staff=True)
        with pytest.raises(CommandError, match="staff account"):
            call_command("invite_officer", "ashdale", "staff@example.org")
        assert not Officer.objects.exists()


class TestDotenv:
    def test_reads_names_and_values_as_make_does(self, tmp_path):
        env = tmp_path / ".env"
        env.write_text("# a comment\n\nDEBUG=0\nexport SECRET_KEY=abc=def\nNOT A SETTING\n")
        assert dotenv.read(env) == {"DEBUG": "0", "SECRET_KEY": "abc=def"}

    def test_the_environment_wins_and_debug_defaults_to_on(self, tmp_path, monkeypatch):
        (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-file\nLOG_LEVEL=DEBUG\n")
        monkeypatch.setenv("LOG_LEVEL", "WARNING")
        monkeypatch.delenv("DEBUG", raising=False)
        monkeypatch.delenv("DATABASE_URL", raising=False)
        dotenv.load(tmp_path / ".env")
        assert os.environ["DATABASE_URL"] == "sqlite:///from-file"
        assert os.environ["LOG_LEVEL"] == "WARNING"
        assert os.environ["DEBUG"] == "1"

    def test_manage_py_runs_without_anything_exported(self):
        env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
        result = subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), "check"],
            cwd="/",
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "SECRET_KEY must be set" not in result.stderr
