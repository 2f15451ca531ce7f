from flask import Blueprint

from ..access import require_role

bp = Blueprint("study", __name__, url_prefix="/study")
# Everyone signed in may read the handbook; trainers and managers need to know it too.
require_role(bp)

from . import views  # noqa: E402,F401
from . import drills  # noqa: E402,F401
from . import quizzes  # noqa: E402,F401
from . import roleplay  # noqa: E402,F401
from . import certification  # noqa: E402,F401
