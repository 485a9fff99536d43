"""/healthz for load balancers: does this app server reach its database and its cache?

200 `{"database": "ok", "cache": "ok"}` when both answer, else 503 naming the one that failed
("error"). Cheap on purpose (`SELECT 1` and one cache key), never cached, and answered over
plain HTTP (SECURE_REDIRECT_EXEMPT) so a load balancer can probe each server directly.
"""

import logging
import os
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger("ombudsman.health")

OK = "ok"
ERROR = "error"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        log.exception("Health check: the database did not answer")
        return ERROR
    return OK


def check_cache() -> str:
    key = f"healthz:{os.getpid()}"
    value = uuid.uuid4().hex
    try:
        cache.set(key, value, timeout=30)
        answered = cache.get(key)
    except Exception:
        log.exception("Health check: the cache did not answer")
        return ERROR
    if answered != value:
        log.error("Health check: the cache did not return the value just stored")
        return ERROR
    return OK


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "cache": check_cache()}
    healthy = all(result == OK for result in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)
