"""A database that cannot be reached gives a plain "temporarily unavailable" page (503).

The one place that does: `DatabaseUnavailableMiddleware`, for every view. The page layer's fast
path (`councils.caching`) steps aside when it cannot read the data version, so the view fails
and lands here too. Anything else that goes wrong gets the plain `500.html`.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

# Lost connection, refused connection, "database is locked", statement timeout, deadlock: all
# transient, so the right answer is "try again shortly", not "broken".
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def service_unavailable(request: HttpRequest | None = None, error: Exception | None = None):
    """The 503 page. Rendered without a request, so no context processor touches the database."""
    if error is not None:
        path = request.path if request is not None else "?"
        logger.error("Database unavailable while serving %s: %s", path, error, exc_info=error)
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database error raised by any view into the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, DATABASE_DOWN):
            return service_unavailable(request, exception)
        return None
