"""``GET /healthz``: public, no session, no CSRF, one cheap query; 503 when the database is down."""
from flask import Blueprint, jsonify

from ..extensions import limiter
from ..services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The database answers and which migration it holds, as JSON; 503 if it does not answer."""
    healthy, report = health.check()
    response = jsonify(report)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
