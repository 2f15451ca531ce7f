"""Faults on the real server: gunicorn killed with SIGKILL while trainees submit, and PostgreSQL
refusing connections for a while.

Each trainee is a thread with its own cookies that answers quiz items and role-play replies the
way a browser does (GET the page, POST the form, follow the redirect). A submission counts as
acknowledged when its redirect arrived; one that met a dead server or an error page is sent again,
identical, until it is acknowledged (what a person does). Afterwards every acknowledged answer and
reply must be in the database exactly once, and the quiz and the chat must carry on where they were.

SQLite always; PostgreSQL when TRAINER_TEST_DATABASE_URL is set, in a database of its own beside
that one (``<name>_faults``, or TRAINER_FAULTS_DATABASE_URL), since the test switches it off.
"""
import html
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, text

from .conftest import CONTENT_DIR, PG_URL, _postgres_reachable

ROOT = Path(__file__).resolve().parent.parent
QUIZ, SCENARIO = "refund-basics", "test-wrong-item"
PASSWORD = "faults-password-1"
TRAINEES = 6
WORKERS = 2
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SEQ = re.compile(r'name="seq" type="hidden" value="(\d+)"')
TAG = re.compile(r"<(input|textarea)\b([^>]*)>()|<(select)\b([^>]*)>(.*?)</select>", re.S)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')
ERRORS = re.compile(r'class="error[^"]*">([^<]+)')
OPTION = re.compile(r'<option[^>]*value="(\d+)"')
REPLIES = [line.split("]", 1)[-1].strip()
           for line in (CONTENT_DIR / "scenarios" / "transcripts" / f"{SCENARIO}.pass.txt").read_text("utf-8").splitlines()
           if line.strip() and not line.startswith("#")]

pytestmark = pytest.mark.faults


def _sa(url):
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def _faults_pg_url():
    if os.environ.get("TRAINER_FAULTS_DATABASE_URL"):
        return os.environ["TRAINER_FAULTS_DATABASE_URL"]
    base, _, name = PG_URL.rpartition("/")
    return f"{base}/{name.split('?')[0]}_faults"


