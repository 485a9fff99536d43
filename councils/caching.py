"""The HTTP/page layer: every public page and download, cacheable by us and by any proxy or CDN.

It is one of the site's two caches (the other is the memo of a year's figures,
`councils.memo`), and both are keyed on the data version (`councils.dataversion`), which every
write moves. Nothing here expires to be safe: a key is never stale.

**The key** of a public page is made of
- the URL: scheme, host, path and the query parameters its view reads (declared with
  `public_page(view, params=(...))`), sorted by name. The view sees only those, so
  `?utm_source=...` shares the entry and cannot change the page;
- the data version, so no page from before an import, an admin edit or a publication is served;
- today's date: what the public sees also changes at midnight without any write (a year
  becomes public on its publication date, a letter on its template's, a decision three months
  after it was made);
- the release (`settings.RELEASE`): a deploy that changes templates changes every page.

**Headers.** An anonymous visitor's 200 says `Cache-Control: public, max-age=..., s-maxage=...`
(`PAGE_BROWSER_SECONDS`, `PAGE_CACHE_SECONDS`), a weak ETag made from the key, and
`Vary: Accept-Encoding, Cookie`. A signed-in visitor's copy (staff preview unpublished years,
officers see their council's embargoed letter on the same URLs) is `private`, and a preview is
also `no-store`; neither is ever stored here or by any cache downstream.

**The fast path.** `PageLayerMiddleware` sits near the top of MIDDLEWARE, before sessions,
CSRF, authentication and messages. For a GET or HEAD without a session cookie to a public page,
it reads the data version (one primary-key query), then
- answers `If-None-Match` with the page's current ETag by a 304 at once: the ETag is the key,
  so nothing needs looking up;
- serves the stored copy, already compressed (brotli or gzip, by Accept-Encoding), skipping the
  view and every middleware below;
- on a miss, runs the view and stores the response, compressed both ways, if it is a public
  200 that used nothing of the visitor's (a CSRF token, the session, a CSP nonce).
Everything else passes through and is gzipped here as Django's GZipMiddleware does (with its
padding against BREACH: those pages may carry a CSRF token). The security headers (CSP,
X-Frame-Options, ...) of the first response are stored with it; those of SecurityMiddleware
and the request id are added to every response by the middleware above this one.

The cache being unreachable makes every request a miss. The database being unreachable makes
the fast path step aside: the view then fails and `councils.middleware` gives the 503 page.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

import brotli
from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, QueryDict
from django.middleware.gzip import GZipMiddleware
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.views.decorators.http import require_safe

from councils import dataversion
from councils.middleware import DATABASE_DOWN

logger = logging.getLogger(__name__)

KEY_PREFIX = "page"
# A longer query string is someone probing, not a page worth keeping: served, never stored.
MAX_QUERY_LENGTH = 512
CACHE_HEADER = "X-Page-Cache"  # hit or miss, for anonymous requests
# Entries are never stale (their key changes with the data, the day and the release): this
# only bounds how long an unused one takes up room.
STORE_SECONDS = 24 * 60 * 60
# Not stored with a page: set per response, by this layer or by the middleware above it.
PER_RESPONSE_HEADERS = {"content-length", "content-encoding", "set-cookie", CACHE_HEADER.lower()}
COMPRESSIBLE = re.compile(r"^(text/|application/(json|geo\+json|xml|javascript))")
MIN_COMPRESSED_LENGTH = 200  # as GZipMiddleware: smaller bodies grow when compressed
BROTLI_QUALITY = 6  # about as small as gzip -9 in a fraction of brotli 11's time

View = Callable[..., HttpResponse]


def page_key(request: HttpRequest, params: tuple[str, ...], version: int) -> str:
    """The key (and, hashed, the ETag) of this URL's public page now."""
    query = sorted((name, request.GET.getlist(name)) for name in params if name in request.GET)
    url = f"{request.scheme}://{request.get_host()}{request.path}?{urlencode(query, doseq=True)}"
    today = timezone.localdate().isoformat()
    digest = hashlib.sha256(f"{settings.RELEASE}|{version}|{today}|{url}".encode()).hexdigest()
    return f"{KEY_PREFIX}:{digest[:40]}"


def page_etag(key: str) -> str:
    # Weak: the brotli, gzip and plain bodies of one page are the same page.
    return f'W/"{key.rsplit(":", 1)[1][:32]}"'


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def _keep_only(request: HttpRequest, params: tuple[str, ...]) -> None:
    """Leave the view only the query parameters it declared: the ones in the page's key."""
    kept = QueryDict(mutable=True)
    for name in params:
        if name in request.GET:
            kept.setlist(name, request.GET.getlist(name))
    kept._mutable = False
    request.GET = kept


def _mark_public(response: HttpResponse, etag: str) -> None:
    shared = settings.PAGE_CACHE_SECONDS
    patch_cache_control(
        response, public=True, max_age=min(settings.PAGE_BROWSER_SECONDS, shared), s_maxage=shared
    )
    response["ETag"] = etag
    patch_vary_headers(response, ("Accept-Encoding", "Cookie"))


