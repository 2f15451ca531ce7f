from flask import Blueprint

from ...models import Role
from ..access import require_role

bp = Blueprint("admin", __name__)
require_role(bp, Role.ADMIN)

from . import views  # noqa: E402,F401
