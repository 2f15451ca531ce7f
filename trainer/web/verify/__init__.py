"""The public side of certificates: anyone with a certificate's code may check it; no sign-in."""
from flask import Blueprint

bp = Blueprint("verify", __name__)

from . import views  # noqa: E402,F401
from .views import public_url  # noqa: E402,F401
