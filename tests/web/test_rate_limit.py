"""Sign-in attempts are rate-limited per address and per username, with the counts shared by every worker
process: spreading a guessing run over addresses or workers gains nothing."""
import subprocess
import sys
import uuid

import pytest
import redis

from tests.conftest import PASSWORD


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}


def test_fourth_attempt_in_a_minute_is_refused(browser, make_user):
    make_user("ann")
    for _ in range(3):
        assert browser.login("ann", "wrong").status_code == 200
    response = browser.login("ann", PASSWORD)
    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)


def _sign_in(browser, username, password, address):
    return browser.post("/login", {"username": username, "password": password},
                        environ_base={"REMOTE_ADDR": address})


def test_one_username_tried_from_many_addresses_is_refused(browser, new_browser, make_user):
    make_user("ann")
    make_user("bob")
    for number, username in enumerate(["ann", " ANN", "Ann "], start=1):  # as the sign-in reads it: one person
        assert _sign_in(browser, username, "wrong", f"10.0.0.{number}").status_code == 200
    assert _sign_in(browser, "ann", PASSWORD, "10.0.0.4").status_code == 429
    assert _sign_in(new_browser(), "bob", PASSWORD, "10.0.0.5").status_code == 302  # others are not locked out


def test_one_address_trying_many_usernames_is_refused(browser, make_user):
    make_user("ann")
    for username in ["amy", "bea", "cat"]:
        assert _sign_in(browser, username, "wrong", "10.0.0.9").status_code == 200
    assert _sign_in(browser, "ann", PASSWORD, "10.0.0.9").status_code == 429
    assert _sign_in(browser, "ann", PASSWORD, "10.0.0.10").status_code == 302


def _redis_up():
    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


WORKER = """
import sys
sys.path.insert(0, {root!r})
from tests.conftest import base_config
from trainer import create_app
app = create_app(base_config({db!r}, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute",
                             RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX={prefix!r}))
client = app.test_client()
page = client.get("/login").get_data(as_text=True)
import re
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
codes = [client.post("/login", data={{"username": "ann", "password": "wrong", "csrf_token": token}},
                     environ_base={{"REMOTE_ADDR": address}}).status_code for address in {addresses!r}]
print(codes)
"""


@pytest.mark.skipif(not _redis_up(), reason="Redis on 127.0.0.1:6379 is not reachable")
@pytest.mark.parametrize("addresses, address", [(["127.0.0.1"] * 3, "127.0.0.1"),
                                                (["10.0.1.1", "10.0.1.2", "10.0.1.3"], "10.0.2.1")],
                         ids=["one address", "one username from many addresses"])
def test_attempts_in_another_worker_process_count_too(tmp_path, addresses, address):
    from trainer import create_app
    from trainer.extensions import db
    from tests.conftest import base_config, TESTS

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    prefix = f"test-{uuid.uuid4().hex}"
    config = base_config(url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute",
                         RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX=prefix)
    app = create_app(config)
    with app.app_context():
        db.create_all()
        from trainer.services import accounts
        accounts.create_user("test", "ann", "Ann", PASSWORD, ["trainee"])
        db.session.commit()
    script = WORKER.format(root=str(TESTS.parent), db=url, prefix=prefix, addresses=addresses)
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert other.stdout.strip() == "[200, 200, 200]", other.stderr
    with app.app_context():
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        import re
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": token},
                               environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 429
