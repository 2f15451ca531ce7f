"""The production command of the README: gunicorn with gunicorn.conf.py and trainer.wsgi, several sync workers."""
import json
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
from werkzeug.utils import import_string

from trainer import create_app
from trainer.extensions import db
from tests.conftest import CONTENT_DIR, base_config

ROOT = Path(__file__).parent.parent
CONF = runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_the_settings_the_readme_promises():
    assert (CONF["worker_class"], CONF["timeout"], CONF["preload_app"], CONF["accesslog"]) == ("sync", 30, True, None)
    assert CONF["workers"] == os.cpu_count() * 2 + 1
    logging_config = CONF["logconfig_dict"]
    assert import_string(logging_config["formatters"]["json"]["()"])
    assert import_string(logging_config["filters"]["request_id"]["()"])


class FakeWorker:
    def __init__(self, app, workers):
        self.wsgi, self.cfg = app, SimpleNamespace(workers=workers)
        self.log = SimpleNamespace(critical=lambda *args: setattr(self, "said", args[0] % args[1:]))


@pytest.mark.parametrize(("storage", "workers", "refused"), [
    ("memory://", 4, True), ("memory://", 1, False), ("redis://127.0.0.1:6379/0", 4, False)])
def test_several_workers_need_shared_rate_limit_storage(tmp_path, storage, workers, refused):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'db.sqlite'}", RATELIMIT_STORAGE_URI=storage,
                                 RATELIMIT_ENABLED=True))
    worker = FakeWorker(app, workers)
    if refused:
        with pytest.raises(SystemExit) as stopped:
            CONF["post_worker_init"](worker)
        assert stopped.value.code == 3 and "redis://" in worker.said
    else:
        CONF["post_worker_init"](worker)


def _redis_up():
    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(not _redis_up(), reason="Redis on 127.0.0.1:6379 is not reachable")
def test_gunicorn_serves_health_with_json_request_logs(tmp_path):
    url = f"sqlite:///{tmp_path / 'trainer.db'}"
    with create_app(base_config(url)).app_context():
        db.create_all()
        db.engine.dispose()
    port = _free_port()
    env = {**os.environ, "TRAINER_DATABASE_URL": url, "TRAINER_SECRET_KEY": "test-secret",
           "TRAINER_CONTENT_DIR": str(CONTENT_DIR), "TRAINER_INSTANCE_PATH": str(tmp_path),
           "TRAINER_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "TRAINER_BIND": f"127.0.0.1:{port}",
           "TRAINER_WORKERS": "2", "TRAINER_PROXY_HOPS": "1"}
    log = open(tmp_path / "stderr.log", "w+")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                               "trainer.wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        body = _get_when_up(f"http://127.0.0.1:{port}/healthz", {"X-Request-ID": "probe-1", "X-Forwarded-For": "10.1.2.3"}, server)
        assert json.loads(body)["database"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=60)
    log.seek(0)
    lines = [json.loads(line) for line in log if line.startswith("{")]
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    [request] = [line for line in lines if line.get("request_id") == "probe-1" and line["logger"] == "trainer.request"]
    assert (request["path"], request["status"], request["remote_addr"]) == ("/healthz", 200, "10.1.2.3")


def _get_when_up(url, headers, server, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn stopped"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
                return response.read()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url} in {seconds} s")


@pytest.mark.parametrize(("hops", "seen"), [("", "127.0.0.1"), ("1", "10.1.2.3")])
def test_forwarded_addresses_are_trusted_only_behind_a_proxy(tmp_path, monkeypatch, hops, seen):
    for name, value in {"TRAINER_SECRET_KEY": "test-secret", "TRAINER_PROXY_HOPS": hops,
                        "TRAINER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}.items():
        monkeypatch.setenv(name, value)
    app = runpy.run_module("trainer.wsgi")["app"]
    app.add_url_rule("/_addr", view_func=lambda: __import__("flask").request.remote_addr)
    response = app.test_client().get("/_addr", headers={"X-Forwarded-For": "10.1.2.3"})
    assert response.get_data(as_text=True) == seen
