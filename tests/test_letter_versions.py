"""Reissuing a letter with a reason (issue 14): every version kept, listed and downloadable by
whoever may see the letter, and by no one else."""

import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from councils.models import CouncilType, Outcome
from letters import rendering
from letters.generation import generate_letters
from letters.models import Letter, LetterVersion, Officer
from tests.factories import (
    CouncilFactory,
    DecisionFactory,
    LetterTemplateFactory,
    ReportingYearFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
REASON = "A decision was recorded against the wrong council; figures corrected."


@pytest.fixture(autouse=True)
def fake_pdf(monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n" + html.encode())


@pytest.fixture
def letter():
    """Ashdale's 2024-25 letter, 1 of 1 upheld, public in three days."""
    year = ReportingYearFactory(label="2024-25", published_on=TODAY + datetime.timedelta(days=3))
    ashdale = CouncilFactory(name="Ashdale", slug="ashdale", type=CouncilType.DISTRICT)
    DecisionFactory(council=ashdale, outcome=Outcome.UPHELD, decided=datetime.date(2024, 9, 1))
    generate_letters(LetterTemplateFactory(year=year))
    return Letter.objects.get(council=ashdale)


def reissue(admin_client, letter: Letter, reason: str):
    return admin_client.post(
        "/admin/letters/letter/",
        {"action": "reissue_selected", "_selected_action": [letter.pk], "reason": reason,
         "apply": "Reissue"},
        follow=True,
    )  # fmt: skip


def test_action_asks_why_first(admin_client, letter):
    page = admin_client.post(
        "/admin/letters/letter/", {"action": "reissue_selected", "_selected_action": [letter.pk]}
    )
    assert "Reason for reissuing" in page.content.decode()
    assert reissue(admin_client, letter, "").status_code == 200  # asked again, nothing done
    assert not LetterVersion.objects.exists()


def test_reissue_keeps_the_earlier_version(admin_client, letter):
    DecisionFactory(
        council=letter.council, outcome=Outcome.NOT_UPHELD, decided=datetime.date(2024, 9, 2)
    )
    response = reissue(admin_client, letter, REASON)
    assert "1 letters reissued" in response.content.decode()
    letter.refresh_from_db()
    assert (letter.version, letter.reissue_reason) == (2, REASON)
    assert letter.snapshot["figures"]["uphold_rate"]["base"] == 2
    kept = letter.versions.get()
    assert kept.number == 1 and kept.reason == ""
    assert kept.snapshot["figures"]["uphold_rate"]["base"] == 1  # as first issued

    reissue(admin_client, letter, "Second correction.")
    assert list(letter.versions.values_list("number", "reason")) == [(2, REASON), (1, "")]

    page = admin_client.get("/letters/ashdale/2024-25/").content.decode()
    assert "Versions of this letter" in page and REASON in page
    assert "/letters/ashdale/2024-25/versions/1.pdf" in page
    pdf = admin_client.get("/letters/ashdale/2024-25/versions/1.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"1 detailed investigation" in pdf.content


@pytest.mark.parametrize(
    ("who", "before", "expected"),
    [
        ("public", True, 404), ("own officer", True, 200), ("other officer", True, 404),
        ("public", False, 200), ("other officer", False, 200),
    ],
)  # fmt: skip
def test_who_may_download_an_earlier_version(client, admin_client, letter, who, before, expected):
    reissue(admin_client, letter, REASON)
    if not before:
        year = letter.template.year
        year.published_on = letter.template.publication_date = TODAY
        year.save()
        letter.template.save()
    councils = {"own officer": letter.council, "other officer": CouncilFactory(slug="other")}
    if who in councils:
        user = User.objects.create_user(who.replace(" ", "-"), password="x")
        Officer.objects.create(user=user, council=councils[who])
        client.force_login(user)
    response = client.get("/letters/ashdale/2024-25/versions/1.pdf")
    assert response.status_code == expected
    if expected == 200:
        embargoed = b"Embargoed until" in response.content
        assert embargoed == before  # the marking follows today, for earlier versions too
        assert ("no-store" in response.get("Cache-Control", "")) == before
    assert client.get("/letters/ashdale/2024-25/versions/9.pdf").status_code == 404


def test_command_reissues_with_a_reason(letter):
    call_command("generate_letters", "2024-25", "--reissue", REASON, stdout=io.StringIO())
    letter.refresh_from_db()
    assert (letter.version, letter.reissue_reason) == (2, REASON)
    assert letter.versions.get().number == 1
    with pytest.raises(CommandError, match="needs a reason"):
        call_command("generate_letters", "2024-25", "--reissue", " ", stdout=io.StringIO())
