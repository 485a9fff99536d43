"""Refuses addresses no page can answer before any view reads them.

A NUL character has no place in a path or a query parameter, and PostgreSQL refuses it in any
string, so a view passing one to the database would fail with a server error. Rather than each
view checking each parameter, `RefuseImpossibleInputMiddleware` answers such a request with the
400 page. Values that are merely unknown (a year that does not exist, a misspelt slug) are left
to the views, which answer 404.
"""

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.views.defaults import bad_request

NUL = "\x00"


def impossible_input(request: HttpRequest) -> bool:
    """Whether the path or a query parameter's name or value holds a NUL character."""
    if NUL in request.path:
        return True
    return any(
        NUL in name or any(NUL in value for value in values) for name, values in request.GET.lists()
    )


class RefuseImpossibleInputMiddleware:
    """The 400 page for an impossible path or query string (Django logs it as one warning)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if impossible_input(request):
            return bad_request(request, BadRequest("NUL character in the address"))
        return self.get_response(request)
