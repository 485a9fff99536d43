"""Which years the public may see (SPEC "Reporting year")."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser, User
from django.core.management import CommandError, call_command

from councils.models import ReportingYear
from tests.factories import ReportingYearFactory


@pytest.fixture(autouse=True)
def publication_day():
    with time_machine.travel(datetime.date(2024, 7, 24), tick=False):
        yield


@pytest.mark.django_db
class TestPublishYear:
    def test_publishes_today_by_default_creating_the_year(self, capsys):
        call_command("publish_year", "2023-24")
        year = ReportingYear.objects.get(label="2023-24")
        assert (year.start, year.end) == (datetime.date(2023, 4, 1), datetime.date(2024, 3, 31))
        assert year.published_on == datetime.date(2024, 7, 24)
        assert "2023-24 is public from 24 July 2024" in capsys.readouterr().out

    def test_future_date_keeps_the_year_embargoed(self, capsys):
        call_command("publish_year", "2024-25", "--on", "2025-07-23")
        assert not ReportingYear.objects.public().filter(label="2024-25").exists()
        assert "will be public on 23 July 2025" in capsys.readouterr().out

    @pytest.mark.parametrize("label", ["2023-25", "2023/24", "23-24", "x"])
    def test_rejects_bad_labels(self, label):
        with pytest.raises(CommandError, match="reporting year"):
            call_command("publish_year", label)
        assert not ReportingYear.objects.exists()

    def test_rejects_bad_dates(self):
        with pytest.raises(CommandError, match="not a date"):
            call_command("publish_year", "2023-24", "--on", "24/07/2024")


@pytest.mark.django_db
def test_public_years_and_staff_preview():
    published = ReportingYearFactory(label="2022-23", published_on=datetime.date(2023, 7, 20))
    today = ReportingYearFactory(label="2023-24", published_on=datetime.date(2024, 7, 24))
    tomorrow = ReportingYearFactory(label="2024-25", published_on=datetime.date(2024, 7, 25))
    undated = ReportingYearFactory(label="2025-26", published_on=None)
    staff = User.objects.create_user("staff", is_staff=True)
    member = User.objects.create_user("member")

    assert list(ReportingYear.objects.public()) == [published, today]
    assert list(ReportingYear.objects.visible_to(AnonymousUser())) == [published, today]
    assert list(ReportingYear.objects.visible_to(member)) == [published, today]
    assert list(ReportingYear.objects.visible_to(staff)) == [published, today, tomorrow, undated]
    assert not tomorrow.is_public() and not undated.is_public() and today.is_public()
