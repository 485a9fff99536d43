"""The site's own 400, 403, 404 and CSRF failure pages: the site's layout, no inline code (CSP)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _is_ours(response) -> str:
    page = response.content.decode()
    assert '<link rel="stylesheet" href="/static/css/site.css">' in page
    assert "<style" not in page and "<script" not in page and "style=" not in page
    return page


def test_an_unknown_address_gets_a_helpful_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = _is_ours(response)
    assert "Page not found" in page and 'action="/search/"' in page


def test_an_unknown_council_or_year_gets_the_same_404(client):
    for url in ("/councils/nowhere/", "/compare/district/1999-00/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Page not found" in _is_ours(response)


def test_a_form_without_its_csrf_token_gets_our_page(client):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    page = _is_ours(response)
    assert "Your form could not be sent" in page and "accepts our cookies" in page


def test_a_bad_host_gets_our_400(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "We could not understand that request" in _is_ours(response)


def test_a_signed_in_user_without_the_permission_gets_our_403(client, django_user_model):
    user = django_user_model.objects.create_user("clerk", is_staff=True)  # no permissions
    client.force_login(user)
    response = client.get("/admin/councils/decision/import/")
    assert response.status_code == 403
    assert "You cannot see this page" in _is_ours(response)
