"""Whole public pages in the shared cache, keyed on the data version and the day.

`cache_public_page` wraps the public page views (`councils/urls.py`). The key is made of

- the URL: scheme, host, path and the query parameters the view reads (declared with
  `cache_public_page(view, params=(...))`), sorted by name. The view sees only those: any other
  parameter can change neither the page nor its key, so `?utm_source=...` shares the entry;
- the data version (`councils.dataversion`), which every change to the data bumps, so a page is
  never served from before an import, an admin edit or a publication;
- today's date, because what the public sees also changes at midnight without any write: a year
  becomes public on its publication date, a letter on its template's, a decision three months
  after it was made.

Every cached page is read-only: methods other than GET and HEAD get 405 with an Allow header.

Only anonymous visitors are served from the cache or stored in it. Staff preview unpublished
years and officers see their council's embargoed letters on the same URLs, so signed-in users
always get a fresh page, never from and never into the shared cache (and their copy is marked
private for any cache downstream). A response is stored only if it is a 200 to a GET, not
streamed, sets no cookie, did not use the CSRF token, session or a CSP nonce, and its
Cache-Control says neither private, no-cache nor no-store.

A cached hit costs one query (the data version) and no template rendering; a hit whose copy has
an ETag or Last-Modified (the open-data views set both) answers a matching conditional request
with 304. The cache being unreachable only makes every request a miss; the database being
unreachable gives the 503 page.

Settings (optional): PAGE_CACHE_SECONDS (default 600: bounds how long a page outlives a deploy
that changes templates), PAGE_CACHE_ALIAS (default "default").
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import parse_http_date_safe
from django.views.decorators.http import require_safe

from councils import dataversion
from councils.middleware import DATABASE_DOWN, service_unavailable

logger = logging.getLogger(__name__)

KEY_PREFIX = "page"
# A longer query string is someone probing, not a page worth keeping: served, never stored.
MAX_QUERY_LENGTH = 512
CACHE_HEADER = "X-Page-Cache"  # hit or miss, for anonymous requests

View = Callable[..., HttpResponse]


def page_cache_key(request: HttpRequest, version: int, today: datetime.date) -> str:
    """The cache key of this URL's page for the public, at this data version and day."""
    query = urlencode(sorted(request.GET.lists(), key=lambda item: item[0]), doseq=True)
    url = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    digest = hashlib.sha256(url.encode()).hexdigest()[:40]
    return f"{KEY_PREFIX}:{version}:{today.isoformat()}:{digest}"


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def _may_use_cache(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and len(request.GET.urlencode()) <= MAX_QUERY_LENGTH
        and not _signed_in(request)
    )


def _keep_only(request: HttpRequest, params: tuple[str, ...]) -> None:
    """Leave the view only the query parameters it declared: the ones in the page's key."""
    kept = QueryDict(mutable=True)
    for name in params:
        if name in request.GET:
            kept.setlist(name, request.GET.getlist(name))
    kept._mutable = False
    request.GET = kept


def storable(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether this response to an anonymous request may be served to every other visitor."""
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    if response.cookies or response.has_header("Set-Cookie"):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    # The page holds something of this visitor's own: a CSRF token, session data, a CSP nonce.
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    return getattr(request, "_csp_nonce", None) is None


def _freeze(response: HttpResponse) -> tuple[int, bytes, list[tuple[str, str]]]:
    return response.status_code, response.content, list(response.items())


def _thaw(frozen: tuple[int, bytes, list[tuple[str, str]]]) -> HttpResponse:
    status, content, headers = frozen
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


def _conditional(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A 304 when the cached copy has validators (ETag, Last-Modified) the client already has."""
    etag, last_modified = response.get("ETag"), response.get("Last-Modified")
    if etag is None and last_modified is None:
        return response
    return get_conditional_response(
        request,
        etag=etag,
        last_modified=last_modified and parse_http_date_safe(last_modified),
        response=response,
    )


def _cache():
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def _cache_get(key: str):
    try:
        return _cache().get(key)
    except Exception as error:  # the cache server is down: serve uncached, never fail the page
        logger.warning("Page cache unavailable (get): %s", error)
        return None


def _cache_set(key: str, frozen) -> None:
    try:
        _cache().set(key, frozen, getattr(settings, "PAGE_CACHE_SECONDS", 600))
    except Exception as error:
        logger.warning("Page cache unavailable (set): %s", error)


def cache_public_page(view: View, params: tuple[str, ...] = ()) -> View:
    """Serve anonymous visitors the page from the shared cache; see the module docstring.

    `params`: the query parameters the view reads; it sees no others.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _keep_only(request, params)
        try:
            if not _may_use_cache(request):
                response = view(request, *args, **kwargs)
                if _signed_in(request) and "no-store" not in response.get("Cache-Control", ""):
                    patch_cache_control(response, private=True)
                return response
            # The version and the day first: a page computed from newer data than its key says
            # is harmless, one from older data is not (bump() commits with the data).
            version = dataversion.for_request(request).version
            key = page_cache_key(request, version, timezone.localdate())
            frozen = _cache_get(key)
            if frozen is not None:
                response = _conditional(request, _thaw(frozen))
                response[CACHE_HEADER] = "hit"
                return response
            response = view(request, *args, **kwargs)
        except DATABASE_DOWN as error:
            return service_unavailable(request, error)
        if storable(request, response):
            _cache_set(key, _freeze(response))
            response[CACHE_HEADER] = "miss"
        return response

    wrapped.query_params = params  # for the tests that check the view reads no other
    return require_safe(wrapped)
