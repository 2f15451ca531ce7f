"""Who may see what: the session loader, a role guard per blueprint, and object lookups."""
from flask import abort, redirect, request, url_for
from flask_login import current_user

from ..extensions import db, login_manager
from ..services import accounts


@login_manager.user_loader
def load_user(token):
    return accounts.load_session(token)


def require_role(blueprint, *roles):
    """Guard every route of ``blueprint``: signed in, and holding one of ``roles`` if given."""

    @blueprint.before_request
    def _guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.must_change_password and request.endpoint != "auth.change_password":
            return redirect(url_for("auth.change_password"))
        if roles and not any(current_user.has_role(role) for role in roles):
            abort(403)
        return None


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj
