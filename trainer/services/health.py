"""The health check a load balancer or monitor asks every few seconds: cheap, no session."""
import logging
import time
from importlib.metadata import PackageNotFoundError, version

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db, limiter
from . import schema

log = logging.getLogger(__name__)


def _version():
    try:
        return version("trainer")
    except PackageNotFoundError:
        return None


def check():
    """``(healthy, report)``: the database answers ``SELECT 1`` (and which migration it holds), and
    the sign-in rate-limit store answers too (without it nobody can sign in).

    The report names no host, user or error text (it is public); the log gets the error.
    """
    started = time.perf_counter()
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = schema.database_revision(connection)
    except SQLAlchemyError as error:
        log.error("health check: the database does not answer: %s", error)
        return False, {"status": "error", "database": "unreachable", "version": _version()}
    head = schema.head_revision()
    limits = _rate_limit_store()
    return limits != "unreachable", {
        "status": "error" if limits == "unreachable" else "ok",
        "database": "ok",
        "rate_limit": limits,
        "database_ms": round((time.perf_counter() - started) * 1000, 1),
        "version": _version(),
        # "behind": run ``trainer db upgrade``; "unmanaged": tables made without migrations (tests)
        "migration": {"database": current, "head": head,
                      "state": "current" if current == head else "unmanaged" if current is None else "behind"},
    }


def _rate_limit_store():
    """"ok", "unreachable", or "disabled" (tests)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return "disabled"
    try:
        if limiter.storage.check():  # memory: always; Redis: PING
            return "ok"
        error = "no answer"
    except Exception as raised:  # noqa: BLE001  each storage raises its own kind
        error = raised
    log.error("health check: the rate-limit store does not answer: %s", error)
    return "unreachable"
