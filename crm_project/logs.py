"""Structured logs: one JSON object per line (python-json-logger), each carrying the request
id and the user of the request it was written in, and one access line per request with
method, path, status and duration. Celery task logs carry the task's id and name.

Settings build LOGGING with `logging_config(LOG_FORMAT, LOG_LEVEL)`.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from celery import current_task
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_finished
from django.utils.functional import empty

HEADER = "X-Request-ID"
# A request id from the proxy is kept when it looks like one: letters, digits and . _ : -,
# at most 128 characters. Anything else (spaces, control characters, a novel) is replaced.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
FORMATS = ("json", "text")

_current_request = ContextVar("crm_current_request", default=None)
access_logger = logging.getLogger("crm_project.access")


def request_id_from(supplied: str | None) -> str:
    if supplied and SANE_REQUEST_ID.fullmatch(supplied):
        return supplied
    return uuid.uuid4().hex


def _known_user(request):
    """The request's user once authentication has run, without a query of its own: a user
    still behind Django's lazy wrapper, never looked at, counts as not known yet."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty:
        return None
    return wrapped if getattr(wrapped, "is_authenticated", False) else None


def current_request_context() -> tuple[str | None, int | None]:
    """The request id and user id of the request being served, if any."""
    request = _current_request.get()
    if request is None:
        return None, None
    user = _known_user(request)
    return getattr(request, "request_id", None), user.pk if user is not None else None


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and username (None outside a request or before login) and,
    inside a Celery task, task_id and task_name to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _current_request.get()
        user = _known_user(request) if request is not None else None
        record.request_id = getattr(request, "request_id", None)
        record.user_id = user.pk if user is not None else None
        record.username = user.get_username() if user is not None else None
        record.task_id = record.task_name = None
        if current_task and getattr(current_task.request, "id", None):
            record.task_id, record.task_name = current_task.request.id, current_task.name
        return True


def _forget_request(**_kwargs) -> None:
    _current_request.set(None)


class RequestLogMiddleware:
    """First in MIDDLEWARE: gives the request its id (X-Request-ID when sane, else a new
    one), answers with it in the same header and writes the access line. The request stays
    at hand for the log filter until Django's request_finished, so that the records Django
    writes after the middleware (the warning for a 4xx answer) carry it too."""

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(_forget_request, dispatch_uid="crm_project.logs")

    def __call__(self, request):
        request.request_id = request_id_from(request.headers.get(HEADER))
        _current_request.set(request)
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = request.request_id
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        access_logger.info(
            "%s %s %s %sms", request.method, request.path, response.status_code, duration_ms,
            extra={"method": request.method, "path": request.path,
                   "status": response.status_code, "duration_ms": duration_ms})
        return response


def logging_config(log_format: str, level: str) -> dict:
    """Django's LOGGING: everything to stderr, as JSON lines or as plain text."""
    if log_format not in FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {FORMATS}, not {log_format!r}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "crm_project.logs.RequestContextFilter"}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                "datefmt": "%Y-%m-%dT%H:%M:%S%z",
                "json_ensure_ascii": False,
            },
            "text": {
                "format": ("%(asctime)s %(levelname)s %(name)s [%(request_id)s "
                           "%(username)s] %(message)s"),
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler",
                                 "filters": ["request_context"], "formatter": log_format}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
