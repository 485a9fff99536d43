"""Settings for the council performance site, read from the environment (see .env.example)."""

import base64
import hashlib
import sys
import tempfile
from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_HASHES, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from ombudsman import inline_styles
from ombudsman.env import (
    cache_from_url,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    git_commit,
)
from ombudsman.logging import LOG_FORMATS, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
# The site's name, in the page layout and the staff admin's header.
SITE_NAME = "Your council's performance"

DEBUG = env_bool("DEBUG", False)
# Under pytest (or manage.py test): plain static storage and a local-memory cache whatever the
# environment says, since the tests clear the cache between tests.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

SECRET_KEY = env_str("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must be set when DEBUG is off (see .env.example)."
        )
elif not SECRET_KEY:
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "import_export",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "councils",
    "letters",
]

MIDDLEWARE = [
    # First, so every log line of the request (and the response) carries its id.
    "ombudsman.middleware.RequestIDMiddleware",
    # A NUL in the path or query string: refused (404, 400) before a view passes it to the database.
    "ombudsman.request_input.RefuseImpossibleInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public pages from the page store (and 304s) before the session, CSRF, authentication and
    # message middleware run; everything compressed on the wire (the map page is ~190 KB raw).
    # Static files come pre-compressed above.
    "councils.caching.PageLayerMiddleware",
    # Before CsrfViewMiddleware, the first to read a request's body.
    "ombudsman.middleware.ImportUploadLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ombudsman.middleware.ContentSecurityPolicyMiddleware",
    # A lost database connection: a plain 503 page instead of a server error.
    "councils.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "ombudsman.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "councils.pages.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "ombudsman.wsgi.application"

# PostgreSQL keeps each worker's connection open for CONN_MAX_AGE seconds (checked before reuse);
# `?conn_max_age=N` in DATABASE_URL overrides it.
DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "sqlite:///db.sqlite3"),
        base_dir=BASE_DIR,
        conn_max_age=env_int("CONN_MAX_AGE", 60, minimum=0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis when REDIS_URL is set (shared by all workers and app servers), else local memory.
CACHES = {
    "default": cache_from_url(
        None if TESTING else env_str("REDIS_URL", ""),
        key_prefix=env_str("CACHE_KEY_PREFIX", "ombudsman"),
    ),
    # A background job's progress and heartbeat (councils.jobs), written by the task worker and
    # read by the progress page: Redis when REDIS_URL is set, else a folder shared by the
    # processes of this machine (the development server and its worker); local memory in tests.
    "jobs": cache_from_url(
        None if TESTING else env_str("REDIS_URL", ""),
        key_prefix=env_str("CACHE_KEY_PREFIX", "ombudsman") + "-jobs",
    ),
}
if not TESTING and CACHES["jobs"]["BACKEND"].endswith("LocMemCache"):
    CACHES["jobs"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str(
            "JOB_PROGRESS_DIR", str(Path(tempfile.gettempdir()) / "ombudsman-job-progress")
        ),
    }

# Long staff work (import confirms, letters) runs as tasks of Django's Tasks framework
# (django-tasks, its backport for Django 5.2), queued in the database: `manage.py db_worker`
# runs them beside the app servers. TASKS_BACKEND=immediate runs each one inside the request
# that starts it (no worker; the tests use it unless they start a worker themselves).
TASKS_BACKEND = env_choice(
    "TASKS_BACKEND", ("database", "immediate"), "immediate" if TESTING else "database"
)
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND]
    }
}
# A running job whose worker has not beaten its heartbeat (every 2 s) for this long is taken to
# have died with its worker (killed, out of memory, server gone): staff may retry it.
JOB_STALLED_SECONDS = env_int("JOB_STALLED_SECONDS", 30, minimum=5)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js and its CSS from the installed plotly package: served by us, never from a CDN.
    "ombudsman.staticfinders.PlotlyFinder",
]
# Static files through WhiteNoise. In production it serves STATIC_ROOT, filled by collectstatic
# with content-hashed names (cached for a year) and brotli and gzip copies. Development and tests
# use the plain storage and WhiteNoise finds files through the finders: no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
# Uploads (the letterhead logo) through the default storage. Never served from MEDIA_URL by this
# project: letters embed the logo as a data: URI, so no web server needs to expose the folder.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = env_str("MEDIA_URL", "media/")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Council areas and the hex layout, built by `manage.py build_boundaries`.
GEOGRAPHY_DIR = Path(env_str("GEOGRAPHY_DIR", str(BASE_DIR / "var" / "geography")))

