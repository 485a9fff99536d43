"""Signing in: `ThrottledModelBackend`, the authentication backend (AUTHENTICATION_BACKENDS).

After repeated failed sign-ins for one username from one address, both sign-in forms
(/admin/login/ and /accounts/login/) refuse further attempts for a while with a plain message.
"""

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import BaseCache
from django.core.cache import cache as default_cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from ombudsman.middleware import client_ip

security_log = logging.getLogger("ombudsman.security")

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
