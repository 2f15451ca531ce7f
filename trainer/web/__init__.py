"""The web layer: one blueprint per audience, plus error pages and the language choice."""
from flask import current_app, g, redirect, render_template, request, session, url_for
from flask.globals import request_ctx
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ..extensions import db, login_manager
from .input_guard import UnreadableInput


def register_blueprints(app):
    from . import access  # noqa: F401  registers the session loader
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .author import bp as author_bp
    from .certificates import bp as certificates_bp
    from .manage import bp as manage_bp
    from .study import bp as study_bp
    from .verify import bp as verify_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(study_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(author_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(manage_bp, url_prefix="/manage")
    app.register_blueprint(verify_bp)
    app.add_url_rule("/", endpoint="index", view_func=index)
    app.context_processor(_template_globals)


def index():
    """Everyone starts on their study path."""
    return redirect(url_for("study.home"))


def _template_globals():
    from .admin.forms import ROLE_LABELS

    return {"get_locale": get_locale, "role_labels": ROLE_LABELS}


def select_locale():
    """The language the person chose, else Simplified Chinese."""
    from flask import current_app

    chosen = session.get("locale")
    return chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/error.html", code=400, reason="csrf"), 400

    @app.errorhandler(UnreadableInput)
    def unreadable_input(error):
        return render_template("errors/error.html", code=400, reason=error.problem), 400

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(413)
    @app.errorhandler(429)
    def client_error(error):
        if request_ctx.url_adapter is None:  # a Host outside TRUSTED_HOSTS: no URL can be built for the page
            return error
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return render_template("errors/error.html", code=error.code, reason=None, limit_mb=limit / 2**20), error.code

    @app.errorhandler(500)
    def server_error(error):
        if isinstance(getattr(error, "original_exception", None), OperationalError):
            return database_unavailable(error.original_exception)  # raised after the view, e.g. by an after_request
        db.session.rollback()
        return render_template("errors/error.html", code=500, reason=None), 500

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        """The database does not answer (down, restarting, refusing connections, locked too long).

        The request may or may not have been committed, so the page asks to send it again: a resent
        answer or reply is stored once (its seq). The page is drawn for an anonymous visitor, since
        the signed-in user cannot be loaded now.
        """
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        db.session.remove()
        g._login_user = login_manager.anonymous_user()
        current_app.logger.error("database unavailable on %s %s: %s", request.method, request.path,
                                 str(error.orig or error).strip().splitlines()[0])
        response = app.make_response((render_template("errors/error.html", code=503, reason="database"), 503))
        response.headers["Retry-After"] = "10"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.teardown_request
    def _rollback_unfinished(exc):
        if exc is not None:
            db.session.rollback()

    @app.teardown_appcontext
    def _end_session(exc):
        """End the request's session (a read-only one is rolled back here, not committed), so that a
        connection the database dropped after the response was made is logged, not turned into a 500."""
        try:
            db.session.remove()
        except SQLAlchemyError as error:
            db.session.registry.clear()
            current_app.logger.warning("database connection lost while ending a request: %s",
                                       str(getattr(error, "orig", None) or error).strip().splitlines()[0])

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )
        if request.is_secure:  # over TLS (behind a proxy, TRAINER_PROXY_HOPS trusts its X-Forwarded-Proto)
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint and request.endpoint.startswith(("auth.", "admin.")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
