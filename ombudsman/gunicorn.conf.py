"""gunicorn settings for `make serve` and production:
`gunicorn --config ombudsman/gunicorn.conf.py` (the app is ombudsman.wsgi).

Environment:
- WEB_CONCURRENCY: worker processes; default 2 x CPU cores + 1 (5 on a 2-core machine). Each
  sync worker serves one request at a time and holds one database connection.
- GUNICORN_THREADS: threads per worker (default 1: plain sync workers; more uses gthread).
- BIND: address to listen on (default 127.0.0.1:8000, behind the TLS-terminating proxy);
  `make serve` passes HOST:PORT with --bind, which wins.
- LOG_FORMAT (json|text, default json unless DEBUG) and LOG_LEVEL: as for Django, so gunicorn's
  access and error logs are the same one-JSON-object-per-line stream, with the request id.
"""

import logging
import os

from ombudsman.env import env_bool, env_choice, env_int, env_str
from ombudsman.logging import LOG_FORMATS, logging_config


def default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return 2 * cores + 1


wsgi_app = "ombudsman.wsgi:application"
bind = [env_str("BIND", "127.0.0.1:8000")]
workers = env_int("WEB_CONCURRENCY", default_workers(), minimum=1)
threads = env_int("GUNICORN_THREADS", 1, minimum=1)
# A request taking longer than this is killed (and logged): keep pages and imports well under it.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Heartbeat files in memory rather than on a possibly slow disk (containers).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn 25+ opens a control socket in ~/.gunicorn for `gunicornc`; unused here, and two
# servers on one machine would share its path.
control_socket_disable = True

# Access log to standard output, through the JSON formatter (status, duration_ms, request_id).
accesslog = "-"
errorlog = "-"
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" request_id=%({x-request-id}o)s'
)
loglevel = env_choice("LOG_LEVEL", ("debug", "info", "warning", "error", "critical"), "info")
logging.captureWarnings(True)  # Python warnings become log lines too
logconfig_dict = logging_config(
    env_choice("LOG_FORMAT", LOG_FORMATS, "text" if env_bool("DEBUG", False) else "json"),
    loglevel.upper(),
)
