"""One JSON line per request, with a request id that every log record of the request carries."""
import io
import json
import logging
import re

import pytest

from trainer.web.requestlog import JsonFormatter, RequestIdFilter, install_handler

GENERATED = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def request_lines(caplog):
    """The request log records, formatted as the JSON lines production writes."""
    caplog.set_level(logging.INFO, logger="trainer")
    caplog.handler.addFilter(RequestIdFilter())
    formatter = JsonFormatter()
    return lambda: [json.loads(formatter.format(r)) for r in caplog.records if r.name == "trainer.request"]


def test_one_json_line_per_request(app, request_lines):
    response = app.test_client().get("/login", headers={"X-Request-ID": "edge-7f3a:42"})
    [line] = request_lines()
    assert response.headers["X-Request-ID"] == "edge-7f3a:42"
    assert set(line) >= {"time", "level", "logger", "message", "request_id", "method", "path", "query", "status",
                         "duration_ms", "user_id", "remote_addr"}
    assert (line["request_id"], line["method"], line["path"], line["status"]) == ("edge-7f3a:42", "GET", "/login", 200)
    assert (line["user_id"], line["remote_addr"], line["level"], line["query"]) == (None, "127.0.0.1", "INFO", None)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", line["time"])
    assert 0 < line["duration_ms"] < 5000


@pytest.mark.parametrize("incoming", ["", "has space", "x" * 129, "-leading-dash", "semi;colon", "中文"])
def test_a_missing_or_odd_request_id_is_replaced(app, request_lines, incoming):
    response = app.test_client().get("/healthz", headers={"X-Request-ID": incoming})
    [line] = request_lines()
    assert GENERATED.match(response.headers["X-Request-ID"])
    assert line["request_id"] == response.headers["X-Request-ID"]


def test_query_secrets_are_masked_and_the_path_kept(app, request_lines):
    app.test_client().get("/login?next=/study/&token=abc123&reset_code=999&password=hunter2")
    [line] = request_lines()
    assert line["path"] == "/login"
    assert line["query"] == "next=/study/&token=***&reset_code=***&password=***"
    assert "abc123" not in json.dumps(line) and "hunter2" not in json.dumps(line)


def test_the_signed_in_user_is_named_by_id(browser, make_user, request_lines):
    ann = make_user("ann")
    browser.login("ann")
    browser.get("/study/")
    line = request_lines()[-1]
    assert (line["path"], line["status"], line["user_id"]) == ("/study/", 200, ann.id)
    assert "ann" not in json.dumps(line)  # an id, no name or session token


def test_every_record_of_a_request_carries_its_id(app, caplog, request_lines):
    def noisy():
        logging.getLogger("trainer.services.example").warning("inside the request")
        return "ok"

    app.add_url_rule("/_noisy", view_func=noisy)
    response = app.test_client().get("/_noisy")
    [inside] = [r for r in caplog.records if r.getMessage() == "inside the request"]
    assert inside.request_id == response.headers["X-Request-ID"] == request_lines()[0]["request_id"]


def test_a_server_error_is_logged_as_an_error_with_the_traceback(app, caplog, request_lines):
    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/_broken", view_func=broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not the exception
    response = app.test_client().get("/_broken")
    [line] = request_lines()
    assert (response.status_code, line["status"], line["level"]) == (500, 500, "ERROR")
    [crash] = [r for r in caplog.records if r.exc_info]
    assert crash.request_id == line["request_id"]
    assert "RuntimeError: boom" in json.loads(JsonFormatter().format(crash))["exc"]


def test_without_logging_configured_json_lines_go_to_the_stream(app, monkeypatch):
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    trainer_logger = logging.getLogger("trainer")
    monkeypatch.setattr(trainer_logger, "handlers", [])
    monkeypatch.setattr(trainer_logger, "level", logging.NOTSET)
    stream = io.StringIO()
    handler = install_handler(stream)
    assert install_handler(stream) is None  # once
    response = app.test_client().get("/healthz")
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert (line["path"], line["request_id"]) == ("/healthz", response.headers["X-Request-ID"])
    assert handler in trainer_logger.handlers


def test_a_request_refused_before_the_view_is_logged_with_its_id(browser, request_lines):
    response = browser.post("/login", {"username": "ann", "password": "x"}, csrf=False,
                            headers={"X-Request-ID": "no-token-1"})
    line = request_lines()[-1]
    assert (response.status_code, response.headers["X-Request-ID"]) == (400, "no-token-1")
    assert (line["request_id"], line["status"], line["method"]) == ("no-token-1", 400, "POST")
    assert line["duration_ms"] is not None


def test_the_user_is_named_after_a_commit_without_being_loaded_again(browser, make_user, synced, request_lines, db):
    from sqlalchemy import event

    from trainer.services import progress

    ann_id = make_user("ann").id
    browser.login("ann")
    lesson = progress.published_lessons()[0]
    token = browser.csrf_token()
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    browser.post(f"/study/lessons/{lesson.key}/time", {"seconds": "30", "csrf_token": token}, csrf=False)
    event.remove(db.engine, "before_cursor_execute", listener)
    line = request_lines()[-1]
    assert (line["path"], line["status"], line["user_id"]) == (f"/study/lessons/{lesson.key}/time", 200, ann_id)
    assert any(statement.startswith("UPDATE lesson_progress") for statement in seen)  # it committed
    assert sum(1 for statement in seen if "FROM users" in statement) == 1  # the session's lookup, no reload after
