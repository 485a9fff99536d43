"""Request-level protections and plumbing for production.

- `RequestIDMiddleware`: a request id for every request (the caller's `X-Request-ID` when it is
  a sane token, else a new one), echoed in the response and added to every log line.
- `ImportUploadLimitMiddleware`: refuses an admin import whose body is too big (HTTP 413) before
  anything reads it.
- `ContentSecurityPolicyMiddleware`: django-csp's middleware; only the Django admin gets the
  `'unsafe-inline'` styles its own templates and django-import-export's preview need.

The sign-in backend and its throttling are in `ombudsman.signin`.
"""

import logging
import re
import uuid
from functools import cache

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from ombudsman.logging import RequestContext, request_context

security_log = logging.getLogger("ombudsman.security")

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, as load balancers and tracing tools send (UUIDs,
# `Root=1-5e1b...`, base64): anything else is replaced rather than echoed into logs and headers.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:;+=/@-]{0,127}")


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry added by our own proxies.

    With TRUSTED_PROXY_COUNT = n, the n-th address from the right of X-Forwarded-For is the
    one our first proxy saw; entries further left are whatever the client sent.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


class RequestIDMiddleware:
    """Gives each request an id, in `request.request_id`, the logs and the response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs a 4xx/5xx response ("Not Found: /x") after the
        # middleware has returned. request_finished clears it once the response is sent.
        request_context.set(RequestContext(request_id, request.method, request.path))
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="ombudsman.middleware.clear_request_context")
def clear_request_context(**kwargs) -> None:
    request_context.set(None)


# Room for the multipart envelope and the form's other fields around the file itself.
IMPORT_UPLOAD_MARGIN = 64 * 1024


@cache
def _admin_prefix() -> str:
    return reverse("admin:index")


def _is_import_url(request: HttpRequest) -> bool:
    match = request.resolver_match
    return bool(
        match
        and "admin" in match.namespaces
        and (match.url_name or "").endswith("_import")  # import and process_import
    )


class ImportUploadLimitMiddleware:
    """Refuses an admin import larger than IMPORT_MAX_BYTES (plus a margin) with HTTP 413.

    It looks only at the Content-Length header, in `process_view` (after URL resolution) and
    before CsrfViewMiddleware, the first thing that would read the body. The import form checks
    the file's own size again, with a fuller message, for uploads under the margin.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.method not in ("POST", "PUT", "PATCH") or not _is_import_url(request):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(
                "Bad request: the Content-Length header is not a number.\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        if length > settings.IMPORT_MAX_BYTES + IMPORT_UPLOAD_MARGIN:
            security_log.warning(
                "Import upload refused: %s bytes to %s", length, request.path, extra={"status": 413}
            )
            return HttpResponse(
                f"The file is too big to import: the most we accept is "
                f"{filesizeformat(settings.IMPORT_MAX_BYTES)}. Split it into smaller files.\n",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return None


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """CONTENT_SECURITY_POLICY everywhere; under /admin/ ADMIN_CONTENT_SECURITY_POLICY_UPDATE
    is added to it and ADMIN_CONTENT_SECURITY_POLICY_REPLACE replaces its styles (Django's change
    list and the import preview use inline styles).

    Under /embed/ (councils.pages.embed) EMBED_CONTENT_SECURITY_POLICY_REPLACE lets any site frame
    the page, and X-Frame-Options is left off: those URLs only, never a page with a form."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponse, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith(_admin_prefix()):
            if parts.update is None:
                parts.update = settings.ADMIN_CONTENT_SECURITY_POLICY_UPDATE
            if parts.replace is None:
                parts.replace = settings.ADMIN_CONTENT_SECURITY_POLICY_REPLACE
        if parts.replace is None and _is_embed(request):
            parts.replace = settings.EMBED_CONTENT_SECURITY_POLICY_REPLACE
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if _is_embed(request):  # read by XFrameOptionsMiddleware, which runs after this
            response.xframe_options_exempt = True
        return super().process_response(request, response)


EMBED_PREFIX = "/embed/"  # councils/urls.py: the embeddable council cards


def _is_embed(request: HttpRequest) -> bool:
    return request.path.startswith(EMBED_PREFIX)
