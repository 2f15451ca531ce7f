"""GET /healthz: public, sessionless, one query; 503 when the database does not answer."""
from flask_migrate import stamp

from trainer import create_app
from tests.conftest import base_config


def test_health_reports_the_database_and_the_migration(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    report = response.get_json()
    assert (report["status"], report["database"], report["rate_limit"], report["version"]) == ("ok", "ok", "disabled", "0.1.0")
    assert report["migration"]["state"] == "unmanaged"  # tests build tables without migrations
    assert report["migration"]["database"] is None and report["migration"]["head"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_a_migrated_database_is_current(app):
    stamp()
    report = app.test_client().get("/healthz").get_json()
    assert report["migration"]["state"] == "current"
    assert report["migration"]["database"] == report["migration"]["head"]


def test_health_needs_no_sign_in_and_no_csrf_and_ignores_a_session(browser, make_user):
    make_user("ann")
    browser.login("ann")
    response = browser.get("/healthz")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert browser.client.head("/healthz").status_code == 200


def test_an_unreachable_database_is_503_without_details(tmp_path, caplog):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'missing' / 'folder' / 'db.sqlite'}"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    report = response.get_json()
    assert report == {"status": "error", "database": "unreachable", "version": "0.1.0"}
    assert "unable to open database file" in caplog.text  # the details go to the log only


def test_an_unreachable_postgresql_is_503(tmp_path):
    app = create_app(base_config("postgresql://nobody@127.0.0.1:1/none"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "unreachable"


def test_an_unreachable_rate_limit_store_is_503_because_nobody_could_sign_in(tmp_path, caplog):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'db.sqlite'}", RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                                 RATELIMIT_ENABLED=True))
    response = app.test_client().get("/healthz")
    report = response.get_json()
    assert response.status_code == 503
    assert (report["status"], report["database"], report["rate_limit"]) == ("error", "ok", "unreachable")
    assert "rate-limit store does not answer" in caplog.text


def test_the_rate_limit_store_is_checked_when_limits_are_on(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'db.sqlite'}", RATELIMIT_ENABLED=True))
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.get_json()["rate_limit"]) == (200, "ok")
