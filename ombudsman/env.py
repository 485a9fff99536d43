"""Small typed readers for settings from the environment.

Each one fails loudly with the variable's name and what was wrong, so a typo in a deployment
stops the start-up instead of silently running with a default.
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value (use 1/0, true/false).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    """One of a fixed set of words (case-insensitive), e.g. LOG_FORMAT=json|text."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    by_word = {choice.lower(): choice for choice in choices}
    value = by_word.get(raw.strip().lower())
    if value is None:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of: {', '.join(choices)}.")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, *, base_dir: Path, conn_max_age: int = 60) -> dict:
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name` into a DATABASES entry.

    Connections are persistent: each worker keeps its connection for `conn_max_age` seconds
    (0 closes it after every request). For PostgreSQL a `?conn_max_age=N` in the URL wins, and
    the connection is checked before reuse, so a restarted database costs one failed check, not
    an error page. Other query options (`sslmode=require`, ...) are passed to psycopg.
    """
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        # sqlite:///db.sqlite3 is relative to the project folder; sqlite:////abs/path is absolute.
        path = unquote(parts.path)
        if path.startswith("//"):
            name = path[1:]
        else:
            name = str(base_dir / path.lstrip("/")) if path.strip("/") else ":memory:"
        # Kept open too: opening an SQLite connection costs more than a cached page's one query.
        # Write-ahead logging: pages (and the development server beside its task worker) keep
        # reading while a long import writes; with the default rollback journal a transaction
        # too big for memory locks every reader out until it commits.
        options.setdefault("init_command", "PRAGMA journal_mode=WAL;")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "CONN_MAX_AGE": conn_max_age,
            "OPTIONS": options,
        }
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL for PostgreSQL must name a database.")
        raw_max_age = options.pop("conn_max_age", str(conn_max_age))
        try:
            max_age = int(raw_max_age)
        except ValueError:
            raise ImproperlyConfigured(
                f"DATABASE_URL conn_max_age={raw_max_age!r} is not a whole number of seconds."
            ) from None
        if max_age < 0:
            raise ImproperlyConfigured("DATABASE_URL conn_max_age must be 0 or more seconds.")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": max_age,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parts.scheme!r} is not supported (use sqlite:/// or postgres://)."
    )


def cache_from_url(url: str | None, *, key_prefix: str = "ombudsman") -> dict:
    """The default cache: Redis at `redis://host:port/db` when a URL is given, else local memory.

    Redis is shared by every worker and every app server (page caches, sign-in throttling);
    local memory is per process, fine for one development server. Short socket timeouts make a
    Redis outage fail fast (and show on /healthz) instead of hanging requests.
    """
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": key_prefix}
    scheme = urlsplit(url).scheme
    if scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"REDIS_URL scheme {scheme!r} is not supported (use redis://, rediss:// or unix://)."
        )
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }


def git_commit(folder: Path) -> str:
    """The commit checked out in `folder`, or "unknown" (not a git checkout, or no git)."""
    import subprocess

    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return found.stdout.strip() if found.returncode == 0 else "unknown"