# Behind HTTPS in production: secure cookies, HSTS and a redirect from plain HTTP (except
# /healthz, which load balancers probe over HTTP). Off for plain-HTTP development.
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = SECURE_HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
# The TLS-terminating proxy in front says whether the request came over HTTPS. Only trust it
# when every request reaches the app through that proxy (gunicorn binds to loopback).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None
# Proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR), for the
# client address used by sign-in throttling.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Content-Security-Policy (django-csp 4): our own scripts, styles, images and data only, and no
# inline scripts or styles anywhere on the public site (JSON data islands are not scripts) but
# our own stylesheets put in the page's head, each allowed by its hash (ombudsman.inline_styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, *inline_styles.policy_hashes()],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Under /admin/ only (ombudsman.middleware.ContentSecurityPolicyMiddleware): Django's change
# list (without actions) has a <style> element, and django-import-export's export page and import
# preview use style attributes: any inline style (in place of the hashes, which would make
# browsers ignore 'unsafe-inline'). Its export page has one inline event handler, allowed by its
# hash alone (no other inline script runs, in the admin or anywhere else).
ADMIN_CONTENT_SECURITY_POLICY_REPLACE = {"style-src": [SELF, UNSAFE_INLINE]}
_EXPORT_TOGGLE = b"onSelectToggleChange(event)"  # import_export/.../export.html, "Select all"
ADMIN_CONTENT_SECURITY_POLICY_UPDATE = {
    "script-src": [
        UNSAFE_HASHES,
        f"'sha256-{base64.b64encode(hashlib.sha256(_EXPORT_TOGGLE).digest()).decode()}'",
    ],
}

# Under /embed/ only (the council card other sites may frame; councils.pages.embed).
EMBED_CONTENT_SECURITY_POLICY_REPLACE = {"frame-ancestors": ["*"]}

# Sign-in (admin and officers): LOGIN_FAILURE_LIMIT failures for one username from one address
# within LOGIN_FAILURE_WINDOW seconds lock that pair out for LOGIN_LOCKOUT_SECONDS.
AUTHENTICATION_BACKENDS = ["ombudsman.signin.ThrottledModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=1)

# Officers sign in to see their council's letters before publication.
LOGIN_REDIRECT_URL = "/letters/"
LOGOUT_REDIRECT_URL = "/letters/"
# Where the sign-in page tells council officers to ask for an account.
ACCOUNTS_CONTACT_EMAIL = env_str("ACCOUNTS_CONTACT_EMAIL", "accounts@example.org")
# The site's public address: links in letters (PDFs are read away from the site).
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@example.org")

# One JSON object per line in production (request id, method, path, ...), text in development.
LOG_FORMAT = env_choice("LOG_FORMAT", LOG_FORMATS, "text" if DEBUG else "json")
LOG_LEVEL = env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), "INFO")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
LOGGING_CONFIG = "ombudsman.logging.configure"

# Staff imports (councils.imports.files, councils.imports.resources). A bigger file is refused
# before it is read; the row cap keeps one import inside a request's time.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000, minimum=1)
# A confirmed import of more rows than this runs as a background job with a progress page; a
# smaller one (under a couple of seconds) runs in the confirm request itself.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 5_000, minimum=0)
# An upload bigger than this (about 10,000 rows of decisions) is previewed by a background job.
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 1024 * 1024, minimum=0)
# An XLSX file is a zip: it may unpack to at most this many times IMPORT_MAX_BYTES (checked
# from the zip's directory before anything is unpacked). A 200,000-row decisions workbook of
# about 8 MB unpacks to about 115 MB: well under the 200 MB this allows by default.
IMPORT_MAX_UNPACKED_RATIO = env_int("IMPORT_MAX_UNPACKED_RATIO", 10, minimum=1)
# Request bodies: at most 2.5 MB of form fields (files aside); Django writes an uploaded file
# over 2.5 MB to a temporary file as it arrives; ombudsman.middleware refuses an import request
# over IMPORT_MAX_BYTES (HTTP 413) on its Content-Length, before any of the body is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# django-import-export: importing needs the model's "add" permission (councils.admin also asks
# for "change", since an import updates records); exporting needs "view".
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Where an upload waits between the import preview and its confirm (councils.imports.previews):
# in Redis when REDIS_URL is set (the cache above), so that any app server can confirm a preview
# made on another; else in this server's folder. A preview not confirmed within a day is removed.
IMPORT_EXPORT_TMP_STORAGE_CLASS = (
    "councils.imports.previews.CachePreview"
    if CACHES["default"]["BACKEND"].endswith("RedisCache")
    else "councils.imports.previews.FolderPreview"
)
IMPORT_PREVIEW_DIR = Path(
    env_str("IMPORT_PREVIEW_DIR", str(Path(tempfile.gettempdir()) / "ombudsman-import-previews"))
)
IMPORT_PREVIEW_SECONDS = env_int("IMPORT_PREVIEW_SECONDS", 24 * 60 * 60, minimum=60)

# The HTTP/page layer (councils.caching): how long a proxy or CDN in front may serve a public
# page without asking again (s-maxage: also how long a page can outlive an import there), and a
# browser (max-age; then it revalidates, a cheap 304). 0 also stops this server storing pages
# (bench/pages.py measures pages rendered on every request that way).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300, minimum=0)
PAGE_BROWSER_SECONDS = env_int("PAGE_BROWSER_SECONDS", 60, minimum=0)
PAGE_CACHE_ALIAS = "default"
# Part of every page's cache key and ETag, so a deploy never serves pages of the previous code:
# set it to the release's version or commit; by default the code's git commit.
RELEASE = env_str("RELEASE", "") or git_commit(BASE_DIR)
