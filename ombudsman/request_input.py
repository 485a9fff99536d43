"""Refuses addresses no view can answer before the view reads them.

A NUL character has no place in a path or a query parameter, and PostgreSQL refuses it in any
string, so a view passing one to the database would fail with a server error. Rather than each
view checking each parameter, `RefuseImpossibleInputMiddleware` refuses such a request: a NUL in
the path is a page that does not exist (404), one in the query string a bad request (400). Values
that are merely unknown (a year that does not exist, a misspelt slug) are left to the views.
"""

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request, page_not_found

NUL = "\x00"
MESSAGES = {
    404: "There is no such page: the address holds a NUL character.",
    400: "Bad request: the query string holds a NUL character.",
}


def impossible_input(request: HttpRequest) -> int | None:
    """The status refusing this request's path (404) or query string (400), or None."""
    if NUL in request.path:
        return 404
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return 400
    return None


def refusal(request: HttpRequest, status: int) -> HttpResponse:
    """In the format of the part of the site asked for, like its own errors: the API answers in
    JSON, the downloads in plain text, the pages with the error page."""
    message = MESSAGES[status]
    namespaces = request.resolver_match.namespaces
    if "api" in namespaces:
        return JsonResponse({"detail": message}, status=status)
    if "opendata" in namespaces:
        return HttpResponse(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")
    if status == 404:
        return page_not_found(request, Http404(message))
    return bad_request(request, BadRequest(message))


class RefuseImpossibleInputMiddleware:
    """Refuses an impossible path or query string before the view (Django logs one warning).

    In `process_view`, once the URL is resolved: an address that resolves to no view gets the
    plain 404 without this.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        status = impossible_input(request)
        return None if status is None else refusal(request, status)
