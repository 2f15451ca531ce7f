"""trainer: training and certification for new e-commerce customer-service agents."""
import os

from flask import Flask

from .config import REPO_ROOT, DefaultConfig, finalize


def create_app(config=None):
    """Build the application; ``config`` overrides everything else (tests pass a mapping)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("TRAINER_INSTANCE_PATH") or str(REPO_ROOT / "instance"),
        instance_relative_config=True,
        static_folder=str(REPO_ROOT / "static"),
        template_folder="web/templates",
    )
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("trainer.cfg", silent=True)
    app.config.from_prefixed_env("TRAINER")
    app.config.update(config or {})
    finalize(app.config, app.instance_path)

    from . import extensions, models  # noqa: F401  models register their tables

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    extensions.login_manager.init_app(app)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)

    from .web import health, input_guard, register_blueprints, register_error_handlers, requestlog, select_locale

    extensions.babel.init_app(app, locale_selector=select_locale)
    requestlog.init_app(app)
    input_guard.init_app(app)
    register_blueprints(app)
    app.register_blueprint(health.bp)
    register_error_handlers(app)

    from .cli import register_commands

    register_commands(app)
    _configure_login(extensions.login_manager)
    return app


def _configure_login(login_manager):
    from flask_babel import lazy_gettext

    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are ended server-side instead
