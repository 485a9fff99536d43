"""Log lines with their request: JSON (one object per line) in production, text locally.

`ombudsman.middleware.RequestIDMiddleware` puts the request id, method and path in a context
variable for the length of each request; `RequestContextFilter` copies them onto every log
record, so a line logged anywhere while serving a request (a view, the ORM, django.request's
"Internal Server Error") carries the request's id. gunicorn's access log goes through the same
formatter (see `ombudsman/gunicorn.conf.py`): its lines add the status and `duration_ms`, and take
the id from the response's `X-Request-ID` header.

Only the standard library here: gunicorn imports this module before Django is set up.
"""

import datetime
import json
import logging
import logging.config
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

LOG_FORMATS = ("json", "text")


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    method: str
    path: str


request_context: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "status_code",
    "request_tag",
}
_SIMPLE = (str, int, float, bool, type(None))


class RequestContextFilter(logging.Filter):
    """Adds `request_id`, `method` and `path` of the request being served (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get()
        for name in ("request_id", "method", "path"):
            if not hasattr(record, name):
                setattr(record, name, getattr(context, name) if context else None)
        return True


class OneLineWarning(logging.Filter):
    """Makes a record a WARNING without its traceback.

    For client mistakes Django logs as errors with a stack, such as a request for a host we do
    not serve (scanners send them all day): one line says all there is to know.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info, record.exc_text = None, None
        return True


def _access_fields(record: logging.LogRecord) -> dict[str, Any]:
    """Method, path, status, duration and request id from a gunicorn access-log record."""
    atoms = record.args
    if record.name != "gunicorn.access" or not isinstance(atoms, dict):
        return {}

    def atom(key: str) -> Any:
        value = atoms.get(key)
        return None if value in (None, "-") else value

    status = atom("s")
    duration = atom("M")
    return {
        "request_id": atom("{x-request-id}o"),
        "method": atom("m"),
        "path": atom("U"),
        "status": int(status) if str(status).isdigit() else status,
        "duration_ms": duration,
        "remote_addr": atom("h"),
        "bytes": atom("B"),
        "user_agent": atom("a"),
    }


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "method": getattr(record, "method", None),
            "path": getattr(record, "path", None),
        }
        # django.request and django.server give the status code of the response they report.
        status = getattr(record, "status", None) or getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        duration = getattr(record, "duration_ms", None)
        if duration is not None:
            entry["duration_ms"] = duration
        for name, value in _access_fields(record).items():
            if value is not None:
                entry[name] = value
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in entry and isinstance(value, _SIMPLE):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Human-readable lines for development, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_tag = f" [{request_id}]" if request_id else ""
        return super().format(record)


def logging_config(log_format: str, level: str = "INFO") -> dict:
    """A `logging.config.dictConfig` dictionary for Django (LOGGING) and gunicorn alike.

    Everything goes to standard output through one handler: Django's own loggers and gunicorn's
    are routed to it instead of their default handlers, so each line is formatted once.
    """
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r} is not one of {LOG_FORMATS}")
    formatter = f"ombudsman.logging.{'JSONFormatter' if log_format == 'json' else 'TextFormatter'}"

    def via_root() -> dict:
        return {"handlers": [], "level": level, "propagate": True}

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request": {"()": "ombudsman.logging.RequestContextFilter"},
            "one_line_warning": {"()": "ombudsman.logging.OneLineWarning"},
        },
        "formatters": {"main": {"()": formatter}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "main",
                "filters": ["request"],
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Django's defaults print through their own handlers (and only with DEBUG on).
            "django": via_root(),
            "django.server": via_root(),
            "gunicorn.error": via_root(),
            "gunicorn.access": {"handlers": [], "level": "INFO", "propagate": True},
            "py.warnings": via_root(),
            "django.security.DisallowedHost": via_root() | {"filters": ["one_line_warning"]},
        },
    }


def configure(config: dict) -> None:
    """Django's LOGGING_CONFIG: dictConfig, with Python warnings logged (and formatted) too."""
    logging.captureWarnings(True)
    logging.config.dictConfig(config)
