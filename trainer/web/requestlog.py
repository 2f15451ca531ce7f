"""Structured logs: one JSON line per request, and a request id on every record of that request.

The id comes from the ``X-Request-ID`` header when a proxy sent a sane one (nginx's
``$request_id``, a UUID), else it is made here; it goes back in the response header so a
person can quote it, and ``RequestIdFilter`` stamps it on every log record of the request.

``init_app`` writes JSON lines to stderr when nobody configured logging (the demo, a bare
``gunicorn`` command); ``gunicorn.conf.py`` configures the same formatter and filter for the
whole process instead, and tests keep pytest's handlers.
"""
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request
from sqlalchemy import inspect

log = logging.getLogger("trainer.request")

#: Letters, digits and ``._:-``, up to 128 characters: anything else is replaced, not trusted.
_VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
#: Query parameters whose values never reach the log.
_SECRET_PARAMS = re.compile(r"pass|token|secret|key|code|session|csrf", re.IGNORECASE)
#: Attributes every LogRecord has; the rest were passed as ``extra`` and are logged as fields.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def init_app(app):
    """Give every request an id, log it when it ends, and log as JSON if nobody else set logging up."""
    # first of all before_request functions: CSRF and the rate limiter may answer before the views
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    if not (app.testing or app.config.get("CLI")):
        install_handler()


def request_id():
    """The id of the current request (None outside one)."""
    return g.get("request_id") if has_request_context() else None


def _start():
    g.request_started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex


def _finish(response):
    started = g.get("request_started")
    response.headers["X-Request-ID"] = g.setdefault("request_id", uuid.uuid4().hex)
    user = g.get("_login_user")  # only if this request loaded it: logging costs no query
    log.log(logging.ERROR if response.status_code >= 500 else logging.INFO,
            "%s %s %s", request.method, request.path, response.status_code,
            extra={"method": request.method, "path": request.path, "query": _safe_query(),
                   "status": response.status_code,
                   "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                   "user_id": _user_id(user),
                   "remote_addr": request.remote_addr})
    return response


def _user_id(user):
    """The signed-in user's id without a query: after a commit the user object is expired, its identity is not."""
    if user is None or not getattr(user, "session_token", None):
        return None
    state = inspect(user, raiseerr=False)
    return state.identity[0] if state is not None and state.identity else user.id


def _safe_query():
    if not request.args:
        return None
    return "&".join(f"{name}={'***' if _SECRET_PARAMS.search(name) else value}"
                    for name, value in request.args.items(multi=True))


class RequestIdFilter(logging.Filter):
    """Stamp ``record.request_id``; attach it to a handler so records of every logger get it."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, then any extras."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update((key, value) for key, value in vars(record).items() if key not in _STANDARD)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def install_handler(stream=None):
    """Log ``trainer.*`` at INFO as JSON lines to ``stream`` (stderr), unless logging is configured."""
    from flask.logging import default_handler

    logger = logging.getLogger("trainer")
    if logging.getLogger().handlers or any(getattr(h, "_trainer_json", False) for h in logger.handlers):
        return None
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler._trainer_json = True
    logger.removeHandler(default_handler)  # Flask's plain-text one, if the app logger was touched
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return handler