def public_page(view: View, params: tuple[str, ...] = ()) -> View:
    """A public page or download: GET and HEAD only, cacheable for anonymous visitors.

    `params`: the query parameters the view reads; it sees no others. See the module docstring.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _keep_only(request, params)
        response = view(request, *args, **kwargs)
        cache_control = response.get("Cache-Control", "")
        if _signed_in(request):
            if "no-store" not in cache_control:
                patch_cache_control(response, private=True)
        elif response.status_code == 200 and "private" not in cache_control:
            key = page_key(request, params, dataversion.for_request(request))
            _mark_public(response, page_etag(key))
        return response

    public = require_safe(wrapped)
    public.query_params = params  # read by PageLayerMiddleware, and the tests
    return public


def _public_params(request: HttpRequest) -> tuple[str, ...] | None:
    """The query parameters of the public page at this path, or None if it is not one."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return getattr(match.func, "query_params", None)


def _may_use_store(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        # A NUL is refused (ombudsman.request_input) once the view is resolved: not served here.
        and "%00" not in request.META.get("QUERY_STRING", "")
        and "\x00" not in request.path
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and len(request.META.get("QUERY_STRING", "")) <= MAX_QUERY_LENGTH
    )


def _matches(request: HttpRequest, etag: str) -> bool:
    wanted = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in wanted or any(tag.removeprefix("W/") == etag[2:] for tag in wanted)


def storable(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether this response to an anonymous request may be served to every other visitor."""
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    cache_control = response.get("Cache-Control", "")
    if "public" not in cache_control or "private" in cache_control:
        return False
    if response.cookies or response.has_header("Set-Cookie"):
        return False
    # The page holds something of this visitor's own: a CSRF token, session data, a CSP nonce.
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    return getattr(request, "_csp_nonce", None) is None


@dataclass(frozen=True)
class StoredPage:
    """A public page as stored: its headers and its body plain, gzipped and in brotli."""

    status: int
    headers: list[tuple[str, str]]
    plain: bytes
    gzipped: bytes | None  # None: not worth compressing
    brotli: bytes | None

    @classmethod
    def of(cls, response: HttpResponse) -> StoredPage:
        content = response.content
        headers = [(k, v) for k, v in response.items() if k.lower() not in PER_RESPONSE_HEADERS]
        if len(content) < MIN_COMPRESSED_LENGTH or not COMPRESSIBLE.match(
            response.get("Content-Type", "")
        ):
            return cls(response.status_code, headers, content, None, None)
        return cls(
            response.status_code,
            headers,
            content,
            gzip.compress(content, compresslevel=6, mtime=0),
            brotli.compress(content, quality=BROTLI_QUALITY),
        )

    def response_for(self, request: HttpRequest) -> HttpResponse:
        accepted = request.headers.get("Accept-Encoding", "")
        if self.brotli is not None and re.search(r"\bbr\b", accepted):
            body, encoding = self.brotli, "br"
        elif self.gzipped is not None and re.search(r"\bgzip\b", accepted):
            body, encoding = self.gzipped, "gzip"
        else:
            body, encoding = self.plain, None
        response = HttpResponse(body, status=self.status)
        for name, value in self.headers:
            response[name] = value
        if encoding:
            response["Content-Encoding"] = encoding
        response["Content-Length"] = str(len(body))
        return response


def _store():
    return caches[settings.PAGE_CACHE_ALIAS]


def _stored(key: str) -> StoredPage | None:
    try:
        return _store().get(key)
    except Exception as error:  # the cache server is down: serve uncached, never fail the page
        logger.warning("Page cache unavailable (get): %s", error)
        return None


def _keep(key: str, page: StoredPage) -> None:
    try:
        _store().set(key, page, STORE_SECONDS)
    except Exception as error:
        logger.warning("Page cache unavailable (set): %s", error)


def _not_modified(etag: str) -> HttpResponse:
    response = HttpResponseNotModified()
    _mark_public(response, etag)
    return response


class PageLayerMiddleware:
    """Public pages from the store, 304s, and compression; see the module docstring.

    In MIDDLEWARE where Django's GZipMiddleware would be: after SecurityMiddleware and
    WhiteNoise, before the session, CSRF, authentication and message middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.gzip = GZipMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        params = _public_params(request) if _may_use_store(request) else None
        if params is None:
            return self._passed_on(request)
        try:
            key = page_key(request, params, dataversion.for_request(request))
        except DATABASE_DOWN:
            return self._passed_on(request)  # the view fails the same way: the 503 page
        etag = page_etag(key)
        if _matches(request, etag):
            return _not_modified(etag)
        store = settings.PAGE_CACHE_SECONDS > 0
        page = _stored(key) if store else None
        if page is not None:
            response = page.response_for(request)
            response[CACHE_HEADER] = "hit"
            return response
        response = self.get_response(request)
        if not (store and storable(request, response)):
            return self._compressed(request, response)
        page = StoredPage.of(response)
        _keep(key, page)
        response = page.response_for(request)
        response[CACHE_HEADER] = "miss"
        return response

    def _passed_on(self, request: HttpRequest) -> HttpResponse:
        return self._compressed(request, self.get_response(request))

    def _compressed(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        etag = response.get("ETag")
        public = "public" in response.get("Cache-Control", "")
        if etag and public and response.status_code == 200 and _matches(request, etag):
            return _not_modified(etag)
        return self.gzip.process_response(request, response)
