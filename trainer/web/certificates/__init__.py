"""Certificates for signed-in people: the holder's own, and those of the trainees a trainer,
manager (of the holder's cohort) or administrator looks after. Anyone else gets 404."""
from flask import Blueprint

from ..access import require_role

bp = Blueprint("certificates", __name__, url_prefix="/study/certificates")
require_role(bp)

from . import views  # noqa: E402,F401
