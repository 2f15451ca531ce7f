"""One database full of the XSS corpus per backend, shared by the security modules (building it is the slow part)."""
import pytest
from sqlalchemy import create_engine, text

from trainer import create_app
from trainer.extensions import db
from tests.conftest import BACKENDS, PG_URL, Browser, base_config

from .xss_corpus import require_corpus
from .xss_world import World, content_tree, populate


@pytest.fixture(scope="session", params=BACKENDS)
def xss_world(request, tmp_path_factory):
    """``(app, world, viewers)``: the corpus written into every field, and the pages that must show it.

    Built once per backend for the whole run (the page sweep and the browser sweep share it); no application
    context is left pushed between tests (each request makes its own)."""
    require_corpus()
    tmp_path = tmp_path_factory.mktemp("xss")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'xss.db'}"
    else:
        url = _own_database()
    world = World()
    root = content_tree(tmp_path, world)
    # the cheapest password hashing argon2 allows: the corpus needs some 1,700 accounts
    app = create_app(base_config(url, CONTENT_DIR=str(root), MANAGE_CACHE_SECONDS=0, ARGON2_MEMORY_COST=64))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        from trainer.core.content import load_content
        from trainer.services.catalog import sync_content

        db.create_all()
        sync_content(load_content(str(root)))
        db.session.commit()
        viewers = sorted(populate(world, db))
        db.session.remove()
    yield app, world, viewers
    with app.app_context():
        db.engine.dispose()
    if request.param != "sqlite":
        _drop(url)


def _admin():
    return create_engine(PG_URL.rpartition("/")[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
                         isolation_level="AUTOCOMMIT")


def _own_database():
    """``<test database>_xss``, made anew: the world lives for the whole run, while every other test on
    PostgreSQL drops and recreates the test database's schema under it."""
    base, _, name = PG_URL.rpartition("/")
    name = f"{name.split('?')[0]}_xss"
    _drop(f"{base}/{name}")
    engine = _admin()
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{base}/{name}"


def _drop(url):
    engine = _admin()
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def signed_in(xss_world):
    """``signed_in(username)`` → a test client signed in as that viewer (None: anonymous)."""
    app, _, _ = xss_world
    browsers = {}

    def get(username):
        if username not in browsers:
            browsers[username] = Browser(app)
            if username:
                assert browsers[username].login(username).status_code == 302
        return browsers[username]
    return get
