"""Trainers: author and publish content, play-test it, review uncertain gradings, analyse items."""
from flask import Blueprint

from ...models import Role
from ..access import require_role

bp = Blueprint("author", __name__, url_prefix="/author")
require_role(bp, Role.TRAINER, Role.ADMIN)

from . import views  # noqa: E402,F401
from . import analysis  # noqa: E402,F401
from . import review  # noqa: E402,F401
from . import items  # noqa: E402,F401
from . import terms  # noqa: E402,F401
from . import history  # noqa: E402,F401
from . import scenarios  # noqa: E402,F401