def _pg_admin(url):
    """An autocommit connection to the server's ``postgres`` database, to create and switch off ``url``'s."""
    return create_engine(_sa(url.rpartition("/")[0] + "/postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not _postgres_reachable(), reason="set TRAINER_TEST_DATABASE_URL to a reachable PostgreSQL to run"))])
def database(request, tmp_path):
    """A fresh database with the test content and the trainees; yields its URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'faults.db'}"
    else:
        url = _faults_pg_url()
        name = url.rpartition("/")[2]
        assert name != PG_URL.rpartition("/")[2], "the fault tests need a database of their own"
        admin = _pg_admin(url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    _prepare(url, tmp_path)
    yield url
    if request.param == "postgresql":
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _prepare(url, tmp_path):
    from trainer import create_app
    from trainer.core.content import load_content
    from trainer.extensions import db
    from trainer.models import User, UserRole
    from trainer.services import accounts
    from trainer.services.catalog import sync_content

    app = create_app(_app_settings(url, tmp_path))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        db.create_all()
        sync_content(load_content(str(CONTENT_DIR)))
        password_hash = accounts.hash_password(PASSWORD)
        db.session.add_all(User(username=f"t{i}", display_name=f"学员{i}", password_hash=password_hash,
                                role_rows=[UserRole(role="trainee")]) for i in range(TRAINEES + 1))  # + a visitor
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _app_settings(url, tmp_path):
    return {"SECRET_KEY": "faults-secret", "DATABASE_URL": url, "CONTENT_DIR": str(CONTENT_DIR),
            "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8 * 1024, "RATELIMIT_ENABLED": False}


class Server:
    """The production server, gunicorn (with gunicorn.conf.py when present), in its own process group."""

    def __init__(self, url, tmp_path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        settings = _app_settings(url, tmp_path)
        self.env = {**os.environ, "TRAINER_INSTANCE_PATH": str(tmp_path / "instance"),
                    **{f"TRAINER_{k}": str(v).lower() if isinstance(v, bool) else str(v)
                       for k, v in settings.items()}}
        self.command = [str(Path(sys.executable).parent / "gunicorn"), "trainer.wsgi:app",
                        *(["-c", "gunicorn.conf.py"] if (ROOT / "gunicorn.conf.py").exists() else []),
                        "--bind", f"127.0.0.1:{self.port}", "--workers", str(WORKERS), "--no-control-socket"]
        self.log = open(tmp_path / "gunicorn.log", "ab")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited: see {self.log.name}"
            try:
                if Browser(self.port).request("GET", "/login")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer within 60 s: see {self.log.name}")

    def kill(self):
        """kill -9 the master and its workers at once, as a crash or the OOM killer would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


class Browser:
    """Cookies, forms and redirects over http.client: one person's browser."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, data=None):
        """``(status, location, body)``; raises OSError when the server is not there."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            page = response.read().decode("utf-8", "replace")
        except http.client.HTTPException as error:
            raise ConnectionError(str(error)) from error
        finally:
            connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", page


class Trainee(threading.Thread):
    """Answers the quiz and plays the role-play, alternately, resending until each is acknowledged."""

    def __init__(self, number, port, stop):
        super().__init__(daemon=True)
        self.username, self.browser, self.stop = f"t{number}", Browser(port), stop
        self.rng = random.Random(number)
        self.answers = []                 # acknowledged quiz seqs
        self.turns = defaultdict(list)    # run id → acknowledged reply seqs
        self.texts = {}                   # (run id, seq) → reply text
        self.run_id = None
        self.retries = self.unavailable = self.stored_unacknowledged = 0
        self.error = None

    # -- retrying through a dead server or an error page --
    def until(self, method, path, data=None, accept=lambda status, location, page: status == 200):
        while True:
            try:
                status, location, page = self.browser.request(method, path, data)
            except OSError:
                status, location, page = None, "", ""
            if accept(status, location, page):
                return status, location, page
            if status not in (None, 502, 503):
                raise AssertionError(f"{self.username}: {method} {path} gave {status} {location}")
            self.retries += 1
            self.unavailable += status == 503
            time.sleep(0.05)

    def token(self, page):
        return TOKEN.search(page).group(1)

    def sign_in(self):
        _s, _l, page = self.until("GET", "/login")
        self.until("POST", "/login", {"csrf_token": self.token(page), "username": self.username, "password": PASSWORD},
                   accept=lambda status, location, page: status == 302 and location.endswith("/study/"))

    def answer(self):
        path = f"/study/quizzes/{QUIZ}"
        _s, _l, page = self.until("GET", path)
        data = _fill_quiz_form(page, self.rng)
        seq, resent = int(data["seq"]), False
        while True:
            try:
                status, location, page = self.browser.request("POST", path, data)
            except OSError:
                status, location = None, ""
            if status == 302 and location.endswith(f"/answers/{seq}"):
                break
            if status == 200 and resent:
                # The first send was stored but its answer never arrived: the resend is checked against
                # the next item's form and refused (test_a_resent_quiz_answer_gets_its_feedback). The
                # quiz page tells whether it was stored; the check below proves it was, once.
                _s, _l, now = self.until("GET", path)
                if int(SEQ.search(now).group(1)) > seq:
                    self.stored_unacknowledged += 1
                    break
            if status not in (None, 502, 503):
                raise AssertionError(f"{self.username}: POST {path} gave {status} {location} (resent: {resent}, "
                                     f"sent {data}, page says {ERRORS.findall(page)})")
            resent = True
            self.retries += 1
            self.unavailable += status == 503
            time.sleep(0.05)
        self.answers.append(seq)

    def reply(self):
        if self.run_id is None:
            _s, _l, page = self.until("GET", f"/study/scenarios/{SCENARIO}")
            _s, location, _p = self.until(
                "POST", f"/study/scenarios/{SCENARIO}", {"csrf_token": self.token(page), "mode": "practice"},
                accept=lambda status, location, page: status == 302 and "/study/roleplay/" in location)
            self.run_id = int(location.rstrip("/").rsplit("/", 1)[1])
        chat = f"/study/roleplay/{self.run_id}"
        _s, _l, page = self.until("GET", chat)
        seq = int(SEQ.search(page).group(1))
        reply = REPLIES[(seq - 1) % len(REPLIES)]
        _s, location, _p = self.until(
            "POST", chat, {"csrf_token": self.token(page), "seq": seq, "text": reply},
            accept=lambda status, location, page: status == 302 and location.rstrip("/").endswith(
                (chat, f"{chat}/debrief")))
        self.turns[self.run_id].append(seq)
        self.texts[self.run_id, seq] = reply
        if location.endswith("/debrief"):
            self.run_id = None

    def run(self):
        try:
            self.sign_in()
            while not self.stop.is_set():
                self.answer() if self.rng.random() < 0.5 else self.reply()
        except Exception as error:  # noqa: BLE001  reported by the test
            self.error = error


def _fill_quiz_form(page, rng):
    form = page[page.find('class="item-form"'):]
    data, radios, checks, places = {}, defaultdict(list), defaultdict(list), []
    for match in TAG.findall(form[:form.find("</form>")]):
        kind, attrs, options = match[:3] if match[0] else match[3:]
        attrs = dict(ATTR.findall(attrs))
        name = attrs.get("name", "")
        if kind == "input" and attrs.get("type") == "radio":
            radios[name].append(attrs["value"])
        elif kind == "input" and attrs.get("type") == "checkbox":
            checks[name].append(attrs["value"])
        elif kind == "input" and name in ("seq", "csrf_token"):
            data[name] = attrs.get("value", "")
        elif kind == "select" and name.startswith("step_"):
            places.append(name)
        elif kind == "select":
            data[name] = rng.choice(OPTION.findall(options))
        elif kind == "textarea":
            data[name] = "先核对订单，再给顾客退款或补发两个方案，并向顾客道歉。"
    data.update({name: rng.choice(values) for name, values in radios.items()})
    data.update({name: rng.sample(values, rng.randint(1, len(values))) for name, values in checks.items()})
    data.update({name: str(place) for place, name in enumerate(rng.sample(places, len(places)))})
    data.setdefault("csrf_token", TOKEN.search(page).group(1))  # the session's one token, wherever the form puts it
    return data


def _start_trainees(server):
    stop = threading.Event()
    trainees = [Trainee(number, server.port, stop) for number in range(TRAINEES)]
    for trainee in trainees:
        trainee.start()
    return trainees, stop


def _finish(trainees, stop):
    stop.set()
    for trainee in trainees:
        trainee.join(timeout=60)
        assert not trainee.is_alive(), f"{trainee.username} is stuck"
        assert trainee.error is None, trainee.error


def _submissions(trainee):
    return len(trainee.answers) + sum(len(turns) for turns in trainee.turns.values())


def _check_stored_once(url, trainees):
    """Every acknowledged answer and reply is in the database, once; nothing else is."""
    engine = create_engine(_sa(url))
    with engine.connect() as connection:
        for trainee in trainees:
            user_id = connection.scalar(text("SELECT id FROM users WHERE username = :u"), {"u": trainee.username})
            attempts = connection.execute(text(
                "SELECT id FROM quiz_attempts WHERE user_id = :u AND kind = 'practice'"), {"u": user_id}).scalars().all()
            assert len(attempts) <= 1, "a practice attempt was started again instead of resumed"
            stored = connection.execute(text("SELECT seq FROM answers WHERE attempt_id = :a ORDER BY seq"),
                                        {"a": attempts[0] if attempts else -1}).scalars().all()
            assert stored == sorted(trainee.answers) == list(range(len(trainee.answers))), trainee.username
            runs = connection.execute(text("SELECT id FROM roleplay_runs WHERE user_id = :u"), {"u": user_id}).scalars().all()
            assert set(runs) >= set(trainee.turns)
            for run_id in runs:
                turns = connection.execute(text("SELECT seq, text FROM roleplay_turns WHERE run_id = :r ORDER BY seq"),
                                           {"r": run_id}).all()
                assert [seq for seq, _text in turns] == sorted(trainee.turns.get(run_id, [])), (trainee.username, run_id)
                assert all(trainee.texts[run_id, seq] == stored_text for seq, stored_text in turns)
    engine.dispose()


def _check_resumes(server, trainees):
    """The quiz goes on at the next item; the open chat shows the replies already sent."""
    for trainee in trainees:
        _s, _l, page = trainee.until("GET", f"/study/quizzes/{QUIZ}")
        assert int(SEQ.search(page).group(1)) == len(trainee.answers)
        if trainee.run_id is not None and trainee.turns.get(trainee.run_id):
            _s, _l, page = trainee.until("GET", f"/study/roleplay/{trainee.run_id}")
            sent = trainee.turns[trainee.run_id]
            assert int(SEQ.search(page).group(1)) == max(sent) + 1
            assert all(html.escape(trainee.texts[trainee.run_id, seq], quote=False) in page for seq in sent)


def test_kill_9_while_trainees_submit_loses_and_doubles_nothing(database, tmp_path):
    server = Server(database, tmp_path)
    server.start()
    trainees, stop = _start_trainees(server)
    try:
        for _ in range(2):
            time.sleep(1.5)  # the trainees submitting flat out
            server.kill()
            server.start()
        time.sleep(1.5)
        _finish(trainees, stop)
        assert sum(t.retries for t in trainees) > 0, "no request was cut off: the test tested nothing"
        assert sum(len(t.answers) for t in trainees) > 0 and any(t.turns for t in trainees)
        _check_stored_once(database, trainees)  # one attempt each, its answers numbered on across the kills
        _check_resumes(server, trainees)
    finally:
        stop.set()
        server.stop()


@pytest.mark.skipif(not _postgres_reachable(), reason="set TRAINER_TEST_DATABASE_URL to a reachable PostgreSQL to run")
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_database_unreachable_gives_a_clear_page_and_the_app_recovers(database, tmp_path):
    name = database.rpartition("/")[2]
    admin = _pg_admin(database)
    server = Server(database, tmp_path)
    server.start()
    trainees, stop = _start_trainees(server)
    visitor = Trainee(TRAINEES, server.port, stop)  # not started: signed in, reading in English
    try:
        visitor.sign_in()
        _s, _l, page = visitor.until("GET", "/study/")
        visitor.until("POST", "/language?next=/study/", {"csrf_token": TOKEN.search(page).group(1), "locale": "en"},
                      accept=lambda status, location, page: status == 302)
        time.sleep(1.0)
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        time.sleep(0.5)
        status, _location, page = visitor.browser.request("GET", "/study/")
        assert status == 503
        assert "Temporarily unavailable" in page and "send it again" in page
        time.sleep(1.5)
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        deadline = time.monotonic() + 15
        while visitor.browser.request("GET", "/study/")[0] != 200:
            assert time.monotonic() < deadline, "the app did not recover when the database came back"
            time.sleep(0.1)
        acknowledged_before = sum(_submissions(t) for t in trainees)
        time.sleep(1.5)
        _finish(trainees, stop)
        assert sum(t.unavailable for t in trainees) > 0, "no trainee met the outage"
        assert sum(_submissions(t) for t in trainees) > acknowledged_before, "the trainees did not carry on"
        _check_stored_once(database, trainees)
        _check_resumes(server, trainees)
    finally:
        stop.set()
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        server.stop()
        admin.dispose()


def test_a_resent_quiz_answer_gets_its_feedback(browser, make_user, synced, db):
    from tests.services.test_attempts import _right_response
    from tests.web.test_quizzes import _current_item, _form_data

    ann = make_user("ann")
    browser.login("ann")
    acknowledged = []
    for _ in range(6):  # every kind of item, in the attempt's own order
        seq, item = _current_item(db, ann)
        data = {"seq": seq, **_form_data(item, _right_response(item))}
        assert browser.post(f"/study/quizzes/{QUIZ}", data).location.endswith(f"/answers/{seq}")
        again = browser.post(f"/study/quizzes/{QUIZ}", data)
        acknowledged.append(again.status_code == 302 and again.location.endswith(f"/answers/{seq}"))
    assert all(acknowledged)


def _refused(*_args, **_kwargs):
    from sqlalchemy.exc import OperationalError

    raise OperationalError("SELECT 1", {}, Exception('connection to server at "127.0.0.1", port 5432 failed'))


def test_a_database_error_gives_the_unavailable_page_in_process(browser, make_user, synced, monkeypatch):
    """The 503 page without a PostgreSQL to switch off: loading the signed-in user fails."""
    from trainer.services import accounts

    make_user("ann")
    browser.login("ann")
    monkeypatch.setattr(accounts, "load_session", _refused)
    response = browser.get("/study/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    assert "暂时无法使用" in page or "Temporarily unavailable" in page
    assert "ann" not in page.lower().split("<main")[0]  # drawn for an anonymous visitor
    monkeypatch.undo()
    assert browser.get("/study/").status_code == 200


def test_a_database_error_after_the_view_gives_the_unavailable_page(app, browser, make_user, synced):
    """An after_request that reaches a dead database (the view had committed) turns 500 into 503."""
    make_user("ann")
    browser.login("ann")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, not as in tests
    calls = []

    def dies_once(response):
        calls.append(response.status_code)
        return _refused() if len(calls) == 1 else response

    app.after_request_funcs.setdefault(None, []).insert(0, dies_once)
    response = browser.get("/study/")
    assert response.status_code == 503 and "Retry-After" in response.headers
