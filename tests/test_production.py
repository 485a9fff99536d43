"""Production settings and protections: start-up checks, /healthz, request ids and JSON logs,
sign-in throttling, the import upload cap, the Redis cache and gunicorn."""

import contextvars
import io
import json
import logging
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.db import OperationalError

from ombudsman.env import cache_from_url, database_from_url
from ombudsman.logging import JSONFormatter, RequestContextFilter, TextFormatter

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECRET = "test-" + "x" * 60
# Settings the machine's environment (or a .env exported by make) must not leak into a child.
_SETTINGS_VARS = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "SECURE_HTTPS",
    "SECURE_SSL_REDIRECT",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "WEB_CONCURRENCY",
    "BIND",
    "STATIC_ROOT",
    # Set by the browser tests' fixture (tests/conftest.py); fails the deploy checks.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def child_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARS}
    env["DJANGO_SETTINGS_MODULE"] = "ombudsman.settings"
    env.update(values)
    return env


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-c", code],
        cwd=BASE_DIR,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- production settings -------------------------------------------------------------------


@pytest.mark.parametrize(
    "env, message",
    [
        ({"ALLOWED_HOSTS": "councils.example.org"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": SECRET}, "ALLOWED_HOSTS must be set when DEBUG is off"),
    ],
)
def test_production_settings_refuse_to_start_without_secret_key_or_hosts(env, message):
    result = run_python("import django; django.setup()", DEBUG="0", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


PRODUCTION_DUMP = """
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
call_command("check", deploy=True, fail_level="WARNING", verbosity=0)
print(json.dumps({
    "storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "middleware": settings.MIDDLEWARE,
    "cache": settings.CACHES["default"]["BACKEND"],
    "log_format": settings.LOG_FORMAT,
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "redirect_exempt": settings.SECURE_REDIRECT_EXEMPT,
    "use_finders": settings.WHITENOISE_USE_FINDERS,
    "database": settings.DATABASES["default"],
}))
"""


def test_production_settings_pass_the_deploy_checks_and_use_production_services():
    result = run_python(
        PRODUCTION_DUMP,
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="councils.example.org",
        REDIS_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgres://app:pw@db.internal:5432/ombudsman",
        CONN_MAX_AGE="300",
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout.strip().splitlines()[-1])

    assert config["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    middleware = config["middleware"]
    assert middleware[0] == "ombudsman.middleware.RequestIDMiddleware"
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware[security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert middleware.index("ombudsman.middleware.ImportUploadLimitMiddleware") < middleware.index(
        "django.middleware.csrf.CsrfViewMiddleware"
    )
    assert config["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert config["log_format"] == "json"
    assert config["session_secure"] and config["csrf_secure"] and config["ssl_redirect"]
    assert config["hsts"] == 31536000
    assert config["redirect_exempt"] == [r"^healthz$"]
    assert config["use_finders"] is False
    assert config["database"]["CONN_MAX_AGE"] == 300
    assert config["database"]["CONN_HEALTH_CHECKS"] is True


def test_development_defaults_need_no_secrets():
    result = run_python(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.LOG_FORMAT, s.SESSION_COOKIE_SECURE)",
        DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.locmem.LocMemCache",
        "text",
        "False",
    ]


def test_conn_max_age_comes_from_the_url_option_or_the_default(tmp_path):
    url = "postgres://u@h/db"
    assert database_from_url(url, base_dir=tmp_path)["CONN_MAX_AGE"] == 60
    assert database_from_url(url, base_dir=tmp_path, conn_max_age=0)["CONN_MAX_AGE"] == 0
    config = database_from_url(url + "?conn_max_age=600&sslmode=require", base_dir=tmp_path)
    assert config["CONN_MAX_AGE"] == 600
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["OPTIONS"] == {"sslmode": "require"}


def test_cache_is_redis_with_a_url_and_local_memory_without():
    assert cache_from_url(None)["BACKEND"].endswith("LocMemCache")
    redis = cache_from_url("redis://127.0.0.1:6379/1", key_prefix="site")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert (redis["LOCATION"], redis["KEY_PREFIX"]) == ("redis://127.0.0.1:6379/1", "site")


# --- Redis: one cache for every worker -------------------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    return REDIS_URL


def test_the_redis_cache_is_shared_between_two_clients(redis_url):
    """Two cache objects stand for two gunicorn workers (or app servers) on one Redis."""
    from django.core.cache.backends.redis import RedisCache

    # A prefix of our own: the Redis server is shared, so never clear() it.
    config = cache_from_url(redis_url, key_prefix=f"test-{uuid.uuid4().hex}")
    params = {"KEY_PREFIX": config["KEY_PREFIX"], "OPTIONS": config["OPTIONS"]}
    worker_a, worker_b = RedisCache(redis_url, params), RedisCache(redis_url, params)
    try:
        worker_a.set("page", "cached by a", timeout=60)
        assert worker_b.get("page") == "cached by a"
        worker_b.add("failures", 0, timeout=60)
        worker_a.incr("failures")
        assert worker_b.incr("failures") == 2
        worker_b.delete("page")
        assert worker_a.get("page") is None
    finally:
        worker_a.delete_many(["page", "failures"])
        worker_a.close()
        worker_b.close()


# --- /healthz --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]


class _BrokenConnection:
    def cursor(self):
        raise OperationalError("connection refused")


class _BrokenCache:
    def set(self, *args, **kwargs):
        raise ConnectionError("Redis is down")


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    monkeypatch.setattr("ombudsman.health.connection", _BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "error", "cache": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_cache_fails(client, monkeypatch):
    monkeypatch.setattr("ombudsman.health.cache", _BrokenCache())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "error"}


@pytest.mark.django_db
def test_healthz_answers_plain_http_when_everything_else_redirects(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/methodology/").status_code == 301
    assert client.get("/healthz").status_code == 200


# --- request ids and JSON logs ----------------------------------------------------------------


class _Capture(logging.Handler):
    """Formats records as the production handler does (filter + formatter)."""

    def __init__(self, formatter):
        super().__init__()
        self.addFilter(RequestContextFilter())
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def json_log():
    handler = _Capture(JSONFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_request_id_is_generated_and_echoed(client):
    response = client.get("/healthz")

    assert len(response["X-Request-ID"]) == 32
    assert client.get("/healthz")["X-Request-ID"] != response["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming, kept",
    [
        ("a1b2c3-lb-42", True),
        ("Root=1-67891233-abcdef012345678912345678", True),
        ("two words", False),
        ("<script>", False),
        ("x" * 200, False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_sane(client, incoming, kept):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)

    assert (response["X-Request-ID"] == incoming) is kept


@pytest.mark.django_db
def test_log_lines_are_json_with_the_request_id(client, json_log):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-123")

    (line,) = json_log.lines
    entry = json.loads(line)
    assert entry["request_id"] == "req-123"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/no-such-page/", 404)
    assert (entry["level"], entry["logger"]) == ("WARNING", "django.request")
    assert entry["message"] == "Not Found: /no-such-page/"
    assert entry["time"].endswith("+00:00")


def test_log_lines_outside_a_request_have_no_request_id():
    record = logging.LogRecord("councils", logging.INFO, __file__, 1, "loaded %s", (3,), None)
    # A fresh context, as a thread that never served a request has.
    contextvars.Context().run(RequestContextFilter().filter, record)

    entry = json.loads(JSONFormatter().format(record))

    assert entry["message"] == "loaded 3" and entry["request_id"] is None


def test_gunicorn_access_lines_carry_status_duration_and_request_id():
    atoms = {"h": "10.0.0.1", "m": "GET", "U": "/councils/ashfield/", "s": "200", "M": 12}
    atoms |= {"B": 5120, "a": "curl/8", "{x-request-id}o": "abc123"}
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(m)s %(U)s" %(s)s', atoms, None
    )

    entry = json.loads(JSONFormatter().format(record))

    assert entry["message"] == '10.0.0.1 "GET /councils/ashfield/" 200'
    assert entry["request_id"] == "abc123"
    assert (entry["method"], entry["path"], entry["status"], entry["duration_ms"]) == (
        "GET",
        "/councils/ashfield/",
        200,
        12,
    )


def test_exceptions_are_one_json_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())

    line = JSONFormatter().format(record)

    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


@pytest.mark.django_db
def test_text_logs_show_the_request_id(client):
    handler = _Capture(TextFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-9")
    finally:
        logger.removeHandler(handler)

    assert "WARNING django.request [req-9]: Not Found: /no-such-page/" in handler.lines[0]


@pytest.mark.django_db
def test_a_bad_host_header_is_one_warning_line_without_a_traceback(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert (record.name, record.levelname) == ("django.security.DisallowedHost", "WARNING")
    assert record.exc_info is None and "evil.example" in record.getMessage()
    line = JSONFormatter().format(record)
    assert "\n" not in line and "exception" not in json.loads(line)


def test_settings_log_format_is_json_unless_debug():
    assert django_settings.LOGGING["formatters"]["main"]["()"].endswith(
        "TextFormatter" if django_settings.LOG_FORMAT == "text" else "JSONFormatter"
    )


# --- sign-in throttling ------------------------------------------------------------------------

PASSWORD = "correct-horse-battery"


@pytest.fixture
def officer(settings, django_user_model):
    # A fast hasher: each sign-in attempt checks a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return django_user_model.objects.create_user("officer", password=PASSWORD, is_staff=True)


LOGIN_URLS = ["/accounts/login/", "/admin/login/"]


def sign_in(client, url, password, ip="203.0.113.5", username="officer"):
    return client.post(
        url, {"username": username, "password": password, "next": "/"}, REMOTE_ADDR=ip
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOGIN_URLS)
def test_five_failed_sign_ins_lock_the_username_from_that_address(client, officer, url):
    message = "Too many failed sign-in attempts, try again in 15 minutes."
    for _ in range(4):
        page = sign_in(client, url, "wrong")
        assert page.status_code == 200 and message not in page.content.decode()
    # The fifth failure says so, and even the right password is refused after it.
    assert message in sign_in(client, url, "wrong").content.decode()

    page = sign_in(client, url, PASSWORD)

    assert not signed_in(client)
    assert message in page.content.decode()
    # The same account from another address is not locked.
    assert sign_in(client, url, PASSWORD, ip="198.51.100.7").status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_the_lock_ends_after_fifteen_minutes(client, officer):
    import time_machine

    for _ in range(5):
        sign_in(client, "/accounts/login/", "wrong")
    with time_machine.travel(time.time() + 10 * 60, tick=False):
        page = sign_in(client, "/accounts/login/", PASSWORD)
        assert "try again in 5 minutes" in page.content.decode()
    with time_machine.travel(time.time() + 15 * 60 + 1, tick=False):
        assert sign_in(client, "/accounts/login/", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_successful_sign_in_clears_the_failures(client, officer):
    for _ in range(4):
        sign_in(client, "/accounts/login/", "wrong")
    assert sign_in(client, "/accounts/login/", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "/accounts/login/", "wrong")

    assert sign_in(client, "/accounts/login/", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_unknown_usernames_are_throttled_too_and_case_does_not_matter(client, officer):
    for name in ("Officer", "OFFICER", "officer", "officer ", "Officer"):
        sign_in(client, "/accounts/login/", "wrong", username=name)

    page = sign_in(client, "/accounts/login/", PASSWORD)
    assert "Too many failed sign-in attempts" in page.content.decode()


@pytest.fixture
def cache_down(settings):
    """Every cache call fails as with Redis down (nothing listens on port 1)."""
    from ombudsman import signin

    settings.CACHES = {"default": cache_from_url("redis://127.0.0.1:1/0")}
    yield
    signin._local_counters.clear()
    signin._shared_counters_down.clear()


@pytest.mark.django_db
def test_sign_in_works_with_the_cache_down_and_throttling_falls_back(
    client, officer, cache_down, caplog
):
    with caplog.at_level(logging.WARNING, logger="ombudsman.security"):
        assert sign_in(client, "/accounts/login/", PASSWORD).status_code == 302
        assert signed_in(client)
        client.logout()
        # This process counts the failures itself: the fifth still locks the account.
        for _ in range(5):
            sign_in(client, "/accounts/login/", "wrong")
        page = sign_in(client, "/accounts/login/", PASSWORD)

    assert not signed_in(client) and "Too many failed sign-in attempts" in page.content.decode()
    fallbacks = [r for r in caplog.records if "counts per process" in r.getMessage()]
    assert len(fallbacks) == 1 and fallbacks[0].levelname == "WARNING"


@pytest.mark.django_db
def test_the_client_address_comes_from_our_proxy_when_configured(client, officer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            "/accounts/login/",
            {"username": "officer", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5",
        )
    # Another client behind the same proxy is not locked out by the first one's failures.
    other = client.post(
        "/accounts/login/",
        {"username": "officer", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert other.status_code == 302


# --- upload size -------------------------------------------------------------------------------

IMPORT_URL = "/admin/councils/decision/import/"


@pytest.fixture
def importer(client, django_user_model):
    user = django_user_model.objects.create_user("importer", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["add_decision", "change_decision"])
    )
    client.force_login(user)
    return user


@pytest.fixture
def body_never_read(monkeypatch):
    def read(*args, **kwargs):
        raise AssertionError("the request body was read")

    monkeypatch.setattr("django.http.multipartparser.MultiPartParser.parse", read)


@pytest.mark.django_db
@pytest.mark.usefixtures("importer", "body_never_read")
def test_an_import_bigger_than_the_cap_is_refused_before_it_is_read(client, settings):
    settings.IMPORT_MAX_BYTES = 100_000
    upload = io.BytesIO(b"reference\n" + b"24 000 001\n" * 20_000)
    upload.name = "decisions.csv"

    response = client.post(IMPORT_URL, {"resource": "0", "import_file": upload})

    assert response.status_code == 413
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "too big to import: the most we accept is 97.7\xa0KB" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("body_never_read")
def test_the_cap_reads_only_the_declared_length(client, settings):
    """A client that declares a huge body is refused on the header alone, signed in or not."""
    response = client.post(
        "/admin/councils/decision/process_import/",
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(settings.IMPORT_MAX_BYTES + 10 * 1024 * 1024),
    )
    assert response.status_code == 413


@pytest.mark.django_db
def test_the_cap_applies_only_to_import_urls(client, settings):
    settings.IMPORT_MAX_BYTES = 10
    response = client.post("/accounts/login/", {"username": "x" * 1000, "password": "y"})
    assert response.status_code == 200


def test_upload_memory_limits_are_set():
    assert django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440


# --- gunicorn ----------------------------------------------------------------------------------

GUNICORN_CONF = BASE_DIR / "ombudsman" / "gunicorn.conf.py"


def test_gunicorn_workers_default_to_twice_the_cores_plus_one(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("DEBUG", raising=False)
    conf = runpy.run_path(str(GUNICORN_CONF))

    assert conf["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert conf["timeout"] == 30
    assert conf["accesslog"] == "-"
    assert conf["logconfig_dict"]["formatters"]["main"]["()"].endswith("JSONFormatter")

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(GUNICORN_CONF))["workers"] == 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_gunicorn_serves_healthz_over_http_and_logs_json(tmp_path):
    """`make serve` in miniature: production settings, one worker, a real socket."""
    gunicorn = Path(PYTHON).parent / "gunicorn"
    port = _free_port()
    server = subprocess.Popen(
        [str(gunicorn), "--config", str(GUNICORN_CONF)],
        cwd=BASE_DIR,
        env=child_env(
            DEBUG="0",
            SECRET_KEY=SECRET,
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
            WEB_CONCURRENCY="1",
            BIND=f"127.0.0.1:{port}",
            STATIC_ROOT=str(tmp_path),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                status, headers, body = _get(f"{base}/healthz", **{"X-Request-ID": "probe-1"})
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer within 15 seconds")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(f"{base}/methodology/", timeout=10)
            redirected = None
        except urllib.error.HTTPError as error:
            redirected = (error.code, error.headers["Location"])
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)

    assert (status, json.loads(body)) == (200, {"database": "ok", "cache": "ok"})
    assert headers["X-Request-ID"] == "probe-1"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    # Everything else over plain HTTP goes to HTTPS.
    assert redirected == (301, f"https://127.0.0.1:{port}/methodology/")

    entries = [json.loads(line) for line in output.splitlines() if line.strip()]
    (access,) = [e for e in entries if e["logger"] == "gunicorn.access" and e["path"] == "/healthz"]
    assert access["request_id"] == "probe-1"
    assert (access["method"], access["status"]) == ("GET", 200)
    assert isinstance(access["duration_ms"], int)
    assert any(
        e["logger"] == "gunicorn.error" and "Booting worker" in e["message"] for e in entries
    )
