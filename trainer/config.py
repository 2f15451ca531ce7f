"""Configuration: defaults here, then the instance file ``trainer.cfg``, then ``TRAINER_*``
environment variables, then the mapping given to ``create_app`` (tests)."""
import secrets
from pathlib import Path

from . import sqlite_writers

REPO_ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    #: Required outside demo, development and tests (see ``finalize``).
    SECRET_KEY = None
    #: Any SQLAlchemy URL; empty means an SQLite file in the instance folder.
    DATABASE_URL = None
    CONTENT_DIR = str(REPO_ROOT / "content")
    #: Set by ``trainer demo``: demo accounts exist and the sign-in page says so.
    DEMO = False
    #: Set by the ``trainer`` command: maintenance commands need no session secret.
    CLI = False

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Set true behind TLS so the session cookie is never sent in clear.
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}

    #: Shared by all worker processes in production: ``redis://127.0.0.1:6379/0``.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"

    #: New glossary terms a trainee meets per day in the review queue.
    DRILL_NEW_PER_DAY = 10

    #: argon2id; parallelism 1 suits small machines. Tests lower the costs.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 64 * 1024
    ARGON2_PARALLELISM = 1


def finalize(config, instance_path):
    """Derive settings that depend on others; refuse to run without a secret in production."""
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        url = config.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'trainer.db'}"
        config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(url)
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["connect_args"] = {**sqlite_writers.connect_args(config["SQLALCHEMY_DATABASE_URI"]),
                               **options.get("connect_args", {})}
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not config.get("SECRET_KEY"):
        if not any(config.get(flag) for flag in ("DEMO", "TESTING", "DEBUG", "CLI")):
            raise RuntimeError("TRAINER_SECRET_KEY must be set outside demo and development")
        config["SECRET_KEY"] = _instance_secret(Path(instance_path))


def _normalise_db_url(url):
    """Let people write ``postgresql://``; we ship the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance_path):
    """A per-installation random key, kept so demo sessions survive a restart."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
