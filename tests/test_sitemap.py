"""The sitemap (django.contrib.sitemaps): every public page, and nothing embargoed."""

import datetime

import pytest
from django.utils import timezone

from letters import rendering
from letters.generation import generate_letters
from tests.factories import LetterTemplateFactory
from tests.sitemap import whole_sitemap

pytestmark = pytest.mark.django_db

WEEK = datetime.timedelta(days=7)


@pytest.fixture
def no_pdf(monkeypatch):
    monkeypatch.setattr(rendering, "html_to_pdf", lambda html: b"%PDF-1.7 test\n")


@pytest.mark.usefixtures("no_pdf")
def test_published_letters_are_listed_and_embargoed_ones_are_not(client, years, ashdale):
    public, embargoed = years
    generate_letters(LetterTemplateFactory(year=public))
    # 2024-25's letters are issued, but their publication date is a week away.
    embargoed.published_on = timezone.localdate() + WEEK
    embargoed.save()
    generate_letters(LetterTemplateFactory(year=embargoed))

    body = whole_sitemap(client)

    assert "<loc>http://testserver/letters/ashdale/2023-24/</loc>" in body
    assert "/letters/ashdale/2024-25/" not in body
    assert "2024-25" not in body
