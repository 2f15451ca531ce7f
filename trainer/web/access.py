"""Who may see what: the session loader, a role guard per blueprint, and object lookups."""
from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from ..extensions import db, login_manager
from ..services import accounts, reports


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


def manage_scope():
    """The trainees the signed-in manager may see (all of them for an administrator), once per request."""
    if "manage_scope" not in g:
        g.manage_scope = reports.scope_for(current_user)
    return g.manage_scope


def managed_trainee_or_404(user_id, **kwargs):
    """A trainee's record if they are in the signed-in manager's cohorts; 404 otherwise (their existence stays hidden)."""
    record = reports.trainee_record(manage_scope(), user_id, **kwargs)
    if record is None:
        abort(404)
    return record
