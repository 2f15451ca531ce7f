"""Fixtures: an app per test on SQLite (and on PostgreSQL when TRAINER_TEST_DATABASE_URL is set),
a browser-like client that handles CSRF tokens, and factories for users."""
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from trainer import create_app
from trainer.extensions import db as _db

TESTS = Path(__file__).parent
CONTENT_DIR = TESTS / "data" / "content"
PG_URL = os.environ.get("TRAINER_TEST_DATABASE_URL")
PASSWORD = "correct horse 42"


def _postgres_reachable():
    if not PG_URL:
        return False
    try:
        with create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)).connect():
            return True
    except OperationalError:
        return False


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not _postgres_reachable(), reason="set TRAINER_TEST_DATABASE_URL to a reachable PostgreSQL to run"))]


def base_config(database_url, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "CONTENT_DIR": str(CONTENT_DIR),
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8 * 1024,
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    return config


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, empty database for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    engine = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    yield PG_URL


@pytest.fixture
def app_config():
    """Override in a test module to change the configuration."""
    return {}


@pytest.fixture
def app(database_url, app_config, tmp_path):
    app = create_app(base_config(database_url, **app_config))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def synced(app):
    """The test content tree loaded into the database."""
    from trainer.core.content import load_content
    from trainer.services.catalog import sync_content

    report = sync_content(load_content(app.config["CONTENT_DIR"]))
    _db.session.commit()
    return report


@pytest.fixture
def make_user(app):
    """``make_user("ann", roles=["trainer"])`` → a committed user with password ``PASSWORD``."""
    from trainer.services import accounts

    def make(username="trainee1", roles=("trainee",), name=None, cohort=None, **kwargs):
        cohort_row = accounts.get_or_create_cohort(cohort) if cohort else None
        user = accounts.create_user("test", username, name or username.title(), PASSWORD, roles,
                                    cohort=cohort_row, **kwargs)
        _db.session.commit()
        return user

    return make


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A test client that behaves like a person with a browser: it sends the page's CSRF token.

    Each request runs in a fresh application context, as in production; otherwise the test's
    own context (and its ``g``) would be reused by every request.
    """

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, url, **kwargs):
        with self.app.app_context():
            return self.client.get(url, **kwargs)

    def csrf_token(self):
        page = self.get("/login" if not self.signed_in() else "/study/").get_data(as_text=True)
        match = TOKEN.search(page)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def signed_in(self):
        with self.client.session_transaction() as session:
            return "_user_id" in session

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        with self.app.app_context():
            return self.client.post(url, data=data, **kwargs)

    def login(self, username, password=PASSWORD):
        return self.post("/login", {"username": username, "password": password})

    def logout(self):
        return self.post("/logout")


@pytest.fixture
def browser(app):
    return Browser(app)


@pytest.fixture
def new_browser(app):
    """Another browser (its own cookies)."""
    return lambda: Browser(app)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def statements_of(db, call):
    """``(call(), [every SQL statement it ran, on one line each])``."""
    seen = []
    listener = lambda *args: seen.append(" ".join(args[2].split()))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return response, seen
