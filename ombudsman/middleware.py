"""Request-level protections and plumbing for production.

- `RequestIDMiddleware`: a request id for every request (the caller's `X-Request-ID` when it is
  a sane token, else a new one), echoed in the response and added to every log line.
- `ImportUploadLimitMiddleware`: refuses an admin import whose body is too big (HTTP 413) before
  anything reads it.
- `ContentSecurityPolicyMiddleware`: django-csp's middleware; only the Django admin gets the
  `'unsafe-inline'` styles its own templates and django-import-export's preview need.
- `ThrottledModelBackend`: the authentication backend; after repeated failed sign-ins for one
  username from one address, both sign-in forms (/admin/login/ and /accounts/login/) refuse
  further attempts for a while with a plain message.
"""

import hashlib
import logging
import math
import re
import threading
import time
import uuid
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import BaseCache
from django.core.cache import cache as default_cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
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
    is added to it (Django's change list and the import preview use inline styles).

    Under /embed/ (councils.pages.embed) EMBED_CONTENT_SECURITY_POLICY_REPLACE lets any site frame
    the page, and X-Frame-Options is left off: those URLs only, never a page with a form."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponse, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if parts.update is None and request.path.startswith(_admin_prefix()):
            parts.update = settings.ADMIN_CONTENT_SECURITY_POLICY_UPDATE
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


# Sign-in throttling. Counters live in the default cache: Redis, shared by every worker and app
# server, when REDIS_URL is set. While that cache cannot be reached, sign-in still works: each
# process counts in its own memory (a looser limit, better than locking everyone out) and one
# warning says so.
_local_counters = LocMemCache("login-throttle", {})
_shared_counters_down = threading.Event()
T = TypeVar("T")


def _counters(use: Callable[[BaseCache], T]) -> T:
    """`use(cache)` on the default cache, or on this process's own while it is unreachable."""
    try:
        result = use(default_cache)
    except ValueError:  # incr of a key that has expired: an answer, not an outage
        raise
    except Exception as error:
        if not _shared_counters_down.is_set():
            _shared_counters_down.set()
            security_log.warning(
                "Sign-in throttling counts per process: the cache is unreachable (%s)", error
            )
        return use(_local_counters)
    _shared_counters_down.clear()
    return result


def _throttle_key(kind: str, request: HttpRequest, username: str) -> str:
    who = f"{username.strip().casefold()}\n{client_ip(request)}"
    return f"login-throttle:{kind}:{hashlib.sha256(who.encode()).hexdigest()}"


def login_locked_for(request: HttpRequest, username: str) -> int:
    """Seconds until this username may try to sign in again from this address (0: now)."""
    until = _counters(lambda cache: cache.get(_throttle_key("lock", request, username)))
    return max(0, math.ceil(until - time.time())) if until else 0


def record_login_failure(request: HttpRequest, username: str) -> None:
    fails = _throttle_key("fails", request, username)
    window = settings.LOGIN_FAILURE_WINDOW
    _counters(lambda cache: cache.add(fails, 0, timeout=window))
    try:
        count = _counters(lambda cache: cache.incr(fails))
    except ValueError:  # expired between add and incr
        _counters(lambda cache: cache.set(fails, 1, timeout=window))
        count = 1
    if count >= settings.LOGIN_FAILURE_LIMIT:
        lockout = settings.LOGIN_LOCKOUT_SECONDS
        lock = _throttle_key("lock", request, username)
        _counters(lambda cache: cache.set(lock, time.time() + lockout, timeout=lockout))
        _counters(lambda cache: cache.delete(fails))
        security_log.warning(
            "Sign-in locked for %s minutes after %s failures: username %r from %s",
            math.ceil(lockout / 60),
            count,
            username,
            client_ip(request),
        )


def clear_login_failures(request: HttpRequest, username: str) -> None:
    _counters(lambda cache: cache.delete(_throttle_key("fails", request, username)))


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, refusing a username+address with too many recent failed sign-ins.

    LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW seconds lock that username from
    that address for LOGIN_LOCKOUT_SECONDS. While locked, even the right password is refused:
    the backend raises a ValidationError, which Django's AuthenticationForm (used by the admin's
    and the officers' sign-in pages alike) shows as the form's error. Calls without a request
    (the shell, tests) are not throttled.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if request is None or not username:
            return super().authenticate(request, username, password, **kwargs)
        self._refuse_if_locked(request, username)
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            record_login_failure(request, username)
            # The failure that starts the lock says so straight away.
            self._refuse_if_locked(request, username)
        else:
            clear_login_failures(request, username)
        return user

    @staticmethod
    def _refuse_if_locked(request: HttpRequest, username: str) -> None:
        remaining = login_locked_for(request, username)
        if remaining:
            minutes = math.ceil(remaining / 60)
            raise ValidationError(
                "Too many failed sign-in attempts, try again in %(minutes)s minute%(s)s.",
                code="throttled",
                params={"minutes": minutes, "s": "" if minutes == 1 else "s"},
            )

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
