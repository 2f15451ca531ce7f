"""Managers (and administrators): the status board of their cohorts, a trainee's record, the team view, exports."""
from flask import Blueprint

from ...models import Role
from ..access import require_role

bp = Blueprint("manage", __name__)
require_role(bp, Role.MANAGER, Role.ADMIN)

from . import views  # noqa: E402,F401
